"""The staff side: the staff home, class rosters (one query for the staff home and the
check-in page), marking attendance, the QR check-in box and its codes, attendance analytics
(their filter and scope, the risk lists and the all-locations comparison), family look-up
with staff notes, and the request queue that approves a parent's request with the domain
function that applies it.

May import: every other package.
"""
