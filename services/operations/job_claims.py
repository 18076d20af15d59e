"""The SQL that makes a job's period run once across every process.

- **Claim**: a run row is inserted for (job, period); the unique (job_name, period_key) lets
  one process only have it, and the partial unique index "one running run per job" refuses
  a second run of a job, whatever its period, while one is running anywhere.
- **Lease**: the claiming process holds the run until `lease_until` and moves it on while the
  job works (`extend`, the heartbeat). A process that died leaves a run whose lease has run
  out: the next claim of that period takes it over (one conditional UPDATE, so one process
  only), and a stale run of an older period is closed as failed so the job can run again.
- **Finish**: recorded only by the process that holds the lease (a run taken over from a
  process that was merely slow is finished by the one that took it).
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import JobRunStatus, ScheduledJobRun
from services.kernel import clock

CRASHED = "The process running it stopped before it finished (its lease ran out)."
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Claim:
    run_id: int
    runner: str  # who holds the lease
    lease: timedelta
    taken_over: bool = False


def runner_label() -> str:
    """This process (and a random part, so two claims never look alike)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(
    db: Session,
    job_name: str,
    period_key: str,
    lease: timedelta,
    *,
    trigger: str,
    user_id: int | None = None,
) -> Claim | None:
    """Take (job, period) for this process, committed at once; None when another process
    has it (running, or already finished) or another run of the job is running."""
    now, runner = clock.now(), runner_label()
    begin_write(db)
    stale = (
        ScheduledJobRun.job_name == job_name,
        ScheduledJobRun.status == JobRunStatus.RUNNING,
        ScheduledJobRun.lease_until < now,
    )
    db.execute(
        update(ScheduledJobRun)
        .where(*stale, ScheduledJobRun.period_key != period_key)
        .values(status=JobRunStatus.FAILED, finished_at=now, error=CRASHED)
        .execution_options(synchronize_session=False)
    )
    taken = db.execute(
        update(ScheduledJobRun)
        .where(*stale, ScheduledJobRun.period_key == period_key)
        .values(
            runner=runner,
            started_at=now,
            lease_until=now + lease,
            attempts=ScheduledJobRun.attempts + 1,
            trigger=trigger,
            triggered_by_user_id=user_id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken == 1:
        run_id = db.scalar(
            select(ScheduledJobRun.id).where(
                ScheduledJobRun.job_name == job_name, ScheduledJobRun.period_key == period_key
            )
        )
        db.commit()
        assert run_id is not None  # just updated
        return Claim(run_id, runner, lease, taken_over=True)
    run = ScheduledJobRun(
        job_name=job_name,
        period_key=period_key,
        status=JobRunStatus.RUNNING,
        trigger=trigger,
        triggered_by_user_id=user_id,
        runner=runner,
        attempts=1,
        started_at=now,
        lease_until=now + lease,
        counts={},
        error="",
    )
    try:
        with db.begin_nested():
            db.add(run)
    except IntegrityError:  # the period is someone else's, or the job runs elsewhere
        db.commit()
        return None
    db.commit()
    return Claim(run.id, runner, lease)


def extend(db: Session, held: Claim) -> bool:
    """The heartbeat: move the lease on; False when the run is no longer this process's."""
    begin_write(db)
    moved = db.execute(
        update(ScheduledJobRun)
        .where(*_held(held))
        .values(lease_until=clock.now() + held.lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return moved == 1


def finish(
    db: Session, held: Claim, status: JobRunStatus, counts: dict[str, int], error: str = ""
) -> bool:
    """Record the outcome; False when another process took the run over meanwhile."""
    db.rollback()  # whatever the job left open
    begin_write(db)
    done = db.execute(
        update(ScheduledJobRun)
        .where(*_held(held))
        .values(status=status, finished_at=clock.now(), counts=counts, error=error[:ERROR_LENGTH])
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return done == 1


def running_run(db: Session, job_name: str) -> ScheduledJobRun | None:
    """The job's run that is running now, anywhere (at most one)."""
    return db.scalar(
        select(ScheduledJobRun).where(
            ScheduledJobRun.job_name == job_name, ScheduledJobRun.status == JobRunStatus.RUNNING
        )
    )


def _held(held: Claim) -> tuple:  # type: ignore[type-arg]
    return (
        ScheduledJobRun.id == held.run_id,
        ScheduledJobRun.runner == held.runner,
        ScheduledJobRun.status == JobRunStatus.RUNNING,
    )
