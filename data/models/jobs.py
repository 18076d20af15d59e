"""Scheduled jobs: one row per run of a job for one period (services/operations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk
from data.models.enums import JobRunStatus
from data.types import value_enum


class ScheduledJobRun(Base):
    """A job's run for one period ("2026-12-04" for a daily job, the slot's start for one
    every 30 s, "manual …" for a Run now). The unique (job, period) lets one process only claim
    a period; the partial unique index lets one run of a job be running at a time, anywhere.
    `lease_until` is the running process's heartbeat: once it has passed, the run counts as
    crashed and another process may take it over (services/operations/job_runner.py)."""

    __tablename__ = "scheduled_job_runs"

    id: Mapped[intpk]
    job_name: Mapped[str] = mapped_column(String(60))
    period_key: Mapped[str] = mapped_column(String(60))
    status: Mapped[JobRunStatus] = mapped_column(
        value_enum(JobRunStatus, "job_run_status"), default=JobRunStatus.RUNNING
    )
    trigger: Mapped[str] = mapped_column(String(20))  # "scheduler", "admin" or "command"
    triggered_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    runner: Mapped[str] = mapped_column(String(120))  # host:pid:random, who holds the lease
    attempts: Mapped[int] = mapped_column(default=1)  # 2+ when a crashed run was taken over
    started_at: Mapped[datetime]
    lease_until: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(2000), default="")

    __table_args__ = (
        UniqueConstraint("job_name", "period_key"),
        Index(
            "uq_scheduled_job_runs_one_running",
            "job_name",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
        Index("ix_scheduled_job_runs_job_started", "job_name", "started_at"),
    )
