"""The Students page in real Chromium: absence → token → makeup → cancel → drop → tracker."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import Enrollment, EnrollmentStatus, EnrollmentType, GymClass, Student
from tests.browser.conftest import RunningApp, sign_in, wait_idle


def _first_student_class(database_url: str, first_name: str) -> tuple[str, date]:
    """The class name of the student's current class and a meeting date a week or more ahead."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        cls = db.scalar(
            select(GymClass)
            .join(Enrollment, Enrollment.class_id == GymClass.id)
            .join(Student, Student.id == Enrollment.student_id)
            .where(
                Student.first_name == first_name,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.type == EnrollmentType.REGULAR,
            )
        )
        assert cls is not None
        day = date.today() + timedelta(days=7)
        day += timedelta(days=(cls.weekday - day.weekday()) % 7)
        name = cls.name
    engine.dispose()
    return name, day


def _tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name=name).click()
    wait_idle(page)


def test_absence_token_makeup_cancel_drop_and_tracker(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, demo_app.url, "primary@example.com", DEMO_PASSWORD)
    page.get_by_role("link", name="Students").click()
    page.get_by_role("heading", name="Your students").wait_for()
    wait_idle(page)
    student = page.get_by_role("heading", level=3).first.inner_text().split(" · ")[0]
    class_name, day = _first_student_class(demo_app.database_url, student.split()[0])

    _tab(page, "Absences")
    page.get_by_text("Classes").first.wait_for()
    page.get_by_role("combobox").filter(has_text="Choose").first.click()
    page.get_by_role("option", name=class_name, exact=False).first.click()
    page.keyboard.press("Escape")
    date_box = page.get_by_label("Date", exact=True)
    date_box.fill(day.strftime("%Y-%m-%d"))
    date_box.press("Enter")
    page.get_by_role("button", name="Report absence").click()
    page.get_by_text("You earned 1 makeup token").wait_for()
    page.get_by_text("Book a makeup with the token you just earned?").wait_for()
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Book this makeup").click()
    page.get_by_text("Makeup booked:").wait_for()

    _tab(page, "Makeups")
    page.get_by_text("Booked makeups").wait_for()
    page.get_by_role("button", name="Cancel makeup (the token comes back)").first.click()
    page.get_by_text("The makeup is cancelled and the token is back.").wait_for()

    _tab(page, "Enrollments")
    page.get_by_role("button", name="Drop").first.click()
    page.get_by_role("button", name="Confirm drop").click()
    page.get_by_text("request pending").first.wait_for()

    _tab(page, "Requests")
    page.get_by_text("Drop").first.wait_for()
    page.get_by_text("pending").first.wait_for()
