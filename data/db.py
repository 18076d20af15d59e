"""Engine and session setup for SQLite (default) and PostgreSQL (CARTWHEEL_DATABASE_URL)."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

DATA_DIR = Path(__file__).resolve().parent
DEFAULT_SQLITE_PATH = DATA_DIR / "cartwheel.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Connections kept open per process: one per script run at 10 browser sessions clicking at
# once, so a busy minute does not open and close a connection per run (SQLAlchemy's default
# of 5 did: each extra one was closed on return and opened again for the next run).
POOL_SIZE = 10
POOL_OVERFLOW = 10
PING_AFTER_IDLE_SECONDS = 10.0


def database_url() -> str:
    """The configured database URL: CARTWHEEL_DATABASE_URL, else the SQLite file under data/."""
    return os.environ.get("CARTWHEEL_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str) -> Engine:
    """A new engine with the settings this project relies on for each backend."""
    if url.startswith("sqlite"):
        in_memory = make_url(url).database in (None, "", ":memory:")  # one shared connection
        pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """A PostgreSQL restart leaves closed connections in the pool: a pooled connection that sat
    unused for PING_AFTER_IDLE_SECONDS is pinged before use and replaced if dead. Not every
    checkout, as `pool_pre_ping` would: that round trip was 12 % of a page run's time. A
    restart within the last seconds of use still fails one run with "cannot reach its
    database" (components/database_trouble.py); SQLAlchemy then drops the whole pool."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error  # the pool retries with a new one
        if not alive:
            raise DisconnectionError("the connection did not answer a ping")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # pysqlite's own transaction handling is off, so the "begin" hook below decides
        # between BEGIN (reads) and BEGIN IMMEDIATE (writes that read first).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


@functools.cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process (engines hold the connection pool)."""
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(database_url())


@functools.cache
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(engine_for(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session for one unit of work; rolled back if the block raises."""
    session = _session_factory(url or database_url())()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction.

    Call first in a service that reads and then writes. On SQLite this takes the write
    lock up front (BEGIN IMMEDIATE) so two writers cannot both read the old state; on
    PostgreSQL it is a no-op and the service locks rows with SELECT … FOR UPDATE.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write called with unsaved changes in the session")
        session.commit()  # end the read-only transaction a previous call left open
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
