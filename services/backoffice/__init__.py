"""The owner's back office: setting the business up and keeping its records — the first-run
setup, locations, programs with their levels and skills, terms and closures, classes, staff
accounts and families created at the desk. Every change is audited; nothing with history is
deleted (it is archived).

May import: every other package.
"""
