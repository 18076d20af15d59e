"""Server start (issue 15, first run): the one-time setup link is printed only while the
database has no administrator; each start replaces the link; a database that is not migrated
or a bad public address never stops the server from starting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from data.db import engine_for
from data.migrate import alembic_config
from data.models import OneTimeToken, Role
from routes import ROUTES
from routes.lifespan import lifespan
from services.accounts.setup_link import setup_link_valid
from tests import factories as f

BASE = "https://gym.example.com/portal"
LINK = re.compile(r"https://gym\.example\.com/portal/\?setup=([A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def environment(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.setenv("CARTWHEEL_BASE_URL", BASE)
    monkeypatch.delenv("CARTWHEEL_SMTP_URL", raising=False)


def _start_server(capsys: pytest.CaptureFixture[str], db_url: str) -> list[str]:
    """Start and stop the app's lifespan once; the setup tokens it printed."""
    with TestClient(Starlette(routes=ROUTES, lifespan=lifespan)) as client:
        assert client.get("/healthz").status_code == 200
    engine_for(db_url).dispose()
    return LINK.findall(capsys.readouterr().out)


def test_an_empty_database_gets_a_setup_link_and_a_restart_replaces_it(
    db: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    [first] = _start_server(capsys, db_url)
    assert setup_link_valid(db, first)
    [second] = _start_server(capsys, db_url)
    assert second != first
    db.rollback()
    assert setup_link_valid(db, second) and not setup_link_valid(db, first)


def test_no_link_when_an_administrator_exists(
    db: Session, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    f.user(db, "owner@example.com", Role.ADMIN)
    db.commit()
    assert _start_server(capsys, db_url) == []
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0


def test_a_bad_public_address_is_logged_and_the_server_still_starts(
    db: Session,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("CARTWHEEL_BASE_URL", "ftp://gym.example.com")
    assert _start_server(capsys, db_url) == []
    assert "CARTWHEEL_BASE_URL" in caplog.text
    assert db.scalar(select(func.count()).select_from(OneTimeToken)) == 0


def test_a_database_that_is_not_migrated_gets_no_link_and_the_server_starts(
    sqlite_template: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "behind.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    command.downgrade(alembic_config(url), "base")
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", url)
    with TestClient(Starlette(routes=ROUTES, lifespan=lifespan)) as client:
        assert client.get("/healthz").status_code == 503
    engine_for(url).dispose()
    assert LINK.findall(capsys.readouterr().out) == []
    assert "not migrated" in caplog.text
