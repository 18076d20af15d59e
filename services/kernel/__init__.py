"""What every domain stands on, and imports nothing from them: the Actor and role checks
(access), who reaches which family, student and location (reach), audit, the one clock,
errors, money formatting and parsing, the write transaction, input validation, record
lookups, secrets and signing, portal settings, class schedules (meeting dates), and the
outbox every domain queues e-mail into.

May import: data/ only.
"""
