"""build_demo: fill an empty, migrated database with the demo gym, fast and reproducibly."""

from __future__ import annotations

import gc
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from random import Random

from sqlalchemy import Connection, func, select

from data.db import make_engine
from data.demo.catalog import build_catalog
from data.demo.enrollments import place_students
from data.demo.families import add_random_families
from data.demo.history import add_history
from data.demo.ledger import add_ledgers
from data.demo.passes import add_passes
from data.demo.plan import SCALES, Context
from data.demo.progress import add_evaluations
from data.demo.requests import add_requests
from data.demo.schedule import build_schedule
from data.demo.showcase import add_showcase_extras, add_showcase_family, shape_history
from data.demo.writer import TABLES, BulkWriter
from data.migrate import upgrade
from data.models import Family
from services import clock
from services.passwords import hash_password

SQLITE_CACHE_KIB = 512 * 1024


class DatabaseNotEmpty(Exception):
    """The demo only fills an empty database."""


@dataclass(frozen=True)
class DemoReport:
    scale: str
    seed: int
    today: date
    counts: dict[str, int]  # rows written per table
    seconds: float

    def summary(self) -> str:
        rows = "\n".join(f"  {name:<20} {count:>10,}" for name, count in self.counts.items())
        return (
            f"Built the {self.scale} demo gym (seed {self.seed}, today {self.today}) in "
            f"{self.seconds:.1f} s:\n{rows}"
        )


def family_count(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(Family)) or 0


def has_data(conn: Connection) -> bool:
    return any(conn.execute(select(1).select_from(t).limit(1)).first() for t in TABLES)


@contextmanager
def _build_connection(url: str) -> Iterator[Connection]:
    """One write transaction. On SQLite: no fsync, a large page cache, and a rollback
    journal instead of WAL while building (a new file's journal stays tiny, where WAL
    would write every page twice); WAL is switched back on afterwards."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
            if raw is not None:
                raw.execute("PRAGMA journal_mode = DELETE")  # stays WAL if others have it open
                # Checked once at the end instead (PRAGMA foreign_key_check), much faster.
                raw.execute("PRAGMA foreign_keys = OFF")
                raw.execute("PRAGMA synchronous = OFF")
                raw.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                raw.execute("PRAGMA temp_store = MEMORY")
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


def build_demo(
    url: str, scale: str = "small", seed: int = 7, today: date | None = None
) -> DemoReport:
    """Migrate the database at `url` and fill it with the demo gym at `scale`.

    The same (scale, seed, today) always gives the same rows (password hashes aside, which
    are salted). Raises DatabaseNotEmpty when the database already holds data.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    today = today or clock.now().date()
    started = time.perf_counter()
    upgrade(url)
    with _build_connection(url) as conn, _without_gc():
        if has_data(conn):
            raise DatabaseNotEmpty(
                f"The database already has data ({family_count(conn):,} families). The demo "
                "only fills an empty database: use a new database, or --if-empty to skip."
            )
        writer = BulkWriter(conn)
        # Accounts other than the four demo logins share one hash of a secret nobody keeps.
        locked = hash_password(secrets.token_urlsafe(32))
        ctx = Context(
            rng=Random(seed),
            today=today,
            scale=SCALES[scale],
            writer=writer,
            locked_password_hash=locked,
        )
        with _indexes_built_afterwards(conn):
            _generate(ctx)
            counts = writer.finish()
    return DemoReport(scale, seed, today, counts, time.perf_counter() - started)


@contextmanager
def _without_gc() -> Iterator[None]:
    """Millions of long-lived objects make the cycle collector rescan them over and over
    (nearly doubling the franchise build); rows are freed by reference counting anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _generate(ctx: Context) -> None:
    scale = ctx.scale
    ctx.catalog = build_catalog(ctx)
    ctx.schedule = build_schedule(ctx)
    showcase = add_showcase_family(ctx)
    shown = len(showcase.students)
    add_random_families(
        ctx, scale.families - 1, scale.students - shown, scale.active_students - shown
    )
    place_students(ctx)
    shape_history(ctx, showcase)
    add_history(ctx)
    add_showcase_extras(ctx, showcase)
    add_evaluations(ctx)
    add_requests(ctx)
    add_passes(ctx)
    add_ledgers(ctx)
