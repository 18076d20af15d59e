"""`GET /calendar/{token}.ics`: the student's feed for a good token, 404 for anything else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from data.db import engine_for
from routes.calendar import PATH, student_calendar_feed
from services.classes.calendar_feed import student_calendar_url_token
from services.families.code_resets import reset_calendar_link
from services.kernel import signing
from tests import factories as f

BASE = "http://cartwheel.test"


@pytest.fixture
def client(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    f.use_test_secret_key(monkeypatch)
    app = Starlette(routes=[Route(PATH, student_calendar_feed, methods=["GET"])])
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client
    engine_for(db_url).dispose()


@pytest.fixture
def token(db: Session, client: TestClient) -> str:
    gym = f.family_gym(db)
    db.commit()
    return student_calendar_url_token(db, gym.guardian, gym.maya.id)


def test_a_good_token_answers_the_calendar(client: TestClient, token: str) -> None:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=900"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-disposition"] == 'inline; filename="classes.ics"'
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert response.content.count(b"BEGIN:VEVENT\r\n") == 4
    assert "SUMMARY:Maya: Tumblers" in response.text


@pytest.mark.parametrize(
    "path",
    [
        lambda t: f"/calendar/{t[:-1]}A.ics" if not t.endswith("A") else f"/calendar/{t[:-1]}B.ics",
        lambda t: f"/calendar/{signing.sign('checkin', t.split('.')[0])}.ics",
        lambda t: f"/calendar/{signing.sign('ical', '999999')}.ics",
        lambda t: f"/calendar/{t.split('.')[0]}.ics",
        lambda t: f"/calendar/{'x' * 5000}.ics",
        lambda t: "/calendar/%00.ics",
    ],
)
def test_bad_tokens_answer_404(client: TestClient, token: str, path) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path(token))
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"
    assert "VCALENDAR" not in response.text


def test_the_feed_is_only_at_its_ics_address(client: TestClient, token: str) -> None:
    assert client.get(f"/calendar/{token}").status_code == 404
    assert client.get("/calendar/..%2F..%2Fetc%2Fpasswd.ics").status_code == 404
    assert client.post(f"/calendar/{token}.ics").status_code == 405


def test_a_reset_link_answers_404_at_once_and_the_new_one_answers(
    db: Session, client: TestClient, token: str
) -> None:
    student_id = int(token.split(".")[0])
    desk = f.guardian_actor(
        db, db.scalars(select(f.User).where(f.User.email == "desk@example.com")).one()
    )
    reset_calendar_link(db, desk, student_id)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    new = student_calendar_url_token(db, desk, student_id)
    assert client.get(f"/calendar/{new}.ics").status_code == 200
