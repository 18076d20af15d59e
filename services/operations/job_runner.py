"""Running the scheduled jobs: the due ones (the app server's thread, `scripts.run_jobs`)
and one on an admin's demand (Run now).

Each run is claimed first (services.operations.job_claims), so across every process sharing
the database a job runs once per period, and never twice at the same time. A job that raises
is recorded as failed with its error and the next job runs; a process that dies mid-run
leaves its run to be taken over once its lease has run out.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from data.db import session_scope
from data.models import JobRunStatus, ScheduledJobRun
from services.billing.payments import gateway_from_env
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin, scheduler_actor
from services.kernel.errors import AccessDenied, DomainError, ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.operations.job_claims import Claim, claim, extend, finish, running_run
from services.operations.job_registry import JOBS, Job, find_job

JOBS_IN_APP_ENV = "CARTWHEEL_JOBS_IN_APP"
TICK_SECONDS = 5.0
HEARTBEAT_SECONDS = 60.0

TRIGGERED_BY = {
    "scheduler": "the schedule",
    "admin": "an administrator",
    "command": "the command line",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutcome:
    job_name: str
    status: str  # succeeded or failed
    counts: dict[str, int] = field(default_factory=dict)
    error: str = ""
    run_id: int | None = None


def run_due_jobs(db: Session, actor: Actor, *, jobs: Sequence[Job] = JOBS) -> list[RunOutcome]:
    """The scheduler: run every job whose current period has no run yet (or a crashed one),
    one after another. Jobs that cannot run in this process (not configured) are left out."""
    if not actor.is_scheduler:
        raise AccessDenied("Only the scheduler runs the due jobs.")
    now, time_zone = clock.now(), get_settings(db).time_zone
    ready = [job for job in jobs if job.not_ready() is None]
    periods = {job.name: job.cadence.period(now, time_zone).key for job in ready}
    done = _settled(db, periods)
    db.commit()
    outcomes = []
    for job in ready:
        if (job.name, periods[job.name]) in done:
            continue
        held = claim(db, job.name, periods[job.name], job.lease, trigger="scheduler")
        if held is not None:
            outcomes.append(_execute(db, actor, job, held))
    return outcomes


def run_job_now(
    db: Session, actor: Actor, job_name: str, *, jobs: Sequence[Job] = JOBS
) -> RunOutcome:
    """Admin: run one job at once, as this admin (recorded as theirs; as "command" for the
    scheduler, i.e. `scripts.run_jobs --job`); refused while the job runs elsewhere."""
    require_admin(actor)
    job = find_job(job_name, jobs)
    reason = job.not_ready()
    if reason is not None:
        raise ValidationError(f"{job.title} cannot run here: {reason}")
    key = f"manual {clock.now():%Y-%m-%dT%H:%M:%S.%fZ} {os.urandom(3).hex()}"
    trigger = "command" if actor.is_scheduler else "admin"
    held = claim(db, job.name, key, job.lease, trigger=trigger, user_id=actor.user_row_id)
    if held is None:
        raise ValidationError(_busy(db, job))
    with write_transaction(db):
        audit.record(db, actor, "job.run_now", entity="job", entity_id=job.name)
    return _execute(db, actor, job, held)


def _settled(db: Session, periods: dict[str, str]) -> set[tuple[str, str]]:
    """The (job, period) pairs that have a run nobody needs to take over."""
    if not periods:
        return set()
    rows = db.execute(
        select(
            ScheduledJobRun.job_name,
            ScheduledJobRun.period_key,
            ScheduledJobRun.status,
            ScheduledJobRun.lease_until,
        ).where(
            tuple_(ScheduledJobRun.job_name, ScheduledJobRun.period_key).in_(list(periods.items()))
        )
    ).all()
    now = clock.now()
    return {
        (row.job_name, row.period_key)
        for row in rows
        if row.status is not JobRunStatus.RUNNING or row.lease_until >= now
    }


def _execute(db: Session, actor: Actor, job: Job, held: Claim) -> RunOutcome:
    heartbeat = _Heartbeat(db, held)
    heartbeat.start()
    counts: dict[str, int] = {}
    error = ""
    try:
        result = job.run(db, actor, gateway_from_env()) if job.needs_gateway else job.run(db, actor)
        counts = _checked_counts(result)
    except DomainError as refused:
        error = refused.message
    except Exception as crash:  # recorded; the other jobs still run
        log.exception("scheduled job %s failed", job.name)
        error = f"{type(crash).__name__}: {str(crash).splitlines()[0] if str(crash) else ''}"
    finally:
        heartbeat.stop()
    status = JobRunStatus.FAILED if error else JobRunStatus.SUCCEEDED
    if not finish(db, held, status, counts, error):
        log.warning("scheduled job %s: its run was taken over by another process", job.name)
    return RunOutcome(job.name, status.value, counts, error, held.run_id)


def _checked_counts(result: object) -> dict[str, int]:
    if not isinstance(result, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in result.items()
    ):
        raise TypeError("a job must return its counts as {name: whole number}")
    return dict(result)


def _busy(db: Session, job: Job) -> str:
    running = running_run(db, job.name)
    db.commit()
    local = running.started_at.astimezone(ZoneInfo(get_settings(db).time_zone)) if running else None
    since = f" since {local:%H:%M}" if local is not None else ""
    who = TRIGGERED_BY.get(running.trigger, "the schedule") if running else "the schedule"
    return f"{job.title} is running now{since} (started by {who}). Try again once it has finished."


class _Heartbeat:
    """Moves the run's lease on while its job works, from its own session and thread."""

    def __init__(self, db: Session, held: Claim) -> None:
        self._bind = db.get_bind()
        self._held = held
        self._interval = min(HEARTBEAT_SECONDS, held.lease.total_seconds() / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="cartwheel-job-lease", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with Session(self._bind) as db:
                    if not extend(db, self._held):
                        return
            except Exception:  # e.g. SQLite busy while the job writes: try at the next beat
                log.warning("scheduled job lease: heartbeat failed", exc_info=True)


class BackgroundRunner:
    """The app server's daemon thread: runs the due jobs every `interval` seconds."""

    def __init__(self, interval: float) -> None:
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cartwheel-jobs", daemon=True)
        self._last_error = ""

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop ticking; a job in progress may finish within `timeout`, else its lease ends
        and another process takes the run over."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self._interval)

    def tick(self) -> list[RunOutcome]:
        try:
            with session_scope() as db:
                outcomes = run_due_jobs(db, scheduler_actor())
        except Exception as trouble:  # a database outage: log it once, keep the thread alive
            if str(trouble) != self._last_error:
                log.exception("scheduled jobs: a tick failed")
            self._last_error = str(trouble)
            return []
        self._last_error = ""
        return outcomes


_running: BackgroundRunner | None = None
_running_lock = threading.Lock()


def jobs_in_app() -> bool:
    """False when CARTWHEEL_JOBS_IN_APP is 0/off/false/no (cron or systemd runs the jobs)."""
    return os.environ.get(JOBS_IN_APP_ENV, "").strip().lower() not in ("0", "off", "false", "no")


def start_background_runner(interval_seconds: float = TICK_SECONDS) -> BackgroundRunner | None:
    """Start this process's job thread (at most one per process); None when switched off."""
    global _running
    if not jobs_in_app():
        log.info("scheduled jobs: not run in the app server (%s is off)", JOBS_IN_APP_ENV)
        return None
    with _running_lock:
        if _running is None or not _running.alive:
            _running = BackgroundRunner(interval_seconds)
            _running.start()
        return _running
