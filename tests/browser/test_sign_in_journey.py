"""Sign-in journeys in real Chromium against `streamlit run app.py` serving the demo gym."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import Guardian, SignInSession, Student, User
from tests.browser.conftest import RunningApp, sign_in, wait_for_cookie, wait_idle


def _primary_family_students(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        family_id = db.scalar(
            select(Guardian.family_id)
            .join(User, User.id == Guardian.user_id)
            .where(User.email == "primary@example.com")
        )
        names = db.scalars(
            select(Student.first_name + " " + Student.last_name).where(
                Student.family_id == family_id, Student.is_active
            )
        ).all()
    engine.dispose()
    return sorted(names)


def _session_count(database_url: str) -> int:
    engine = make_engine(database_url)
    with Session(engine) as db:
        count = db.scalar(select(func.count()).select_from(SignInSession))
    engine.dispose()
    return count or 0


def test_primary_guardian_signs_in_reloads_and_signs_out(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    students = _primary_family_students(demo_app.database_url)
    assert len(students) == 3

    sign_in(page, demo_app.url, "primary@example.com", DEMO_PASSWORD)
    page.get_by_text("Your students").wait_for()
    for name in students:
        page.get_by_text(name, exact=True).wait_for()
    page.get_by_text("Outstanding balance").wait_for()
    page.get_by_text("Location:", exact=False).first.wait_for()
    cookie = wait_for_cookie(page, "cartwheel_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.reload()
    wait_idle(page)
    page.get_by_text("Your students").wait_for()
    page.get_by_text(students[0], exact=True).wait_for()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    page.reload()
    wait_idle(page)
    page.get_by_label("E-mail").wait_for()
    assert page.get_by_text("Your students").count() == 0


def test_wrong_password_shows_the_error_and_opens_no_session(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    before = _session_count(demo_app.database_url)
    sign_in(page, demo_app.url, "primary@example.com", "not-the-password")
    page.get_by_text("That e-mail and password do not match an account.").wait_for()
    assert page.get_by_text("Your students").count() == 0
    assert _session_count(demo_app.database_url) == before
    assert not [c for c in page.context.cookies() if c["name"] == "cartwheel_session"]


def test_staff_and_admin_see_the_staff_home(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    for email in ("staff@example.com", "admin@example.com"):
        sign_in(page, demo_app.url, email, DEMO_PASSWORD)
        page.get_by_role("heading", name="Today").wait_for()
        page.get_by_text("Attendance, last 4 weeks").wait_for()
        page.get_by_text("Open requests").first.wait_for()
        assert page.get_by_text("Your students").count() == 0
        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You are signed out.").wait_for()


def test_secondary_guardian_sees_the_same_family(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    students = _primary_family_students(demo_app.database_url)
    sign_in(page, demo_app.url, "secondary@example.com", DEMO_PASSWORD)
    page.get_by_text("Your students").wait_for()
    for name in students:
        page.get_by_text(name, exact=True).wait_for()
