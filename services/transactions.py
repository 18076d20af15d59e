"""The write transaction every changing service uses: services own their transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.db import begin_write
from services.errors import ValidationError

CLASH = "Someone changed this at the same moment. Please reload the page and try again."


@contextmanager
def write_transaction(db: Session, *, conflict: str = CLASH) -> Iterator[None]:
    """Begin a write (BEGIN IMMEDIATE on SQLite), commit when the block ends, roll back on
    any refusal. A unique index that fires (a race lost) becomes the readable `conflict`."""
    begin_write(db)
    try:
        yield
        db.commit()
    except IntegrityError:
        db.rollback()
        raise ValidationError(conflict) from None
    except BaseException:
        db.rollback()
        raise
