"""The write transaction every changing service uses: services own their transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from data.db import begin_write
from data.db_errors import is_busy
from services.kernel.errors import Busy, ValidationError

CLASH = "Someone changed this at the same moment. Please reload the page and try again."


@contextmanager
def write_transaction(db: Session, *, conflict: str = CLASH) -> Iterator[None]:
    """Begin a write (BEGIN IMMEDIATE on SQLite), commit when the block ends, roll back on
    any refusal. A unique index that fires (a race lost) becomes the readable `conflict`;
    a write lock not granted in time (SQLite's busy timeout, PostgreSQL's lock failures)
    becomes `Busy`, whether at the start, in the block or at the commit."""
    try:
        begin_write(db)
        yield
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ValidationError(conflict) from None
    except OperationalError as error:
        db.rollback()
        if is_busy(error):
            raise Busy() from error
        raise
    except BaseException:
        db.rollback()
        raise
