"""The parent's Attendance page."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from data.models import AttendanceStatus
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape


def test_chart_and_rates_for_the_chosen_student(app_db: Session) -> None:
    north = f.location(app_db, "Northside")
    beam = f.gym_class(app_db, north, name="Beam Basics", weekday=1)
    fam, _, _ = f.family(app_db, "Garcia", email="p@example.com")
    maya = f.student(app_db, fam, "Maya")
    leo = f.student(app_db, fam, "Leo")
    for student in (maya, leo):
        f.enroll(app_db, student, beam)
    f.attend(app_db, maya, beam, date(2026, 11, 10))
    f.attend(app_db, maya, beam, date(2026, 11, 17), AttendanceStatus.ABSENT)
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/attendance.py").run()
    assert not at.exception
    # Leo sorts first; pick Maya.
    at.session_state["student_id"] = maya.id
    at.run()
    assert not at.exception
    assert "Maya Garcia · last 12 weeks" in texts(at)
    chart = at.get("vega_lite_chart")[0].proto
    assert not at.get("plotly_chart")  # no Plotly bundle on a parent's page
    assert '"Attended"' in chart.spec and '"Missed"' in chart.spec
    assert chart.alt == "Attendance by week (last 12 weeks)"
    labels = [unescape(e.label) for e in at.expander]
    # The chart's text alternative: its numbers as a table beside it (issue 18).
    assert labels == [
        "Attendance by week: the numbers",
        "Beam Basics · Northside — 50% attended (1 of 2)",
    ]
    weeks = at.expander[0].table[0].value
    assert list(weeks.columns) == ["Week of", "Attended", "Missed"] and len(weeks) == 12
    assert {str(n) for n in weeks["Attended"]} == {"0", "1"}  # Maya's one class marked present


def test_family_without_students(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/attendance.py").run()
    assert not at.exception
    assert "No students are on this account yet." in texts(at)
