"""Delivering what the outbox holds: the SMTP sender, the links of invitation and reset
e-mails, made only when a message is sent, and where a notice to a guardian goes.

May import: kernel, accounts.
"""
