"""Calibration, measured in the same run as everything else, so the results survive a noisy
or different machine: every timing is also reported as a ratio to these.

- `ledger_sql`: one family's ledger (the Garcia family, every entry of three years) read with
  the database driver alone (sqlite3 or psycopg, no SQLAlchemy, no pandas): the same two
  statements `services.billing.transactions_history.ledger_frame` sends (the balance before the
  period and the period's entries with their location and student).
- `empty_app`: an AppTest rerun of a two-line Streamlit app: the framework's own floor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from bench.timing import Stats, measure

_BEFORE = (
    "SELECT COALESCE(SUM(CASE WHEN is_debit THEN amount_cents ELSE -amount_cents END), 0) "
    "FROM ledger_entries WHERE family_id = {p} AND posted_at < {p}"
)
_ENTRIES = (
    "SELECT e.id, e.posted_at, e.service_date, e.description, s.first_name, s.last_name, "
    "e.student_id, l.name, e.location_id, e.kind, e.is_debit, e.amount_cents, l.timezone "
    "FROM ledger_entries e JOIN locations l ON l.id = e.location_id "
    "LEFT JOIN students s ON s.id = e.student_id "
    "WHERE e.family_id = {p} AND e.posted_at >= {p} AND e.posted_at < {p} "
    "ORDER BY e.posted_at, e.id"
)
EMPTY_APP = 'import streamlit as st\n\nst.title("Hello")\nst.write("An empty app.")\n'


def raw_ledger(url: str, family_id: int, low: datetime, high: datetime) -> Callable[[], int]:
    """A call that reads the family's ledger in [low, high) with the driver alone; returns
    the number of rows (so nothing is optimised away)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        conn = sqlite3.connect(path, check_same_thread=False)
        before, entries = (q.format(p="?") for q in (_BEFORE, _ENTRIES))

        def text(moment: datetime) -> str:  # how data.types.UTCDateTime stores it in SQLite
            return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        def run_sqlite() -> int:
            conn.execute(before, (family_id, text(low))).fetchone()
            return len(conn.execute(entries, (family_id, text(low), text(high))).fetchall())

        return run_sqlite
    import psycopg

    conn_pg = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
    conn_pg.autocommit = True
    before, entries = (q.format(p="%s") for q in (_BEFORE, _ENTRIES))

    def run_pg() -> int:
        with conn_pg.cursor() as cur:
            cur.execute(before, (family_id, low))
            cur.fetchone()
            cur.execute(entries, (family_id, low, high))
            return len(cur.fetchall())

    return run_pg


def full_history_bounds(now: datetime) -> tuple[datetime, datetime]:
    """Ten years back to tomorrow: every entry of the demo's three years."""
    return now - timedelta(days=3653), now + timedelta(days=1)


def ledger_sql(url: str, family_id: int, now: datetime) -> Stats:
    low, high = full_history_bounds(now)
    return measure(raw_ledger(url, family_id, low, high), repeat=200, warmup=5, max_seconds=5)


def empty_app() -> Stats:
    at = AppTest.from_string(EMPTY_APP, default_timeout=30)
    at.run()
    return measure(at.run, repeat=40, warmup=3, max_seconds=10)
