"""Delivering what the outbox holds: the SMTP sender, and the links of invitation and reset
e-mails, made only when a message is sent.

May import: kernel, accounts.
"""
