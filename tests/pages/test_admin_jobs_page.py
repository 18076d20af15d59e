"""The admin's Scheduled jobs page (issue 16): each job with its cadence, last run and next
due time; Run now records the admin and is refused while the job runs elsewhere; runs a page
at a time; for administrators only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import JobRunStatus, Role, ScheduledJobRun
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.operations.job_runner import run_due_jobs
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.support.jobs import run_row


@pytest.fixture(autouse=True)
def no_mail_or_stripe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)


def _gym(db: Session) -> None:
    loc = f.location(db)
    f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    f.staff(db, "desk@example.com", [loc])
    f.staff(db, "coach@example.com", [loc], role=Role.INSTRUCTOR)
    f.family(db, email="parent@example.com")
    db.commit()


def _jobs_page(db: Session) -> AppTest:
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_jobs.py").run()
    assert not at.exception, at.exception
    return at


def test_the_admin_sees_each_job_and_runs_one_now(app_db: Session) -> None:
    _gym(app_db)
    run_due_jobs(app_db, scheduler_actor())
    at = _jobs_page(app_db)
    page = texts(at)
    for title in ("Send queued e-mail", "Settle unfinished card payments", "Expire makeup tokens"):
        assert title in page
    assert "Not run here: CARTWHEEL_SMTP_URL is not set" in page
    assert "Daily at 00:15 (America/Chicago) · Next due Wed 25 Nov 2026, 12:15 AM" in page
    assert "Last run: **Succeeded** · started Tue 24 Nov 2026, 9:00 AM" in page
    assert at.button(key="jobs.run.outbox").disabled
    at.button(key="jobs.run.makeup_tokens").click().run()
    assert not at.exception and "Expire makeup tokens ran." in texts(at)
    app_db.rollback()
    manual = app_db.scalars(
        select(ScheduledJobRun)
        .where(ScheduledJobRun.trigger == "admin")
        .execution_options(populate_existing=True)
    ).one()
    assert manual.job_name == "makeup_tokens" and manual.triggered_by_user_id is not None
    at.selectbox(key="jobs.history").set_value("makeup_tokens").run()
    history = texts(at)
    assert "Owner" in history and "Schedule" in history
    assert "Page 1 of 1 · 2 runs in all" in history


def test_run_now_while_the_job_runs_elsewhere_is_refused(app_db: Session) -> None:
    _gym(app_db)
    app_db.add(run_row("makeup_tokens", "2026-11-24"))
    app_db.commit()
    at = _jobs_page(app_db)
    at.button(key="jobs.run.makeup_tokens").click().run()
    assert not at.exception
    assert (
        "Expire makeup tokens is running now since 09:00 (started by the schedule). "
        "Try again once it has finished."
    ) in texts(at)
    app_db.rollback()
    assert len(app_db.scalars(select(ScheduledJobRun.id)).all()) == 1


def test_a_failed_run_shows_its_error(app_db: Session) -> None:
    _gym(app_db)
    app_db.add(
        run_row(
            "ended_enrollments",
            "2026-11-24",
            status=JobRunStatus.FAILED,
            started=timedelta(minutes=3),
            lease_left=timedelta(0),
            attempts=2,
            finished_at=clock.now() - timedelta(minutes=1),
            error="OperationalError: the database is locked",
        )
    )
    app_db.commit()
    page = texts(_jobs_page(app_db))
    assert (
        "Last run: **Failed** · started Tue 24 Nov 2026, 8:57 AM, finished Tue 24 Nov 2026, "
        "8:59 AM · Schedule · attempt 2"
    ) in page
    assert "Error: OperationalError: the database is locked" in page
    assert "Next due Wed 25 Nov 2026, 12:15 AM" in page  # a failed period is not retried


def test_runs_are_paged(app_db: Session) -> None:
    _gym(app_db)
    for _ in range(12):
        run_due_jobs(app_db, scheduler_actor())
        clock.advance(timedelta(days=1))
    at = _jobs_page(app_db)
    at.selectbox(key="jobs.history").set_value("ended_enrollments").run()
    assert "Page 1 of 2 · 12 runs in all" in texts(at)
    at.number_input(key="jobs.page").set_value(2).run()
    assert not at.exception and "Page 2 of 2 · 12 runs in all" in texts(at)
    # six jobs ran (their "Last run" lines), and the second page holds the two oldest runs
    assert len([m for m in at.markdown if "**Succeeded**" in m.value]) == 6 + 2


@pytest.mark.parametrize("email", ["desk@example.com", "coach@example.com", "parent@example.com"])
def test_only_administrators_have_the_page(app_db: Session, email: str) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    assert not at.exception
    with pytest.raises(Exception, match="admin_jobs"):
        at.switch_page("../pages/admin_jobs.py").run()
