"""Front desk in real Chromium, with the server's clock pinned to a class in progress:
open today's roster, type a student's QR code as a USB scanner would, see them present,
then approve a pending request; on the desk's tablet, mark a class's roster in one save."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD, build_demo
from data.models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Location,
    Student,
    User,
    staff_locations,
)
from services.accounts.auth import build_actor
from services.desk.checkin_codes import student_checkin_code
from services.kernel import clock
from tests.browser.conftest import CHROMIUM, RunningApp, open_page, sign_in, start_app, wait_idle
from tests.conftest import skip_or_fail

DEMO_TODAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 17:00 in Chicago: classes are running


@pytest.fixture(scope="module")
def frozen_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    folder = tmp_path_factory.mktemp("checkin")
    url = f"sqlite:///{folder / 'demo.db'}"
    build_demo(url, scale="small", seed=7, today=DEMO_TODAY)
    process, base = start_app(
        url, folder / "streamlit.log", {"CARTWHEEL_FROZEN_NOW": NOW.isoformat()}
    )
    try:
        yield RunningApp(url=base, database_url=url, log=folder / "streamlit.log")
    finally:
        process.terminate()
        process.wait(timeout=20)


def _student_in_class_now(database_url: str) -> tuple[int, str, str]:
    """A student enrolled in a class running now at the demo desk's location, their name
    and a check-in code signed the way the app signs it."""
    engine = make_engine(database_url)
    with Session(engine) as db, clock.frozen_at(NOW):
        desk = db.scalar(select(User).where(User.email == "staff@example.com"))
        location_id = db.scalar(
            select(staff_locations.c.location_id).where(staff_locations.c.user_id == desk.id)
        )
        local = time(17, 0)
        row = db.execute(
            select(Student.id, Student.first_name, Student.last_name)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .join(GymClass, GymClass.id == Enrollment.class_id)
            .join(Location, Location.id == GymClass.location_id)
            .where(
                Location.id == location_id,
                GymClass.weekday == DEMO_TODAY.weekday(),
                GymClass.is_active,
                GymClass.start_time <= local,
                GymClass.end_time > local,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.type == EnrollmentType.REGULAR,
                Student.is_active,
            )
            .order_by(Student.id)
        ).first()
        assert row is not None, "the demo needs a class running at 17:00 on a Tuesday"
        code = student_checkin_code(db, build_actor(db, desk), row.id)
    engine.dispose()
    return row.id, f"{row.first_name} {row.last_name}", code


def _attendance_today(database_url: str, student_id: int) -> list[str]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        marks = db.scalars(
            select(Attendance.status).where(
                Attendance.student_id == student_id, Attendance.class_date == DEMO_TODAY
            )
        ).all()
    engine.dispose()
    return [m.value for m in marks]


def test_scan_a_code_then_approve_a_request(frozen_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    student_id, name, code = _student_in_class_now(frozen_app.database_url)
    sign_in(page, frozen_app.url, "staff@example.com", DEMO_PASSWORD)
    open_page(page, "Rosters and check-in")
    page.get_by_role("heading", name="Rosters and check-in").wait_for()
    wait_idle(page)
    box = page.get_by_label("Check in: scan or type a student's QR code")
    box.fill(code)
    box.press("Enter")  # what a USB scanner sends after the code
    page.get_by_text(f"{name.split()[0]}", exact=False).first.wait_for()
    page.get_by_text("checked in", exact=False).first.wait_for()
    assert _attendance_today(frozen_app.database_url, student_id) == ["present"]
    box.fill(code)
    box.press("Enter")
    page.get_by_text("already", exact=False).first.wait_for()
    assert _attendance_today(frozen_app.database_url, student_id) == ["present"]

    open_page(page, "Requests")
    page.get_by_role("heading", name="Requests").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Approve").first.click()
    page.get_by_text("Approved and applied:").wait_for()


def _marks_today(database_url: str) -> dict[int, str]:
    engine = make_engine(database_url)
    with Session(engine) as db:
        rows = db.execute(
            select(Attendance.student_id, Attendance.status).where(
                Attendance.class_date == DEMO_TODAY
            )
        ).all()
    engine.dispose()
    return {student_id: status.value for student_id, status in rows}


def test_mark_a_roster_in_one_save_on_the_tablet(frozen_app: RunningApp, chromium) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": 820, "height": 1180})
    tablet = context.new_page()
    tablet.set_default_timeout(20_000)
    try:
        sign_in(tablet, frozen_app.url, "staff@example.com", DEMO_PASSWORD)
        open_page(tablet, "Rosters and check-in")
        tablet.get_by_role("heading", name="Rosters and check-in").wait_for()
        tablet.get_by_role("button", name="Save attendance").wait_for()
        wait_idle(tablet)
        before = _marks_today(frozen_app.database_url)
        open_marks = tablet.locator('[data-testid="stRadio"]').filter(has_text="Not marked")
        open_marks.first.wait_for()  # the roster's form is drawn with the class it shows
        count = min(open_marks.count(), 2)
        assert count, "the class running now has students not yet marked"
        for n in range(count):
            choice = open_marks.nth(n).get_by_text("Absent", exact=True)
            assert choice.is_visible()  # the full word, not "A…"
            choice.click()
        tablet.get_by_role("button", name="Save attendance").click()
        tablet.get_by_text(f"{count} marks saved.", exact=False).wait_for()
        wait_idle(tablet)
        after = _marks_today(frozen_app.database_url)
        added = {s: m for s, m in after.items() if s not in before}
        assert list(added.values()) == ["absent"] * count
        assert tablet.get_by_text("✗ Absent", exact=False).count() >= count  # not colour alone
        if shot := os.environ.get("CARTWHEEL_ROSTER_SCREENSHOT"):
            tablet.screenshot(path=shot, full_page=True)
    finally:
        context.close()
