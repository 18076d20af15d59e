"""Two tuition runs at once post each place's month once (issue 16): as threads sharing a
process and as separate processes (multiprocessing, spawn), on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
import time
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind
from services.billing import tuition_posting
from services.billing.tuition_posting import post_tuition
from services.classes.drops import drop_enrollment
from services.kernel import clock
from services.kernel.access import scheduler_actor
from tests import factories as f
from tests.services.tuition_helpers import (
    NOVEMBER,
    build_tuition_gym,
    charges,
    charges_per_place,
    post_in_process,
)

RUNS = 3
EXPECTED_TOTAL = 8_500 + 6_000 + 6_375 + 8_500 + 5 * 8_500


def _more_families(db: Session) -> None:
    """The helper gym plus five one-student families: every place should be charged once."""
    gym = build_tuition_gym(db)
    for n in range(5):
        fam, _, _ = f.family(db, f"Racer{n}")
        f.enroll(db, f.student(db, fam, f"Kid{n}"), gym.tumblers)
    db.commit()


def _assert_posted_once(db: Session, results: list[dict[str, int]]) -> None:
    assert all("error" not in r and "refused" not in r for r in results), results
    per_place = charges_per_place(db, NOVEMBER)
    assert len(per_place) == 9 and set(per_place.values()) == {1}
    assert sum(cents for _, cents, _ in charges(db)) == EXPECTED_TOTAL
    assert sum(r["lines"] for r in results) == 9  # each line posted by exactly one run
    assert sum(r["total_cents"] for r in results) == EXPECTED_TOTAL


def test_runs_in_threads_post_once(db: Session, engine: Engine, frozen_clock: datetime) -> None:
    _more_families(db)
    barrier = threading.Barrier(RUNS)
    results: list[dict[str, int]] = []

    def run() -> None:
        with clock.frozen_at(frozen_clock), Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=60)
            try:
                results.append(post_tuition(own, scheduler_actor(), NOVEMBER).as_dict())
            except Exception as exc:  # reported to the assertion below
                results.append({"error": repr(exc)})  # type: ignore[dict-item]

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == RUNS
    _assert_posted_once(db, results)


def test_runs_in_processes_post_once(db: Session, db_url: str, frozen_clock: datetime) -> None:
    _more_families(db)
    spawn = multiprocessing.get_context("spawn")
    barrier, queue = spawn.Barrier(RUNS), spawn.Queue()
    racers = [
        spawn.Process(target=post_in_process, args=(db_url, frozen_clock, barrier, queue, i))
        for i in range(RUNS)
    ]
    for racer in racers:
        racer.start()
    results = [queue.get(timeout=180)[1] for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
    _assert_posted_once(db, results)


def test_a_drop_during_a_posting_waits_for_it_and_credits_what_it_takes(
    db: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch's places are locked while it posts (FOR UPDATE on PostgreSQL, BEGIN
    IMMEDIATE on SQLite): a drop of one of them waits, then sees the charge and credits the
    meeting it removes. Without the lock the drop would find no charge to credit and the
    family would pay for a class it no longer takes."""
    gym = build_tuition_gym(db)
    locked = threading.Event()
    post_batch = tuition_posting._post_batch

    def slow_batch(*args: Any) -> Any:
        locked.set()
        time.sleep(1.0)  # the drop arrives while the batch holds its places
        return post_batch(*args)

    monkeypatch.setattr(tuition_posting, "_post_batch", slow_batch)
    errors: list[str] = []

    def post() -> None:
        with Session(engine, expire_on_commit=False) as own:
            post_tuition(own, scheduler_actor(), NOVEMBER)

    def drop() -> None:
        locked.wait(timeout=30)
        with Session(engine, expire_on_commit=False) as own:
            try:
                drop_enrollment(own, gym.desk, gym.ada_tue.id, date(2026, 11, 24))
            except Exception as exc:  # reported to the assertion below
                errors.append(repr(exc))

    threads = [threading.Thread(target=post), threading.Thread(target=drop)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.rollback()
    okafor = db.execute(
        select(LedgerEntry.kind, LedgerEntry.amount_cents)
        .where(LedgerEntry.family_id == gym.okafor.id)
        .order_by(LedgerEntry.id)
    ).all()
    assert [tuple(row) for row in okafor] == [
        (LedgerKind.CHARGE, 8_500),
        (LedgerKind.CREDIT, 2_125),
    ]
