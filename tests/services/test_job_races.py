"""Scheduled jobs run exactly once across job runners (issue 16): runners in separate
processes (multiprocessing, spawn) and in threads of one process, started together for the
same periods, on SQLite and PostgreSQL. Counted twice: the run rows, and the side effect each
run leaves (tests/support/jobs.py)."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from data.models import JobRunStatus, ScheduledJobRun
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.operations.job_runner import run_due_jobs
from tests.support.jobs import RACING, run_in_process, times_ran

RUNNERS = 4


def _each_ran_once(db: Session) -> None:
    for job in RACING:
        assert times_ran(db, job.name) == 1, job.name
    rows = db.execute(
        select(ScheduledJobRun.job_name, ScheduledJobRun.status, func.count())
        .group_by(ScheduledJobRun.job_name, ScheduledJobRun.status)
        .order_by(ScheduledJobRun.job_name)
    ).all()
    assert [tuple(r) for r in rows] == [
        (job, JobRunStatus.SUCCEEDED, 1) for job in sorted(j.name for j in RACING)
    ]


def test_runners_in_separate_processes_run_each_job_once(
    db: Session, db_url: str, frozen_clock: datetime
) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(RUNNERS), spawn.Queue()
    racers = [
        spawn.Process(target=run_in_process, args=(db_url, frozen_clock, barrier, results, i))
        for i in range(RUNNERS)
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=180) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    assert not [o for o in outcomes.values() if isinstance(o, str)], outcomes
    ran = sorted(name for names in outcomes.values() for name in names)
    assert ran == sorted(job.name for job in RACING), outcomes
    _each_ran_once(db)


def test_runners_in_threads_run_each_job_once(db: Session, engine: Engine) -> None:
    barrier = threading.Barrier(RUNNERS)
    errors: list[BaseException] = []

    def runner() -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=60)
            try:
                run_due_jobs(own, scheduler_actor(), jobs=RACING)
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=runner) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    _each_ran_once(db)


def test_runners_racing_for_a_crashed_run_take_it_over_once(db: Session, engine: Engine) -> None:
    run_due_jobs(db, scheduler_actor(), jobs=RACING)
    db.execute(  # as if every run's process had died before finishing
        ScheduledJobRun.__table__.update().values(
            status=JobRunStatus.RUNNING, finished_at=None, lease_until=clock.now()
        )
    )
    db.commit()
    clock.advance(timedelta(seconds=1))  # the leases have run out, still the same periods
    barrier = threading.Barrier(RUNNERS)

    def runner() -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=60)
            run_due_jobs(own, scheduler_actor(), jobs=RACING)

    threads = [threading.Thread(target=runner) for _ in range(RUNNERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for job in RACING:
        assert times_ran(db, job.name) == 2, job.name  # the first run, and one takeover
    attempts = db.scalars(select(ScheduledJobRun.attempts).order_by(ScheduledJobRun.id)).all()
    assert attempts == [2, 2, 2]
