"""The staff analytics page: every chart with its numbers, for staff and admin."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from data.models import AttendanceStatus, Role
from tests import factories as f
from tests.pages.conftest import signed_in_app


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    beam = f.gym_class(db, north, name="Beam Basics", weekday=1)
    fam, _, _ = f.family(db, "Garcia")
    maya = f.student(db, fam, "Maya")
    f.enroll(db, maya, beam)
    for day, status in (
        (date(2026, 11, 3), AttendanceStatus.PRESENT),
        (date(2026, 11, 10), AttendanceStatus.ABSENT),
        (date(2026, 11, 17), AttendanceStatus.PRESENT),
    ):
        f.attend(db, maya, beam, day, status)
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def test_charts_and_numbers_for_staff_and_admin(app_db: Session) -> None:
    _gym(app_db)
    for email in ("desk@example.com", "owner@example.com"):
        at = signed_in_app(app_db, email, f.PASSWORD).run()
        at.switch_page("../pages/staff_analytics.py").run()
        assert not at.exception
        assert len(at.get("plotly_chart")) == 5
        labels = [e.label for e in at.expander]
        assert "Attendance rate by week: the numbers" in labels
        weekly = next(d.value for d in at.dataframe if "week_start" in d.value.columns)
        assert int(weekly["recorded"].sum()) == 3 and int(weekly["attended"].sum()) == 2
        assert len(at.get("download_button")) >= 7


def test_a_class_filter_narrows_the_numbers(app_db: Session) -> None:
    _gym(app_db)
    other = f.gym_class(app_db, app_db.get(f.Location, 1), name="Other", weekday=2)
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_analytics.py").run()
    at.selectbox(key="analytics.class").set_value(other.id).run()
    assert not at.exception
    assert "No data for these filters." in [c.value for c in at.caption]
