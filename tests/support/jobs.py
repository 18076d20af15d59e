"""Jobs for the runner's tests: a counter whose every run leaves one audit row (the side
effect the exactly-once tests count), a slow one, and one that always fails; and a runner in
its own process for the races."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import AuditEntry, JobRunStatus, ScheduledJobRun
from services.billing.payments import Gateway
from services.kernel import audit, clock
from services.kernel.access import Actor, scheduler_actor
from services.kernel.transactions import write_transaction
from services.operations.cadence import daily, every
from services.operations.job_registry import JOBS, Job, always_ready
from services.operations.job_runner import run_due_jobs


def _count(db: Session, actor: Actor, name: str) -> dict[str, int]:
    with write_transaction(db):
        audit.record(db, actor, "test.job_ran", entity="job", entity_id=name)
    return {"ran": 1}


def count_run(db: Session, actor: Actor) -> dict[str, int]:
    return _count(db, actor, "counter")


def count_slowly(db: Session, actor: Actor) -> dict[str, int]:
    time.sleep(0.3)  # long enough for a racing runner to try while it runs
    return _count(db, actor, "slow")


def count_daily(db: Session, actor: Actor) -> dict[str, int]:
    return _count(db, actor, "daily")


def fail(db: Session, actor: Actor) -> dict[str, int]:
    raise RuntimeError("the printer is on fire")


def bad_counts(db: Session, actor: Actor) -> Any:
    return {"ran": "yes"}


COUNTER = Job("counter", "Count", every(seconds=30), count_run)
SLOW = Job("slow", "Count slowly", every(minutes=5), count_slowly)
DAILY = Job("daily", "Count daily", daily(2), count_daily)
FAILING = Job("failing", "Fail", every(seconds=30), fail)
RACING = (COUNTER, SLOW, DAILY)
# The registered jobs that run with neither SMTP nor Stripe configured, in schedule order.
LOCAL_JOBS = [job.name for job in JOBS if not job.needs_gateway and job.ready is always_ready]


def times_ran(db: Session, name: str) -> int:
    db.rollback()
    return (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "test.job_ran", AuditEntry.entity_id == name)
        )
        or 0
    )


def run_in_process(url: str, now: datetime, barrier: Any, results: Any, index: int) -> None:
    """One job runner in its own process (multiprocessing, spawn): only the database can keep
    it from running a job its rival runs."""
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as db:
            barrier.wait(timeout=120)
            try:
                outcomes = run_due_jobs(db, scheduler_actor(), jobs=RACING)
                results.put((index, sorted(o.job_name for o in outcomes)))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((index, f"error: {exc!r}"))
    finally:
        engine.dispose()


def outlive_the_lease(db: Session, actor: Actor) -> dict[str, int]:
    """Runs past its 3-second lease (the clock moves 10 s on); the heartbeat must keep the
    run this process's. Reports whether the lease was still ahead of the clock at the end."""
    clock.advance(timedelta(seconds=10))
    time.sleep(1.5)  # the heartbeat beats every second
    lease = db.scalar(select(func.max(ScheduledJobRun.lease_until)))
    db.rollback()
    return {"lease_held": int(lease is not None and lease > clock.now())}


LONG = Job("long", "Long", every(minutes=5), outlive_the_lease, lease=timedelta(seconds=3))


def run_row(
    name: str,
    period_key: str,
    *,
    status: JobRunStatus = JobRunStatus.RUNNING,
    started: timedelta = timedelta(0),
    lease_left: timedelta = timedelta(minutes=15),
    **values: Any,
) -> ScheduledJobRun:
    """A run another process left: started `started` ago, its lease ending `lease_left` from
    now (negative: run out)."""
    now = clock.now()
    return ScheduledJobRun(
        job_name=name,
        period_key=period_key,
        status=status,
        trigger="scheduler",
        runner="other-server:7:abcd",
        attempts=values.pop("attempts", 1),
        started_at=now - started,
        lease_until=now + lease_left,
        counts={},
        error=values.pop("error", ""),
        **values,
    )


def note_gateway(db: Session, actor: Actor, gateway: Gateway) -> dict[str, int]:
    return {"configured": int(gateway.configured)}


CHARGING = Job("charging", "Charge", daily(7), note_gateway, needs_gateway=True)
