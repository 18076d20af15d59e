"""The admin's read model of the scheduled jobs: each job's cadence, last run and next due
time, and a job's runs, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from data.models import JobRunStatus, ScheduledJobRun, User
from services.backoffice.catalog_lists import Page
from services.kernel import clock
from services.kernel.access import Actor, require_admin
from services.kernel.settings import get_settings
from services.kernel.validation import require_int
from services.operations.job_registry import JOBS, Job, find_job

RUNS_PER_PAGE = 10


@dataclass(frozen=True)
class RunView:
    id: int
    period_key: str
    status: str  # running, succeeded or failed
    triggered_by: str  # "Schedule", "Command line" or the admin's name
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    error: str
    attempts: int


@dataclass(frozen=True)
class JobView:
    name: str
    title: str
    cadence: str
    not_ready: str | None  # why it does not run in this process, or None
    last_run: RunView | None
    due_now: bool
    next_due: datetime | None  # None when it cannot run here


@dataclass(frozen=True)
class Overview:
    time_zone: str  # the business's: daily jobs run by it, and the page shows times in it
    jobs: tuple[JobView, ...]


def job_overview(db: Session, actor: Actor, *, jobs: Sequence[Job] = JOBS) -> Overview:
    """Admin: every job with its last run and when it is next due."""
    require_admin(actor)
    time_zone, now = get_settings(db).time_zone, clock.now()
    views = []
    for job in jobs:
        period = job.cadence.period(now, time_zone)
        last = db.execute(
            _runs(job.name).order_by(ScheduledJobRun.started_at.desc(), ScheduledJobRun.id.desc())
        ).first()
        ran = db.scalar(
            select(func.count())
            .select_from(ScheduledJobRun)
            .where(ScheduledJobRun.job_name == job.name, ScheduledJobRun.period_key == period.key)
        )
        reason = job.not_ready()
        views.append(
            JobView(
                name=job.name,
                title=job.title,
                cadence=job.cadence.describe(time_zone),
                not_ready=reason,
                last_run=_view(last) if last is not None else None,
                due_now=reason is None and not ran,
                next_due=None if reason else (period.next_at if ran else period.starts_at),
            )
        )
    return Overview(time_zone, tuple(views))


def recent_runs(
    db: Session, actor: Actor, job_name: str, page: int = 1, *, jobs: Sequence[Job] = JOBS
) -> Page[RunView]:
    """Admin: one job's runs, newest first; `page` is 1-based and clamped."""
    require_admin(actor)
    job = find_job(job_name, jobs)
    wanted = require_int(page, "page")
    total = db.scalar(
        select(func.count(ScheduledJobRun.id)).where(ScheduledJobRun.job_name == job.name)
    )
    pages = max(1, -(-(total or 0) // RUNS_PER_PAGE))
    number = min(max(wanted, 1), pages)
    rows = db.execute(
        _runs(job.name)
        .order_by(ScheduledJobRun.started_at.desc(), ScheduledJobRun.id.desc())
        .offset((number - 1) * RUNS_PER_PAGE)
        .limit(RUNS_PER_PAGE)
    ).all()
    return Page(tuple(_view(row) for row in rows), total or 0, number, pages)


def _runs(job_name: str):  # type: ignore[no-untyped-def]
    return (
        select(ScheduledJobRun, User.display_name, User.email)
        .outerjoin(User, User.id == ScheduledJobRun.triggered_by_user_id)
        .where(ScheduledJobRun.job_name == job_name)
    )


def _view(row: Row) -> RunView:  # type: ignore[type-arg]
    run: ScheduledJobRun = row[0]
    if run.trigger == "admin":
        who = row.display_name or row.email or "An administrator (account removed)"
    else:
        who = "Command line" if run.trigger == "command" else "Schedule"
    return RunView(
        id=run.id,
        period_key=run.period_key,
        status=JobRunStatus(run.status).value,
        triggered_by=who,
        started_at=run.started_at,
        finished_at=run.finished_at,
        counts=dict(run.counts or {}),
        error=run.error,
        attempts=run.attempts,
    )
