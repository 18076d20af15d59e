"""The staff analytics page: one location at a time, one chart at a time with its numbers,
and (for whoever sees several locations) the comparison of every location."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import AttendanceStatus, Role
from tests import factories as f
from tests.pages.conftest import signed_in_app

PAGE = "../pages/staff_analytics.py"
VEGA = "vega_lite_chart"  # st.line_chart and st.bar_chart


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


def _second_location(db: Session) -> None:
    """Southside (name order: after Northside) with one absence-only student."""
    south = f.location(db, "Southside")
    flips = f.gym_class(db, south, name="Flips", weekday=2)
    fam, _, _ = f.family(db, "Okafor")
    ada = f.student(db, fam, "Ada")
    f.enroll(db, ada, flips)
    for day in (date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18)):
        f.attend(db, ada, flips, day, AttendanceStatus.ABSENT)
    f.staff(db, "south@example.com", [south])
    db.commit()


def _open(db: Session, email: str) -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _frame_with(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_one_chart_and_its_numbers_for_staff_and_admin(app_db: Session) -> None:
    _gym(app_db)
    for email in ("desk@example.com", "owner@example.com"):
        at = _open(app_db, email)
        # One location only: no view switch; the first chart drawn without Plotly.
        assert not [r for r in at.radio if r.key == "analytics.view"]
        assert "Northside." in [c.value for c in at.caption]
        assert len(at.get(VEGA)) == 1 and not at.get("plotly_chart")
        labels = [e.label for e in at.expander]
        assert "Attendance rate by week: the numbers" in labels
        weekly = _frame_with(at, "week_start")
        assert int(weekly["recorded"].sum()) == 3 and int(weekly["attended"].sum()) == 2
        # The chart's numbers, the tokens, the two risk lists.
        assert len(at.get("download_button")) == 4


def test_each_chart_on_demand(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "desk@example.com")
    for label, plotly, vega, column, rows in (
        ("Weekday and time", 1, 0, "start_time", 1),
        ("Programs", 0, 1, "program", 1),
        ("Absences", 0, 1, "absent", 3),  # one row per week with a record
        ("Class fill", 1, 0, "capacity", 1),
    ):
        at.radio(key="analytics.chart").set_value(label).run()
        assert not at.exception
        assert (len(at.get("plotly_chart")), len(at.get(VEGA))) == (plotly, vega), label
        assert len(_frame_with(at, column)) == rows, label


def test_a_class_filter_narrows_the_numbers(app_db: Session) -> None:
    _gym(app_db)
    other = f.gym_class(app_db, app_db.get(f.Location, 1), name="Other", weekday=2)
    app_db.commit()
    at = _open(app_db, "desk@example.com")
    at.selectbox(key="analytics.class").set_value(other.id).run()
    assert not at.exception
    assert "No data for these filters." in [c.value for c in at.caption]


def test_admin_at_several_locations_opens_on_one_then_compares(app_db: Session) -> None:
    _gym(app_db)
    _second_location(app_db)
    at = _open(app_db, "owner@example.com")
    # The sidebar says "All locations"; the page opens on the first location only.
    assert at.selectbox(key="location_id").value == 0
    assert "Northside. Choose another at the top of the page." in [c.value for c in at.caption]
    assert int(_frame_with(at, "week_start")["recorded"].sum()) == 3
    # The sidebar's choice is the location shown.
    south_id = 2
    at.selectbox(key="location_id").set_value(south_id).run()
    assert "Southside. Choose another at the top of the page." in [c.value for c in at.caption]
    weekly = _frame_with(at, "week_start")
    assert (int(weekly["recorded"].sum()), int(weekly["attended"].sum())) == (3, 0)
    assert list(_frame_with(at, "missed")["student"]) == ["Ada Okafor"]
    # Every location: one short row each, no chart.
    at.radio(key="analytics.view").set_value("Compare locations").run()
    assert not at.exception
    assert not at.get(VEGA) and not at.get("plotly_chart")
    table = _frame_with(at, "low_classes")
    rows = {r["location"]: r for r in table.to_dict("records")}
    assert list(rows) == ["Northside", "Southside"]
    assert (rows["Northside"]["recorded"], rows["Northside"]["absences"]) == (3, 1)
    assert (rows["Southside"]["dropping"], rows["Southside"]["low_classes"]) == (1, 1)
    assert rows["Northside"]["dropping"] == 0 and rows["Northside"]["enrolled"] == 1


def test_staff_of_one_location_never_see_another(app_db: Session) -> None:
    _gym(app_db)
    _second_location(app_db)
    at = _open(app_db, "south@example.com")
    assert not [r for r in at.radio if r.key == "analytics.view"]
    assert "Southside." in [c.value for c in at.caption]
    assert "Northside" not in str([c.value for c in at.caption])
    assert list(_frame_with(at, "missed")["student"]) == ["Ada Okafor"]


def test_guardians_and_instructors_have_no_analytics_page(app_db: Session) -> None:
    _gym(app_db)
    _, _, account = f.family(app_db, "Parent")
    f.user(app_db, "coach@example.com", Role.INSTRUCTOR)
    app_db.commit()
    for email in (account.email, "coach@example.com"):
        at = signed_in_app(app_db, email, f.PASSWORD).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE).run()
