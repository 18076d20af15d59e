"""The Students page in real Chromium: absence → token → makeup → cancel → drop → tracker."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Guardian,
    GymClass,
    Student,
    User,
)
from tests.browser.conftest import RunningApp, sign_in, wait_idle


def _student_with_makeup_choices(database_url: str) -> tuple[str, str, date]:
    """A student of the demo family whose class has a sister class (same level, same
    location) to book a makeup in, that class's name, and a meeting date a week ahead."""
    engine = make_engine(database_url)
    sister = aliased(GymClass)
    with Session(engine) as db:
        row = db.execute(
            select(Student.first_name, GymClass.name, GymClass.weekday)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(GymClass, GymClass.id == Enrollment.class_id)
            .join(Guardian, Guardian.family_id == Student.family_id)
            .join(User, User.id == Guardian.user_id)
            .where(
                User.email == "primary@example.com",
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.type == EnrollmentType.REGULAR,
                exists().where(
                    sister.level_id == GymClass.level_id,
                    sister.location_id == GymClass.location_id,
                    sister.id != GymClass.id,
                    sister.is_active,
                ),
            )
            .order_by(Student.first_name)
        ).first()
    engine.dispose()
    assert row is not None, "the demo family needs a class with a sister class"
    day = date.today() + timedelta(days=7)
    day += timedelta(days=(row.weekday - day.weekday()) % 7)
    return row.first_name, row.name, day


def _family_first_names(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        names = db.scalars(
            select(Student.first_name)
            .join(Guardian, Guardian.family_id == Student.family_id)
            .join(User, User.id == Guardian.user_id)
            .where(User.email == "primary@example.com", Student.is_active)
            .order_by(Student.first_name)
        ).all()
    engine.dispose()
    return list(names)


def _tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid=stButtonGroup]").get_by_text(name, exact=True).click()
    wait_idle(page)


def test_absence_token_makeup_cancel_drop_and_tracker(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_app.url, "primary@example.com", DEMO_PASSWORD)
    page.get_by_role("link", name="Students").click()
    page.get_by_role("heading", name="Your students").wait_for()
    wait_idle(page)
    student, class_name, day = _student_with_makeup_choices(demo_app.database_url)
    page.locator("[data-testid=stButtonGroup]").get_by_text(student, exact=True).click()
    wait_idle(page)
    page.get_by_role("heading", name=f"{student} ", exact=False).first.wait_for()

    _tab(page, "Absences")
    page.get_by_role("combobox", name="Classes").click()
    page.get_by_role("option", name=class_name, exact=False).first.click()
    page.keyboard.press("Escape")
    # A date field of segments (yyyy, mm, dd): focus the first and type the digits.
    page.get_by_label("Date", exact=True).get_by_role("spinbutton").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.get_by_role("button", name="Report absence").click()
    page.get_by_text("You earned 1 makeup token").wait_for()
    page.get_by_text("Book a makeup with the token you just earned?").wait_for()
    page.get_by_role("radiogroup", name="Makeup class").get_by_role("radio").first.check()
    page.get_by_role("button", name="Book this makeup").click()
    page.get_by_text("Makeup booked:").wait_for()

    _tab(page, "Makeups")
    page.get_by_text("Booked makeups").wait_for()
    page.get_by_role("button", name="Cancel makeup (the token comes back)").first.click()
    page.get_by_text("The makeup is cancelled and the token is back.").wait_for()

    _tab(page, "Enrollments")
    # Drop a class of whichever student has one without a pending request.
    for name in _family_first_names(demo_app.database_url):
        page.locator("[data-testid=stButtonGroup]").get_by_text(name, exact=True).click()
        wait_idle(page)
        page.get_by_role("heading", name=f"{name} ", exact=False).first.wait_for()
        if page.get_by_role("button", name="Drop", exact=True).count():
            break
    page.get_by_role("button", name="Drop", exact=True).first.click()
    page.get_by_role("button", name="Confirm drop").click()
    page.get_by_text("request pending").first.wait_for()

    _tab(page, "Requests")
    page.get_by_text("Drop").first.wait_for()
    page.get_by_text("pending").first.wait_for()
