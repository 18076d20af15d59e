"""Families and the people in them: the family home, students, guardians, contact details and
consent, account activity, a family's requests to the front desk (the request record and
tracker) and resetting a student's check-in code or calendar link.

May import: kernel, accounts, messages, billing.
"""
