"""Which database errors mean "try again": the driver-level facts, kept below the services.

SQLite answers "database is locked" (or "busy") when its busy timeout runs out waiting for
the write lock; PostgreSQL reports lock, deadlock and serialization failures by SQLSTATE.
"""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

# serialization_failure, deadlock_detected, lock_not_available
POSTGRES_RETRY_STATES = frozenset({"40001", "40P01", "55P03"})


def is_busy(error: BaseException) -> bool:
    """True when the database refused only because others held locks: the same request
    may succeed a moment later, and nothing of it was written."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.orig, "sqlstate", None) in POSTGRES_RETRY_STATES:
        return True
    message = str(error.orig).lower()
    return "database is locked" in message or "database is busy" in message


def is_unavailable(error: BaseException) -> bool:
    """True for the driver's operational failures (busy, unreachable, connection lost):
    conditions of the server, not mistakes in a request."""
    return isinstance(error, OperationalError)
