"""The database side of the demo build, in a process of its own.

Generating rows and inserting them each take about half of a large build, so the loader
runs in a second process (the build uses two cores): the generator sends chunks of rows
through a pipe, the loader inserts them with SQLAlchemy Core in one transaction, builds
the secondary indexes at the end and commits. Nothing is committed unless all of it is.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, func, insert, select, text

from data.db import make_engine
from data.demo.writer import TABLES, Row
from data.models import Family

SQLITE_CACHE_KIB = 512 * 1024
TABLE_BY_NAME = {table.name: table for table in TABLES}


class DatabaseNotEmpty(Exception):
    """The demo only fills an empty database."""


class LoaderFailed(Exception):
    """The loader process stopped; the message carries its traceback."""


def family_count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(Family)) or 0


def has_data(conn: Connection) -> bool:
    return any(conn.execute(select(1).select_from(t).limit(1)).first() for t in TABLES)


@contextmanager
def without_gc() -> Iterator[None]:
    """Millions of long-lived objects make the cycle collector rescan them over and over
    (nearly doubling the franchise build); rows are freed by reference counting anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _build_connection(url: str) -> Iterator[Connection]:
    """One write transaction. On SQLite: no fsync, a large page cache, foreign keys checked
    once at the end, and a rollback journal instead of WAL while building (a new file's
    journal stays tiny, where WAL would write every page twice); WAL is back on afterwards."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
            if raw is not None:
                raw.execute("PRAGMA journal_mode = DELETE")  # stays WAL if others have it open
                raw.execute("PRAGMA foreign_keys = OFF")
                raw.execute("PRAGMA synchronous = OFF")
                raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                raw.execute("PRAGMA temp_store = MEMORY")
                raw.execute("PRAGMA threads = 2")  # helper threads sort for CREATE INDEX
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
                if raw is not None:
                    _check_foreign_keys(conn)
            if raw is not None:
                raw.execute("PRAGMA journal_mode = WAL")
                raw.execute("PRAGMA foreign_keys = ON")
    finally:
        engine.dispose()


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise RuntimeError(f"the demo broke foreign keys (table, rowid, parent): {broken}")


@contextmanager
def _indexes_built_afterwards(conn: Connection) -> Iterator[None]:
    """Drop the secondary indexes for the bulk load and build each once at the end (much
    faster than keeping them up to date row by row). Unique indexes are checked then too."""
    indexes = [
        index for table in TABLES for index in sorted(table.indexes, key=lambda ix: str(ix.name))
    ]
    for index in indexes:
        index.drop(conn)
    yield
    for index in indexes:
        index.create(conn)


def _advance_sequences(conn: Connection, last_ids: dict[str, int]) -> None:
    """PostgreSQL: move each id sequence past the ids the generator chose itself."""
    if conn.dialect.name != "postgresql":
        return
    for table, last in last_ids.items():
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
            {"table": table, "last": last},
        )


def _serve(url: str, pipe: Pipe, generator_end: Pipe) -> None:
    """The loader process: report whether the database is empty, then insert what arrives."""
    # A forked loader holds the generator's end too; closed, a generator that dies ends the
    # loop (recv raises EOFError) instead of leaving the loader waiting.
    generator_end.close()
    try:
        with without_gc(), _build_connection(url) as conn:
            if has_data(conn):
                pipe.send(("not empty", family_count(conn)))
                return
            pipe.send(("ready", None))
            with _indexes_built_afterwards(conn):
                while True:
                    message = pipe.recv()
                    if message[0] == "rows":
                        conn.execute(insert(TABLE_BY_NAME[message[1]]), message[2])
                    elif message[0] == "finish":
                        _advance_sequences(conn, message[1])
                        break
                    else:
                        raise LoaderFailed("the generator stopped")
        pipe.send(("done", None))
    except BaseException:
        with suppress(BrokenPipeError, ConnectionResetError):  # the generator may be gone
            pipe.send(("error", traceback.format_exc()))


class Loader:
    """The generator's handle on the loader process."""

    def __init__(self, url: str) -> None:
        # fork starts at once and needs no `if __name__ == "__main__"` guard in scripts that
        # call build_demo; elsewhere (macOS, Windows) fork is unsafe or missing.
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(url, child, self._pipe), daemon=True)
        self._process.start()
        child.close()

    def _reply(self) -> tuple[str, Any]:
        try:
            kind, value = self._pipe.recv()
        except EOFError:
            raise LoaderFailed("the loader process ended without a word") from None
        if kind == "error":
            raise LoaderFailed(f"the loader process failed:\n{value}")
        return kind, value

    def wait_until_ready(self) -> None:
        kind, families = self._reply()
        if kind == "not empty":
            raise DatabaseNotEmpty(
                f"The database already has data ({families:,} families). The demo only "
                "fills an empty database: use a new database, or --if-empty to skip."
            )

    def rows(self, table: str, rows: list[Row]) -> None:
        try:
            self._pipe.send(("rows", table, rows))
        except (BrokenPipeError, ConnectionResetError):
            self._reply()  # raises the loader's own error
            raise

    def finish(self, last_ids: dict[str, int]) -> None:
        """Commit everything; raises if anything failed."""
        self._pipe.send(("finish", last_ids))
        self._reply()

    def close(self) -> None:
        """Stop the loader (rolling back unless it finished) and wait for it."""
        if self._process.is_alive():
            with suppress(BrokenPipeError, ConnectionResetError):
                self._pipe.send(("abort", None))
        self._process.join()
        self._pipe.close()
