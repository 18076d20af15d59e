"""Scheduled jobs (issue 16): cadences and periods, each period run once, a failing job
recorded without stopping the others, a crashed run taken over once, Run now for admins only
and refused while the job runs elsewhere; on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import JobRunStatus, Role, ScheduledJobRun
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.operations.cadence import DailyAt, every
from services.operations.job_claims import CRASHED
from services.operations.job_registry import JOBS, find_job
from services.operations.job_runner import run_due_jobs, run_job_now
from tests import factories as f
from tests.support.jobs import (
    CHARGING,
    COUNTER,
    DAILY,
    FAILING,
    LONG,
    SLOW,
    bad_counts,
    run_row,
    times_ran,
)

CHICAGO = "America/Chicago"


def _runs(db: Session, name: str) -> list[ScheduledJobRun]:
    db.rollback()
    return list(
        db.scalars(
            select(ScheduledJobRun)
            .where(ScheduledJobRun.job_name == name)
            .order_by(ScheduledJobRun.id)
            .execution_options(populate_existing=True)
        )
    )


# Cadences -----------------------------------------------------------------------------------


def test_every_n_seconds_names_the_slot_it_is_in() -> None:
    cadence = every(seconds=30)
    period = cadence.period(datetime(2026, 12, 4, 16, 55, 47, tzinfo=UTC), CHICAGO)
    assert period.key == "2026-12-04T16:55:30Z"
    assert period.next_at == datetime(2026, 12, 4, 16, 56, tzinfo=UTC)
    assert cadence.describe(CHICAGO) == "Every 30 seconds"
    assert every(minutes=5).describe(CHICAGO) == "Every 5 minutes"
    assert every(hours=1).describe(CHICAGO) == "Every hour"


def test_a_daily_job_belongs_to_the_local_day_once_its_time_has_passed() -> None:
    cadence = DailyAt(time(2, 0))
    # 07:59 UTC is 01:59 in Chicago (UTC-6): still the day before's period
    before = cadence.period(datetime(2026, 12, 4, 7, 59, tzinfo=UTC), CHICAGO)
    after = cadence.period(datetime(2026, 12, 4, 8, 0, tzinfo=UTC), CHICAGO)
    assert before.key == "2026-12-03" and after.key == "2026-12-04"
    assert after.starts_at == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert after.next_at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert cadence.describe(CHICAGO) == "Daily at 02:00 (America/Chicago)"


# Running due jobs ---------------------------------------------------------------------------


def test_each_period_runs_once_and_the_next_period_runs_again(db: Session) -> None:
    actor = scheduler_actor()
    first = run_due_jobs(db, actor, jobs=(COUNTER, DAILY))
    assert [(o.job_name, o.status, o.counts) for o in first] == [
        ("counter", "succeeded", {"ran": 1}),
        ("daily", "succeeded", {"ran": 1}),
    ]
    assert run_due_jobs(db, actor, jobs=(COUNTER, DAILY)) == []
    clock.advance(timedelta(seconds=30))
    assert [o.job_name for o in run_due_jobs(db, actor, jobs=(COUNTER, DAILY))] == ["counter"]
    assert times_ran(db, "counter") == 2 and times_ran(db, "daily") == 1
    [run, _] = _runs(db, "counter")
    assert run.status is JobRunStatus.SUCCEEDED and run.counts == {"ran": 1}
    assert run.trigger == "scheduler" and run.triggered_by_user_id is None
    assert run.finished_at == clock.now() - timedelta(seconds=30)


def test_a_failing_job_records_its_error_and_the_others_still_run(db: Session) -> None:
    outcomes = run_due_jobs(db, scheduler_actor(), jobs=(FAILING, COUNTER))
    assert [(o.job_name, o.status) for o in outcomes] == [
        ("failing", "failed"),
        ("counter", "succeeded"),
    ]
    [run] = _runs(db, "failing")
    assert run.status is JobRunStatus.FAILED
    assert run.error == "RuntimeError: the printer is on fire"
    assert times_ran(db, "counter") == 1
    assert run_due_jobs(db, scheduler_actor(), jobs=(FAILING,)) == []  # next period retries


def test_a_job_that_returns_no_counts_is_recorded_as_failed(db: Session) -> None:
    job = find_job("counter", (COUNTER,))
    broken = type(job)("broken", "Broken", job.cadence, bad_counts)
    [outcome] = run_due_jobs(db, scheduler_actor(), jobs=(broken,))
    assert outcome.status == "failed" and "whole number" in outcome.error


def test_only_the_scheduler_runs_the_due_jobs(db: Session) -> None:
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    with pytest.raises(AccessDenied):
        run_due_jobs(db, admin, jobs=(COUNTER,))
    assert times_ran(db, "counter") == 0


def test_a_job_that_cannot_run_here_is_left_out(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)
    outbox, reconcile = find_job("outbox", JOBS), find_job("reconcile_payments", JOBS)
    assert "CARTWHEEL_SMTP_URL is not set" in (outbox.not_ready() or "")
    assert "Stripe is not configured" in (reconcile.not_ready() or "")
    ran = [o.job_name for o in run_due_jobs(db, scheduler_actor())]
    assert ran == [
        "ended_enrollments",
        "makeup_tokens",
        "job_history",
        "tuition",
        "late_fees",
        "card_expiry_notices",
    ]  # not autopay nor refund_checks: both need Stripe
    assert _runs(db, "outbox") == []
    monkeypatch.setenv("CARTWHEEL_SMTP_URL", "imap://mail.example.com")
    assert "must start with smtp://" in (outbox.not_ready() or "")


def test_a_job_that_needs_the_gateway_gets_it_and_waits_for_stripe_keys(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)
    assert run_due_jobs(db, scheduler_actor(), jobs=(CHARGING,)) == []
    monkeypatch.setenv("CARTWHEEL_STRIPE_SECRET_KEY", "sk_test_jobs")
    monkeypatch.setenv("CARTWHEEL_STRIPE_PUBLISHABLE_KEY", "pk_test_jobs")
    monkeypatch.setenv("CARTWHEEL_STRIPE_API_BASE", "http://127.0.0.1:9")  # never called
    [outcome] = run_due_jobs(db, scheduler_actor(), jobs=(CHARGING,))
    assert outcome.counts == {"configured": 1}


# A crashed run ------------------------------------------------------------------------------


def _crashed(db: Session, name: str, period_key: str, *, lease_left: timedelta) -> None:
    db.add(run_row(name, period_key, started=timedelta(minutes=20), lease_left=lease_left))
    db.commit()


def _current_key(job_name: str) -> str:
    job = {j.name: j for j in (COUNTER, SLOW, DAILY)}[job_name]
    return job.cadence.period(clock.now(), CHICAGO).key


def test_a_crashed_run_is_taken_over_once_its_lease_has_run_out(db: Session) -> None:
    _crashed(db, "daily", _current_key("daily"), lease_left=timedelta(seconds=1))
    assert run_due_jobs(db, scheduler_actor(), jobs=(DAILY,)) == []  # still leased
    clock.advance(timedelta(seconds=2))
    [outcome] = run_due_jobs(db, scheduler_actor(), jobs=(DAILY,))
    assert outcome.status == "succeeded"
    assert run_due_jobs(db, scheduler_actor(), jobs=(DAILY,)) == []  # taken over once
    [run] = _runs(db, "daily")
    assert run.status is JobRunStatus.SUCCEEDED and run.attempts == 2
    assert run.runner != "other-server:7:abcd" and times_ran(db, "daily") == 1


def test_the_heartbeat_keeps_a_long_run_from_being_taken_over(db: Session) -> None:
    [outcome] = run_due_jobs(db, scheduler_actor(), jobs=(LONG,))
    assert outcome.counts == {"lease_held": 1}, outcome
    [run] = _runs(db, "long")
    assert run.status is JobRunStatus.SUCCEEDED and run.attempts == 1


def test_a_crashed_run_of_an_earlier_period_is_closed_and_the_job_runs_again(
    db: Session,
) -> None:
    _crashed(db, "counter", "2026-11-24T14:00:00Z", lease_left=-timedelta(minutes=5))
    [outcome] = run_due_jobs(db, scheduler_actor(), jobs=(COUNTER,))
    assert outcome.status == "succeeded"
    old, new = _runs(db, "counter")
    assert old.status is JobRunStatus.FAILED and old.error == CRASHED
    assert new.status is JobRunStatus.SUCCEEDED


def test_a_live_run_of_an_earlier_period_keeps_the_job_from_running_twice(db: Session) -> None:
    _crashed(db, "counter", "2026-11-24T14:00:00Z", lease_left=timedelta(minutes=5))
    assert run_due_jobs(db, scheduler_actor(), jobs=(COUNTER,)) == []
    assert times_ran(db, "counter") == 0


# Run now ------------------------------------------------------------------------------------


def test_an_admin_runs_a_job_now_and_it_is_recorded_as_theirs(db: Session) -> None:
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    db.commit()
    run_due_jobs(db, scheduler_actor(), jobs=(COUNTER,))
    outcome = run_job_now(db, admin, "counter", jobs=(COUNTER,))
    assert outcome.status == "succeeded" and times_ran(db, "counter") == 2
    manual = _runs(db, "counter")[-1]
    assert manual.trigger == "admin" and manual.triggered_by_user_id == admin.user_id
    assert manual.period_key.startswith("manual ")
    run_job_now(db, admin, "counter", jobs=(COUNTER,))  # again: a new run, same frozen moment
    assert times_ran(db, "counter") == 3


def test_run_now_is_refused_while_the_job_runs_elsewhere(db: Session) -> None:
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    db.commit()
    _crashed(db, "counter", "2026-11-24T14:00:00Z", lease_left=timedelta(minutes=5))
    with pytest.raises(ValidationError, match=r"Count is running now since 08:40 \(started by"):
        run_job_now(db, admin, "counter", jobs=(COUNTER,))
    assert times_ran(db, "counter") == 0 and len(_runs(db, "counter")) == 1


def test_run_now_is_for_admins_only(db: Session) -> None:
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    coach = f.staff(db, "coach@example.com", [loc], role=Role.INSTRUCTOR)
    _, _, account = f.family(db)
    for actor in (desk, coach, f.guardian_actor(db, account)):
        with pytest.raises(AccessDenied):
            run_job_now(db, actor, "counter", jobs=(COUNTER,))
    assert _runs(db, "counter") == []


def test_run_now_refuses_unknown_jobs_and_jobs_that_cannot_run_here(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    with pytest.raises(NotFound):
        run_job_now(db, admin, "nope", jobs=(COUNTER,))
    with pytest.raises(ValidationError, match="must be text"):
        run_job_now(db, admin, 5, jobs=(COUNTER,))  # type: ignore[arg-type]
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    with pytest.raises(ValidationError, match="Send queued e-mail cannot run here"):
        run_job_now(db, admin, "outbox")
    assert _runs(db, "outbox") == []
