"""Sign-in and identities: passwords and their rules, sign-in sessions and the lockout,
re-authentication for sensitive changes, single-use tokens, invitations, password resets and
staff accounts.

May import: kernel.
"""
