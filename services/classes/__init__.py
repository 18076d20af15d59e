"""The schedule and a student's place in it: enrollments (waitlist, drop, transfer), the one
seat rule (capacity), closing ended places, attendance and its rate, skill evaluations and
the calendar feed.

May import: kernel, accounts, messages, billing, families.
"""
