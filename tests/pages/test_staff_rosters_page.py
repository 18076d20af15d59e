"""Rosters and check-in in AppTest: mark attendance, scan a QR code, idempotent scans."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Attendance, AttendanceStatus, EnrollmentType, GymClass, Role
from services.desk.checkin_codes import student_checkin_code
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape

TODAY = date(2026, 11, 24)  # Tuesday; the fixed clock says 09:00 in Chicago


def _gym(db: Session) -> tuple[int, int, str]:
    north = f.location(db, "Northside")
    beam = f.gym_class(db, north, name="Beam Basics", weekday=1)  # Tuesdays 16:00–17:00
    fam, _, account = f.family(db, "Garcia")
    maya = f.student(db, fam, "Maya")
    f.enroll(db, maya, beam)
    f.staff(db, "desk@example.com", [north])
    db.commit()
    code = student_checkin_code(db, f.guardian_actor(db, account), maya.id)
    return beam.id, maya.id, code


def _rosters(db: Session):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_rosters.py").run()
    assert not at.exception
    return at


def _attendance(db: Session) -> list[AttendanceStatus]:
    db.rollback()
    return list(db.scalars(select(Attendance.status)))


def test_mark_a_student_present(app_db: Session) -> None:
    class_id, student_id, _ = _gym(app_db)
    at = _rosters(app_db)
    assert any("Beam Basics" in o for o in at.selectbox(key="rosters.1.class").options)
    choice = at.radio(key=f"mark.{class_id}.{student_id}.none")
    assert choice.options == ["Present", "Absent", "Excused"] and choice.value is None
    assert "○ Not marked" in choice.label
    choice.set_value("present")
    at.button(key=f"FormSubmitter:roster.{class_id}-Save attendance").click().run()
    assert not at.exception
    assert "Beam Basics: 1 marks saved." in texts(at)
    assert _attendance(app_db) == [AttendanceStatus.PRESENT]
    marked = at.radio(key=f"mark.{class_id}.{student_id}.present")
    assert marked.value == "present" and "✓ Present" in marked.label


def test_a_whole_class_is_marked_in_one_save(app_db: Session) -> None:
    class_id, maya_id, _ = _gym(app_db)
    fam, _, _ = f.family(app_db, "Lee")
    leo, ivy = f.student(app_db, fam, "Leo"), f.student(app_db, fam, "Ivy")
    beam = app_db.get(GymClass, class_id)
    f.enroll(app_db, leo, beam)
    f.enroll(app_db, ivy, beam)
    f.attend(app_db, ivy, beam, TODAY, AttendanceStatus.EXCUSED)
    app_db.commit()
    at = _rosters(app_db)
    at.radio(key=f"mark.{class_id}.{maya_id}.none").set_value("present")
    at.radio(key=f"mark.{class_id}.{leo.id}.none").set_value("absent")
    at.button(key=f"FormSubmitter:roster.{class_id}-Save attendance").click().run()
    assert not at.exception
    assert "Beam Basics: 2 marks saved." in texts(at)
    app_db.rollback()
    marks = dict(app_db.execute(select(Attendance.student_id, Attendance.status)).all())
    assert marks == {
        maya_id: AttendanceStatus.PRESENT,
        leo.id: AttendanceStatus.ABSENT,
        ivy.id: AttendanceStatus.EXCUSED,
    }


def test_a_makeup_visitor_marked_present_reads_makeup(app_db: Session) -> None:
    class_id, _, _ = _gym(app_db)
    fam, _, _ = f.family(app_db, "Lee")
    cleo = f.student(app_db, fam, "Cleo")
    beam = app_db.get(GymClass, class_id)
    f.enroll(app_db, cleo, beam, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    app_db.commit()
    at = _rosters(app_db)
    at.radio(key=f"mark.{class_id}.{cleo.id}.none").set_value("present")
    at.button(key=f"FormSubmitter:roster.{class_id}-Save attendance").click().run()
    assert not at.exception
    assert _attendance(app_db) == [AttendanceStatus.MAKEUP]
    shown = at.radio(key=f"mark.{class_id}.{cleo.id}.makeup")
    assert shown.value == "present"
    assert unescape(shown.label) == "Cleo Lee · makeup · ✓ Makeup (present)"


def test_saving_with_nothing_chosen_says_so_and_writes_nothing(app_db: Session) -> None:
    class_id, _, _ = _gym(app_db)
    at = _rosters(app_db)
    at.button(key=f"FormSubmitter:roster.{class_id}-Save attendance").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Choose present, absent or excused for at least one student."
    ]
    assert _attendance(app_db) == []


def test_scanning_outside_class_time_says_why(app_db: Session) -> None:
    _, _, code = _gym(app_db)
    at = _rosters(app_db)
    at.text_input(key="checkin.code").input(code)
    at.button(key="FormSubmitter:checkin-Check in").click().run()
    assert not at.exception
    assert any("right now" in e.value for e in at.error)
    assert _attendance(app_db) == []


def test_scanning_twice_checks_in_once(app_db: Session) -> None:
    _, _, code = _gym(app_db)
    clock.advance(timedelta(hours=6, minutes=50))  # 15:50 in Chicago, ten minutes before
    at = _rosters(app_db)
    for _ in range(2):
        at.text_input(key="checkin.code").input(code)
        at.button(key="FormSubmitter:checkin-Check in").click().run()
        assert not at.exception
    assert _attendance(app_db) == [AttendanceStatus.PRESENT]
    assert app_db.scalar(select(func.count()).select_from(Attendance)) == 1


def test_forged_code_is_refused(app_db: Session) -> None:
    _gym(app_db)
    at = _rosters(app_db)
    at.text_input(key="checkin.code").input("CW1.1.AAAAAAAAAAAAAAAAAAAAAAAAAA")
    at.button(key="FormSubmitter:checkin-Check in").click().run()
    assert [e.value for e in at.error] == ["That code is not a Cartwheel check-in code."]
    assert _attendance(app_db) == []


def test_admin_sees_rosters_after_choosing_one_location(app_db: Session) -> None:
    class_id, _, _ = _gym(app_db)
    f.location(app_db, "Southside")
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_rosters.py").run()
    assert not at.exception
    assert "Choose a location at the top of the page to see its rosters." in texts(at)
    at.session_state["location_id"] = 1
    at.run()
    assert not at.exception
    assert any("Beam Basics" in o for o in at.selectbox(key="rosters.1.class").options)
    assert at.button(key=f"roster.{class_id}.all")
