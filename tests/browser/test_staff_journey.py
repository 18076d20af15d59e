"""Staff journeys in real Chromium: approve a pending request; an admin switches off Drop
and the parent's Students page stops offering it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import ParentRequest, RequestStatus, User
from services.accounts.auth import build_actor
from services.kernel.settings import update_settings
from tests.browser.conftest import RunningApp, open_page, sign_in, wait_idle


def _denied_notes(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        notes = db.scalars(
            select(ParentRequest.staff_note).where(ParentRequest.status == RequestStatus.DENIED)
        ).all()
    engine.dispose()
    return list(notes)


def _allow_drop_again(database_url: str) -> None:
    """Put the setting back for the other journeys that share this demo server."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        admin = build_actor(db, db.scalar(select(User).where(User.email == "admin@example.com")))
        update_settings(db, admin, {"allow_drop": True})
    engine.dispose()


def test_staff_answers_a_request_and_admin_switches_off_drop(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_app.url, "staff@example.com", DEMO_PASSWORD)
    open_page(page, "Requests")
    page.get_by_role("heading", name="Requests").wait_for()
    wait_idle(page)
    note = "The class is full that week, sorry."
    note_box = page.get_by_label("Note to the family").first
    note_box.fill(note)
    note_box.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Deny").first.click()
    page.get_by_text("Denied:").wait_for()
    assert note in _denied_notes(demo_app.database_url)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()

    sign_in(page, demo_app.url, "admin@example.com", DEMO_PASSWORD)
    open_page(page, "Portal settings")
    page.get_by_role("heading", name="Portal settings").wait_for()
    wait_idle(page)
    page.get_by_text("Allow drop", exact=True).click()
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Saved 1 change.").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()

    try:
        sign_in(page, demo_app.url, "primary@example.com", DEMO_PASSWORD)
        page.get_by_role("link", name="Students").click()
        page.get_by_role("heading", name="Your students").wait_for()
        wait_idle(page)
        page.get_by_role("button", name="Transfer").first.wait_for()
        assert page.get_by_role("button", name="Drop", exact=True).count() == 0
    finally:
        _allow_drop_again(demo_app.database_url)
