"""`python -m scripts.run_jobs` (issue 16): runs the due jobs once and exits, `--job NAME`
forces one, `--list` shows them; safe beside the app server's thread (the same claims)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import engine_for
from data.models import ScheduledJobRun
from scripts import run_jobs
from tests.support.jobs import LOCAL_JOBS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)
    monkeypatch.setattr(run_jobs, "load_secrets_file", lambda: [])


def _runs(db: Session) -> list[tuple[str, str]]:
    db.rollback()
    return [
        (run.job_name, run.trigger)
        for run in db.scalars(select(ScheduledJobRun).order_by(ScheduledJobRun.id))
    ]


def test_it_runs_the_due_jobs_once(
    db: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        assert run_jobs.main([]) == 0
        assert run_jobs.main([]) == 0  # nothing due any more
    finally:
        engine_for(db_url).dispose()
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == LOCAL_JOBS  # each once, the second run none
    assert {
        "ended_enrollments: succeeded (closed 0)",
        "makeup_tokens: succeeded (expired 0, spent 0)",
        "job_history: succeeded (deleted 0)",
    } <= set(out)
    assert [name for name, _ in _runs(db)] == LOCAL_JOBS


def test_job_forces_one_and_refuses_what_cannot_run(
    db: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        assert run_jobs.main(["--job", "makeup_tokens"]) == 0
        assert run_jobs.main(["--job", "nope"]) == 2
        assert run_jobs.main(["--job", "outbox"]) == 2
    finally:
        engine_for(db_url).dispose()
    captured = capsys.readouterr()
    assert captured.out == "makeup_tokens: succeeded (expired 0, spent 0)\n"
    assert "That job was not found." in captured.err
    assert "Send queued e-mail cannot run here: CARTWHEEL_SMTP_URL is not set" in captured.err
    assert _runs(db) == [("makeup_tokens", "command")]


def test_list_names_each_job_and_why_one_is_off(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        assert run_jobs.main(["--list"]) == 0
    finally:
        engine_for(db_url).dispose()
    out = capsys.readouterr().out
    assert "outbox: Send queued e-mail, Every 30 seconds — not run here:" in out
    assert "ended_enrollments: Close ended class places, Daily at 00:15 (America/Chicago)" in out


def test_the_command_runs_from_the_shell(db: Session, db_url: str) -> None:
    env = {
        **os.environ,
        "CARTWHEEL_DATABASE_URL": db_url,
        "CARTWHEEL_FROZEN_NOW": "2026-11-24T15:00:00+00:00",
    }
    done = subprocess.run(
        [sys.executable, "-m", "scripts.run_jobs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "job_history: succeeded (deleted 0)" in done.stdout
    assert ("job_history", "scheduler") in _runs(db)


def test_bad_options_are_refused() -> None:
    with pytest.raises(SystemExit):
        run_jobs.main(["--loop", "0"])
    with pytest.raises(SystemExit):
        run_jobs.main(["--job", "outbox", "--loop"])
