"""SQLite's write lock held by someone else, and connections that wait for it only briefly."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import data.db


@contextmanager
def write_lock_held(sqlite_path: Path | str) -> Iterator[None]:
    """Another process's writer in the middle of its transaction."""
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite connections opened from now on wait 0.2 s for a lock instead of 10 s."""
    monkeypatch.setattr(data.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
