"""Services that read and then write take SQLite's write lock first, never by upgrading a
read transaction (which fails at once with "database is locked" when another session wrote
meanwhile). The idle timer's write on every page run (`last_seen_at`) happens at most once a
minute, in a write transaction of its own, and never fails the page (issue 13, item 19)."""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import SignInSession
from services.accounts import auth
from services.kernel import clock
from services.kernel.settings import get_settings, update_settings
from tests import factories as f
from tests.support.sqlite_locks import short_busy_timeout, write_lock_held


def _last_seen(engine: Engine, session_id: int) -> datetime:
    with Session(engine) as other:
        value = other.scalar(
            select(SignInSession.last_seen_at).where(SignInSession.id == session_id)
        )
    assert value is not None
    return value


def _signed_in(db: Session) -> int:
    f.family_gym(db)
    f.portal_settings(db, require_two_factor_for_staff=False)  # password alone, as the demo
    db.commit()
    return auth.sign_in(db, "owner@example.com", f.PASSWORD).session_id


def test_last_seen_is_written_at_most_once_a_minute(db: Session, frozen_clock: datetime) -> None:
    session_id = _signed_in(db)
    engine = db.get_bind()
    for seconds in (0, 30, 59):
        with clock.frozen_at(frozen_clock + timedelta(seconds=seconds)):
            auth.actor_for_session(db, session_id)
        assert _last_seen(engine, session_id) == frozen_clock
    later = frozen_clock + timedelta(seconds=61)
    with clock.frozen_at(later):
        auth.actor_for_session(db, session_id)
    assert _last_seen(engine, session_id) == later
    assert not db.in_transaction() or not (db.new or db.dirty)


def test_another_session_writing_between_the_read_and_the_write_does_not_fail_the_run(
    db: Session, db_url: str, frozen_clock: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure seen under load: the run reads (SQLite takes a snapshot), another browser
    session commits a write, then the run's read transaction tries to become a write —
    SQLite answers "database is locked" at once, without waiting (issue 13, item 19)."""
    session_id = _signed_in(db)
    other = make_engine(db_url)
    monkeypatch.setattr(auth, "_session_row", _read_then_write_elsewhere(auth._session_row, other))
    later = frozen_clock + timedelta(minutes=5)
    try:
        with clock.frozen_at(later):
            actor = auth.actor_for_session(db, session_id)
        assert actor.is_admin
        assert _last_seen(other, session_id) == later
    finally:
        other.dispose()


def _read_then_write_elsewhere(read, other: Engine):  # type: ignore[no-untyped-def]
    """`_session_row` (the run's read), followed by another connection's committed write."""

    def wrapped(db, which, value):  # type: ignore[no-untyped-def]
        result = read(db, which, value)
        with other.begin() as conn:
            # A real change: SQLite writes nothing for an UPDATE that changes no value.
            conn.execute(text("UPDATE locations SET city = city || '.'"))
        return result

    return wrapped


def test_a_locked_database_delays_the_idle_timer_but_not_the_page(
    sqlite_template: str,
    tmp_path: Path,
    frozen_clock: datetime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """SQLite only: PostgreSQL has no database-wide write lock."""
    short_busy_timeout(monkeypatch)
    db_url = f"sqlite:///{tmp_path / 'locked.db'}"
    shutil.copyfile(sqlite_template, tmp_path / "locked.db")
    engine = make_engine(db_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            session_id = _signed_in(db)
            later = frozen_clock + timedelta(minutes=5)
            with (
                write_lock_held(tmp_path / "locked.db"),
                clock.frozen_at(later),
                caplog.at_level(logging.WARNING, "services.accounts.auth"),
            ):
                actor = auth.actor_for_session(db, session_id)
            assert actor.is_admin
            assert "could not refresh last_seen_at" in caplog.text
            assert _last_seen(engine, session_id) == frozen_clock  # written on a later run
            with clock.frozen_at(later):
                auth.actor_for_session(db, session_id)
            assert _last_seen(engine, session_id) == later
    finally:
        engine.dispose()


def test_saving_settings_after_another_session_wrote_does_not_fail(
    db: Session, db_url: str
) -> None:
    """update_settings reads the current values and then writes: it takes the write lock
    before reading, so another session's write after this session's last read is no
    reason for "database is locked"."""
    gym = f.family_gym(db)
    db.commit()
    get_settings(db)  # this session reads (SQLite keeps the snapshot open) ...
    other = make_engine(db_url)
    try:
        with other.begin() as conn:  # ... another session writes ...
            conn.execute(text("UPDATE locations SET city = city || '.'"))
        update_settings(db, gym.admin, {"allow_drop": False})  # ... then this one saves
    finally:
        other.dispose()
    assert get_settings(db).allow_drop is False
