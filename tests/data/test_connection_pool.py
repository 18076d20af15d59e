"""The connection pool (data/db.py): PostgreSQL connections that died while idle in the pool
(a server restart) are replaced before use; a connection used moments ago is not pinged."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from data import db as data_db
from data.db import make_engine
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url(pg_database: str | None) -> str:
    if pg_database is None:
        skip_or_fail("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    assert pg_database is not None
    return pg_database


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _kill(url: str, pid: int) -> None:
    """What a server restart does to a pooled connection: its backend goes away."""
    other = make_engine(url)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_url)
    try:
        first = _backend_pid(engine)
        _kill(pg_url, first)
        monkeypatch.setattr(data_db, "PING_AFTER_IDLE_SECONDS", 0.0)  # idle long enough
        with engine.connect() as conn:  # no error: the ping found it dead
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_connection_used_moments_ago_is_not_pinged(pg_url: str) -> None:
    """The trade-off data/db.py records: one run may meet a connection that died within the
    idle window; it fails (the page says it cannot reach the database) and the pool is
    renewed, so the next run works."""
    engine = make_engine(pg_url)
    try:
        first = _backend_pid(engine)
        _kill(pg_url, first)
        with pytest.raises(OperationalError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
