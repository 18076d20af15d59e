"""The app server's scheduled-jobs thread (issue 16): started by the lifespan, it runs the due
jobs and stops at shutdown; CARTWHEEL_JOBS_IN_APP=0 leaves the jobs to cron; a database
outage is logged once and the thread keeps going."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from data.db import engine_for
from data.models import ScheduledJobRun
from routes import ROUTES
from routes.lifespan import lifespan
from services.operations import job_runner
from services.operations.job_runner import BackgroundRunner, start_background_runner


@pytest.fixture(autouse=True)
def environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("CARTWHEEL_JOBS_IN_APP", raising=False)


def _ran(db: Session) -> list[str]:
    db.rollback()
    return sorted(db.scalars(select(ScheduledJobRun.job_name)))


def test_the_lifespan_starts_the_job_thread_and_stops_it_at_shutdown(
    db: Session, db_url: str
) -> None:
    with TestClient(Starlette(routes=ROUTES, lifespan=lifespan)):
        running = job_runner._running
        assert running is not None and running.alive
        assert start_background_runner() is running  # one thread per process
    engine_for(db_url).dispose()
    assert not running.alive
    # The first tick ran at start: the jobs this process can run, once each.
    assert _ran(db) == [
        "card_expiry_notices",
        "ended_enrollments",
        "job_history",
        "late_fees",
        "makeup_tokens",
        "tuition",
    ]


@pytest.mark.parametrize("off", ["0", "off", "false", "no"])
def test_cron_deployments_switch_the_thread_off(
    db: Session, db_url: str, off: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTWHEEL_JOBS_IN_APP", off)
    assert start_background_runner() is None
    with TestClient(Starlette(routes=ROUTES, lifespan=lifespan)) as client:
        assert client.get("/healthz").status_code == 200
    engine_for(db_url).dispose()
    assert _ran(db) == []


def test_a_tick_that_fails_is_logged_once_and_the_next_one_runs(
    db: Session, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    runner = BackgroundRunner(interval=60)
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", "sqlite:////nonexistent/folder/x.db")
    assert runner.tick() == [] and runner.tick() == []
    assert caplog.text.count("a tick failed") == 1
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    assert len(runner.tick()) == 6
    engine_for(db_url).dispose()
