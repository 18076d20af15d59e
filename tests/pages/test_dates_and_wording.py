"""Issue 13, item 7: one date style on every page, request times in the location's time zone
(never "UTC"), the weekday once, and plain words for empty attendance and expired passes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from components import formatting
from data.models import Enrollment, GymClass, ParentRequest, Student
from services.accounts import auth
from services.classes.drops import drop_enrollment
from tests import factories as f
from tests.pages.conftest import entry_rows, signed_in_app, texts
from tests.pages.test_students_walkthrough import makeup_visit, open_tab


def test_one_date_style_in_english_and_moments_in_the_location_zone() -> None:
    assert formatting.format_date(date(2026, 12, 9)) == "Wed 9 Dec 2026"
    assert formatting.format_date(date(2026, 12, 9), weekday=False, year=False) == "9 Dec"
    moment = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert formatting.format_moment(moment, "America/Chicago") == "Tue 24 Nov 2026, 9:00 AM"
    assert formatting.format_moment(moment, "Asia/Tokyo") == "Wed 25 Nov 2026, 12:00 AM"


def _garcias(db: Session) -> tuple[Student, GymClass]:
    north = f.location(db, "Northside")
    level = f.program_level(db)
    thursday = f.gym_class(db, north, level=level, name="Beam Basics", weekday=3)
    f.gym_class(db, north, level=level, name="Beam Friday", weekday=4)
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    f.enroll(db, maya, thursday)
    f.staff(db, "desk@example.com", [north])
    db.commit()
    return maya, thursday


def _page_text(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(
        [texts(at), *(str(m.value) for m in at.markdown), *(e.label for e in at.expander)]
    )


def test_scheduled_absences_and_makeup_options_name_the_weekday_once(app_db: Session) -> None:
    maya, thursday = _garcias(app_db)
    f.future_absence(app_db, maya, thursday, date(2026, 12, 3))
    f.makeup_token(app_db, maya, app_db.get(f.Location, thursday.location_id))
    app_db.commit()
    at = open_tab(app_db, "Absences")
    page = _page_text(at)
    assert "Thu 3 Dec 2026, 4:00 PM–5:00 PM · Beam Basics" in page
    assert "Thursday Thu" not in page
    at = open_tab(app_db, "Makeups")
    at.button[[b.label for b in at.button].index("Book a makeup")].click().run()
    assert not at.exception
    (choice,) = [r for r in at.radio if r.label == "Makeup class"]
    assert choice.options[0].startswith("Fri 27 Nov 2026, 4:00 PM–5:00 PM · Beam Friday")


def test_a_makeup_only_class_without_marks_says_so(app_db: Session) -> None:
    maya, _ = _garcias(app_db)
    friday = app_db.scalar(select(GymClass).where(GymClass.name == "Beam Friday"))
    makeup_visit(app_db, maya, friday, date(2026, 11, 27))
    page = _page_text(open_tab(app_db, "Attendance"))
    assert "Beam Friday · Northside — no classes marked yet" in page
    assert "— —" not in page and "(0 of 0)" not in page


def test_an_expired_pass_says_when_it_expired(app_db: Session) -> None:
    maya, thursday = _garcias(app_db)
    fam = app_db.get(f.Family, maya.family_id)
    north = app_db.get(f.Location, thursday.location_id)
    f.punch_pass(app_db, fam, north, expires_on=date(2026, 11, 1), is_active=False)
    app_db.commit()
    at = open_tab(app_db, "Passes")
    (row,) = entry_rows(at)
    assert "0 left Expired on Sun 1 Nov 2026" in row


def test_staff_see_request_times_in_the_location_zone(app_db: Session) -> None:
    _garcias(app_db)
    parent = auth.build_actor(
        app_db, app_db.scalar(select(f.User).where(f.User.email == "p@example.com"))
    )
    enrollment_id = app_db.scalar(select(Enrollment.id))
    drop_enrollment(app_db, parent, enrollment_id, date(2026, 12, 3))  # asked 15:00 UTC
    for page in ("../pages/staff_requests.py", "../pages/staff_home.py"):
        at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
        at.switch_page(page).run()
        assert not at.exception
        shown = _page_text(at)
        assert "Tue 24 Nov 2026, 9:00 AM" in shown, page  # Chicago
        assert "UTC" not in shown, page
    assert app_db.scalar(select(ParentRequest.id)) is not None
