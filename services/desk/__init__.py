"""The staff side: the staff home, rosters and check-in (and check-in codes), attendance
analytics, family look-up with staff notes, and the request queue that approves a parent's
request with the domain function that applies it.

May import: every other package.
"""
