"""The HTTP routes beside the pages: the sign-in cookie hand-off, sign-out and /healthz."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from data.db import engine_for
from data.migrate import alembic_config, upgrade
from data.models import SignInSession
from routes import ROUTES
from services.accounts import auth
from tests import factories as f

BASE = "http://cartwheel.test"


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    with TestClient(Starlette(routes=ROUTES), base_url=BASE) as test_client:
        yield test_client
    engine_for(db_url).dispose()


def _grant(db: Session) -> auth.SignInResult:
    f.family(db, email="p@example.com")
    db.commit()
    return auth.sign_in(db, "p@example.com", f.PASSWORD)


def test_grant_becomes_an_http_only_cookie_once(db: Session, client: TestClient) -> None:
    result = _grant(db)
    response = client.post("/auth/session", data={"grant": result.grant})
    assert response.status_code == 204
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{auth.SESSION_COOKIE}=")
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # plain http in tests; https or the setting adds it
    token = response.cookies[auth.SESSION_COOKIE]
    assert auth.session_id_for_token(db, token) == result.session_id
    assert client.post("/auth/session", data={"grant": result.grant}).status_code == 401


def test_secure_cookie_when_configured(
    db: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTWHEEL_SECURE_COOKIES", "1")
    response = client.post("/auth/session", data={"grant": _grant(db).grant})
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize("form", [{}, {"grant": ""}, {"grant": "forged"}, {"grant": "x" * 5000}])
def test_bad_grants_set_no_cookie(client: TestClient, form: dict[str, str]) -> None:
    response = client.post("/auth/session", data=form)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers


def test_cross_site_posts_are_refused(db: Session, client: TestClient) -> None:
    result = _grant(db)
    response = client.post(
        "/auth/session", data={"grant": result.grant}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    # The grant was not spent by the refused request.
    assert client.post("/auth/session", data={"grant": result.grant}).status_code == 204


def test_sign_out_clears_the_cookie_and_ends_the_session(db: Session, client: TestClient) -> None:
    result = _grant(db)
    client.post("/auth/session", data={"grant": result.grant})
    response = client.post("/auth/sign-out")
    assert response.status_code == 204
    assert 'cartwheel_session=""' in response.headers["set-cookie"]
    db.expire_all()
    assert db.scalar(select(SignInSession.revoked_at)) is not None


def test_healthz_answers_200_when_the_database_is_reachable(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_not(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def _behind_by_one(url: str) -> None:
    """A database one migration behind this code: an upgrade that skipped data.migrate."""
    command.downgrade(alembic_config(url), "-1")


def test_healthz_answers_503_until_the_schema_is_at_the_code_s_head(
    sqlite_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "behind.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    _behind_by_one(url)
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", url)
    with TestClient(Starlette(routes=ROUTES), base_url=BASE) as test_client:
        response = test_client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "upgrading", "database": "schema not current"}
        upgrade(url)  # the owner runs `python -m data.migrate`
        assert test_client.get("/healthz").status_code == 200
    engine_for(url).dispose()
