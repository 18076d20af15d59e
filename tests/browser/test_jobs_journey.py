"""Scheduled jobs in real Chromium (issue 16): on a 390 px phone the Scheduled jobs page fits
the screen, and Run now records a run. (The browser tests' servers run no jobs by themselves:
tests/browser/conftest.start_app; the server's job thread is tested in
tests/routes/test_job_thread.py.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import ScheduledJobRun
from tests.browser.conftest import RunningApp, open_page, sign_in, wait_idle


def _runs(database_url: str) -> list[tuple[str, str]]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        rows = db.execute(
            select(ScheduledJobRun.job_name, ScheduledJobRun.trigger).order_by(ScheduledJobRun.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_admin_runs_a_job_on_a_phone(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_app.url, "admin@example.com", DEMO_PASSWORD)
    open_page(page, "Scheduled jobs")
    page.get_by_role("heading", name="Scheduled jobs").wait_for()
    wait_idle(page)
    page.set_viewport_size({"width": 390, "height": 844})
    wait_idle(page)
    assert ("ended_enrollments", "admin") not in _runs(demo_app.database_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # In the registry's order: the outbox, card payments (both off here), ended class places.
    page.get_by_role("button", name="Run now").nth(2).click()
    page.get_by_text("Close ended class places ran.").wait_for()
    wait_idle(page)
    page.get_by_text("Last run: Succeeded").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert ("ended_enrollments", "admin") in _runs(demo_app.database_url)
