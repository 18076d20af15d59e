"""The schedule and a student's place in it: reading a student's enrollments, the changes a
family or the desk can make (waitlists, drops, transfers, on the steps in enrollment_changes),
enrolling from the desk and filling a seat from the waitlist (enroll), the one seat rule
(capacity), closing ended places, attendance and its rate, skill evaluations and marking
them for a whole class, and the calendar feed.

May import: kernel, accounts, messages, billing, families.
"""
