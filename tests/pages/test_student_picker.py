"""The student picker is drawn on the Students and the Attendance page under one key: moving
between them keeps the chosen student (found by `make bench`: it raised KeyError)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def test_the_chosen_student_survives_moving_between_pages(app_db: Session) -> None:
    north = f.location(app_db, "Northside")
    beam = f.gym_class(app_db, north, name="Beam Basics", weekday=1)
    fam, _, _ = f.family(app_db, "Garcia", email="p@example.com")
    maya = f.student(app_db, fam, "Maya")
    leo = f.student(app_db, fam, "Leo")
    for student in (maya, leo):
        f.enroll(app_db, student, beam)
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    at.session_state["student_id"] = maya.id  # Leo sorts first; pick Maya
    at.run()
    assert not at.exception
    for page, heading in (
        ("../pages/attendance.py", "Maya Garcia · last 12 weeks"),
        ("../pages/students.py", "Maya Garcia · age"),
        ("../pages/attendance.py", "Maya Garcia · last 12 weeks"),
    ):
        at.switch_page(page).run()
        assert not at.exception
        assert heading in texts(at)
        at.run()  # and a rerun on the same page
        assert not at.exception
        assert at.session_state["student_id"] == maya.id
