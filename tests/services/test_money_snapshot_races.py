"""Snapshots computed at the same moment (issue 17): by processes (multiprocessing, spawn)
and threads started together, on SQLite and PostgreSQL. Whatever the interleaving, no run
fails, no snapshot is left half written, and the newest equals the live reports."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import MoneySnapshot, MoneySnapshotReceivables
from services.billing.money_snapshot import compute_money_snapshot
from services.kernel import clock
from services.kernel.access import scheduler_actor
from tests.services.test_money_snapshot import _assert_matches_live
from tests.services.test_money_view import Books, _hand_ledger, books

__all__ = ["books"]  # the fixture
RACERS = 3


def compute_in_process(url: str, now: datetime, barrier: Any, results: Any, index: int) -> None:
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine) as db:
            barrier.wait(timeout=120)
            try:
                results.put((index, compute_money_snapshot(db, scheduler_actor())))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((index, f"error: {exc!r}"))
    finally:
        engine.dispose()


def _whole_snapshots_equal_to_live(db: Session, b: Books) -> None:
    db.rollback()
    kept = db.scalars(select(MoneySnapshot.id)).all()
    assert 1 <= len(kept) <= RACERS
    per_snapshot = dict(
        db.execute(
            select(MoneySnapshotReceivables.snapshot_id, func.count()).group_by(
                MoneySnapshotReceivables.snapshot_id
            )
        ).all()
    )
    assert per_snapshot == {snapshot_id: 2 for snapshot_id in kept}  # no half snapshot
    _assert_matches_live(db, b)


def test_snapshots_computed_in_separate_processes(
    db: Session, db_url: str, frozen_clock: datetime, books: Books
) -> None:
    _hand_ledger(db, books)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(RACERS), spawn.Queue()
    racers = [
        spawn.Process(target=compute_in_process, args=(db_url, frozen_clock, barrier, results, i))
        for i in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=180) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    assert outcomes == {i: {"locations": 2} for i in range(RACERS)}
    _whole_snapshots_equal_to_live(db, books)


def test_snapshots_computed_in_threads(db: Session, engine: Engine, books: Books) -> None:
    _hand_ledger(db, books)
    barrier = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def racer() -> None:
        with Session(engine) as own:
            barrier.wait(timeout=60)
            try:
                compute_money_snapshot(own, scheduler_actor())
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=racer) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    _whole_snapshots_equal_to_live(db, books)
