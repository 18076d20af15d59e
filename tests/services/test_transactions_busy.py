"""A write that cannot get the database's write lock in time reaches the user as a clear
"busy, try again", never a raw driver error, and changes nothing (issue 13, item 22)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import PhoneNumber
from services.families import contact_changes
from services.kernel.errors import Busy, ValidationError
from services.kernel.transactions import write_transaction
from tests import factories as f
from tests.conftest import _truncate_all, skip_or_fail
from tests.support.sqlite_locks import short_busy_timeout, write_lock_held


@pytest.fixture
def locked_sqlite(
    sqlite_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Session, Path]]:
    """A SQLite database whose connections wait 0.2 s (not 10 s) for a lock."""
    short_busy_timeout(monkeypatch)
    path = tmp_path / "busy.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine, expire_on_commit=False) as db:
        yield db, path
    engine.dispose()


def test_begin_immediate_timing_out_is_busy_and_the_block_never_runs(
    locked_sqlite: tuple[Session, Path],
) -> None:
    db, path = locked_sqlite
    ran = []
    with (
        write_lock_held(path),
        pytest.raises(Busy, match="busy right now") as refused,
        write_transaction(db),
    ):
        ran.append(True)
    assert ran == []
    assert isinstance(refused.value, ValidationError)  # every page shows ValidationError
    assert "nothing was changed" in refused.value.message
    with write_transaction(db):  # the session is usable again once the lock is gone
        db.execute(text("SELECT 1"))


def test_a_service_write_against_a_held_lock_says_busy_and_writes_nothing(
    locked_sqlite: tuple[Session, Path],
) -> None:
    db, path = locked_sqlite
    _, guardian, account = f.family(db)
    db.commit()
    actor = f.guardian_actor(db, account)
    db.commit()
    with write_lock_held(path), pytest.raises(Busy):
        contact_changes.add_phone(db, actor, guardian.id, "+1 312 555 0100")
    assert db.scalars(select(PhoneNumber)).all() == []
    contact_changes.add_phone(db, actor, guardian.id, "+1 312 555 0100")
    assert len(db.scalars(select(PhoneNumber)).all()) == 1


@pytest.mark.postgres
def test_a_postgres_lock_not_granted_in_time_is_busy(pg_database: str | None) -> None:
    """PostgreSQL: the row lock a write waits for, with a lock timeout (SQLSTATE 55P03)."""
    if pg_database is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    _truncate_all(pg_database)
    engine, holder = make_engine(pg_database), make_engine(pg_database)
    try:
        with Session(engine, expire_on_commit=False) as db:
            fam, _, _ = f.family(db)
            db.commit()
            with holder.begin() as conn:
                conn.execute(
                    text("SELECT id FROM families WHERE id = :id FOR UPDATE"), {"id": fam.id}
                )
                with pytest.raises(Busy), write_transaction(db):
                    db.execute(text("SET LOCAL lock_timeout = '200ms'"))
                    db.execute(
                        text("UPDATE families SET name = 'Changed' WHERE id = :id"), {"id": fam.id}
                    )
            name = db.scalar(text("SELECT name FROM families WHERE id = :id"), {"id": fam.id})
            assert name != "Changed"
    finally:
        engine.dispose()
        holder.dispose()
