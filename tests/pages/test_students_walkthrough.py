"""The parent's Students page as issue 13's walk-through used it: makeup requests with several
enrollments, absences by class, cancelling with confirmation, skills, passes and wording."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    ParentRequest,
    RequestKind,
    Student,
)
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape

THURSDAY = 3


def open_tab(db: Session, tab: str, student: str = "Maya") -> AppTest:
    """The Students page of the "p@example.com" family, on `student`'s `tab`."""
    at = signed_in_app(db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    at.session_state["students.tab"] = tab
    at.session_state["student_id"] = db.scalar(
        select(Student.id).where(Student.first_name == student)
    )
    at.run()
    assert not at.exception
    return at


def _terms(db: Session) -> tuple[Student, GymClass]:
    """Maya in "Beam Basics" on Thursdays for three terms (one class per term, as the demo
    gym has them), and a Friday class of the same level for makeups; the current term's class."""
    north = f.location(db, "Northside")
    level = f.program_level(db)
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    terms = [
        (date(2026, 1, 8), date(2026, 5, 14), EnrollmentStatus.COMPLETED),
        (date(2026, 5, 28), date(2026, 8, 27), EnrollmentStatus.COMPLETED),
        (date(2026, 9, 3), None, EnrollmentStatus.ACTIVE),
    ]
    current = None
    for start, end, status in terms:
        current = f.gym_class(db, north, level=level, name="Beam Basics", weekday=THURSDAY)
        f.enroll(db, maya, current, start=start, end=end, status=status)
    f.gym_class(
        db, north, level=level, name="Beam Friday", weekday=4, start=time(17, 0), end=time(18, 0)
    )
    f.staff(db, "owner@example.com", [north], role=f.Role.ADMIN)
    f.portal_settings(db, makeup_tokens_enabled=False, makeup_requests_enabled=True)
    db.commit()
    assert current is not None
    return maya, current


def test_makeup_request_for_the_current_term_goes_through(app_db: Session) -> None:
    _, current = _terms(app_db)
    at = open_tab(app_db, "Makeups")
    (picker,) = [s for s in at.selectbox if s.label == "Missed class"]
    labels = picker.options
    assert len(labels) == len(set(labels)) == 3  # each enrollment told apart by its dates
    assert "3 Sep 2026 – now" in labels[0]
    enrollment_id = app_db.scalar(select(Enrollment.id).where(Enrollment.class_id == current.id))
    picker.select(enrollment_id).run()
    (missed,) = [d for d in at.date_input if d.label == "Date missed"]
    missed.set_value(date(2026, 11, 19)).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    at.button(key="makeup_request.send").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    app_db.rollback()
    request = app_db.scalar(select(ParentRequest).where(ParentRequest.kind == RequestKind.MAKEUP))
    assert request is not None
    assert request.details["missed_class_id"] == current.id
    assert request.details["missed_date"] == "2026-11-19"
    assert "Your makeup request was sent." in texts(at)


def makeup_visit(db: Session, student: Student, cls: GymClass, day: date) -> None:
    """A booked one-off makeup visit (committed)."""
    f.enroll(db, student, cls, type=EnrollmentType.MAKEUP, start=day, end=day)
    db.commit()


def test_absences_by_class_do_not_list_booked_makeups(app_db: Session) -> None:
    maya, _ = _terms(app_db)
    friday = app_db.scalar(select(GymClass).where(GymClass.name == "Beam Friday"))
    makeup_visit(app_db, maya, friday, date(2026, 12, 4))
    at = open_tab(app_db, "Absences")
    (classes,) = [m for m in at.multiselect if m.label == "Classes"]
    assert classes.options == ["Beam Basics (Thursday 4:00 PM) · Northside"]
    classes.select(classes.options[0])
    at.date_input[0].set_value(date(2026, 12, 3))
    at.button(key="FormSubmitter:absence.by_class-Report absence").click().run()
    assert not at.exception
    assert "Maya's Thursday 3 Dec class is marked absent." in texts(at)


def _weekly(db: Session) -> Student:
    """Maya in one Thursday class (makeup tokens on, the default settings), and Lucia on the
    "Swim: Starfish" waitlist in position 3."""
    north = f.location(db, "Northside")
    level = f.program_level(db)
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    f.enroll(db, maya, f.gym_class(db, north, level=level, name="Beam Basics", weekday=THURSDAY))
    f.gym_class(db, north, level=level, name="Beam Friday", weekday=4, end=time(17, 0))
    lucia = f.student(db, fam, "Lucia")
    starfish = f.gym_class(db, north, name="Swim: Starfish", weekday=5, capacity=1)
    f.enroll(
        db,
        lucia,
        starfish,
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=3,
        start=date(2026, 11, 28),
    )
    db.commit()
    return maya


def _report_thursday(at: AppTest, db: Session) -> None:
    enrollment_id = db.scalar(
        select(Enrollment.id).join(Student).where(Student.first_name == "Maya")
    )
    at.multiselect[0].select(enrollment_id)
    at.date_input[0].set_value(date(2026, 12, 3))
    at.button(key="FormSubmitter:absence.by_class-Report absence").click().run()
    assert not at.exception
    assert "Book a makeup with the token you just earned?" in texts(at)
    db.rollback()  # end the test's read snapshot to see the app's commit


def _reported_then_cancel(db: Session) -> tuple[AppTest, int]:
    """Maya's Thursday absence reported (a token earned, the makeup offer on screen), then
    its Cancel clicked once."""
    _weekly(db)
    at = open_tab(db, "Absences")
    _report_thursday(at, db)
    absence_id = db.scalar(select(FutureAbsence.id))
    assert absence_id is not None
    at.button(key=f"absence.{absence_id}.cancel").click().run()
    assert not at.exception
    return at, absence_id


def test_cancelling_an_absence_asks_first_then_forgets_its_token(app_db: Session) -> None:
    at, absence_id = _reported_then_cancel(app_db)
    assert (
        "Cancel the absence from Beam Basics on Thu 3 Dec 2026? The makeup token it earned is "
        "withdrawn and cannot be used any more."
    ) in texts(at)
    app_db.rollback()
    assert app_db.get(FutureAbsence, absence_id).cancelled_at is None  # nothing yet
    at.button(key=f"absence.{absence_id}.cancel.confirm").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    page = texts(at)
    assert "The absence is cancelled." in page
    assert "token" not in page.replace("to earn a makeup token", "")
    assert not [b for b in at.button if b.label in ("Book this makeup", "Not now")]
    app_db.rollback()
    assert app_db.get(FutureAbsence, absence_id).cancelled_at is not None


def test_keeping_the_absence_changes_nothing(app_db: Session) -> None:
    at, absence_id = _reported_then_cancel(app_db)
    at.button(key=f"absence.{absence_id}.cancel.keep").click().run()
    assert not at.exception
    assert "withdrawn" not in texts(at)
    app_db.rollback()
    assert app_db.get(FutureAbsence, absence_id).cancelled_at is None


def test_cancelling_a_waitlist_place_says_what_is_lost_first(app_db: Session) -> None:
    _weekly(app_db)
    at = open_tab(app_db, "Enrollments", "Lucia")
    lucia = app_db.scalar(select(Student.id).where(Student.first_name == "Lucia"))
    at.toggle(key="students.show_waitlist").set_value(True).run()
    place = app_db.scalar(select(Enrollment.id).where(Enrollment.student_id == lucia))
    at.button(key=f"waitlist.{place}.cancel").click().run()
    assert not at.exception
    assert "Lucia will lose position 3 on the Swim: Starfish waitlist." in texts(at)
    app_db.rollback()
    assert app_db.get(Enrollment, place).status is EnrollmentStatus.WAITLISTED
    at.button(key=f"waitlist.{place}.cancel.keep").click().run()
    assert "will lose position" not in texts(at)
    at.button(key=f"waitlist.{place}.cancel").click().run()
    at.button(key=f"waitlist.{place}.cancel.confirm").click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.get(Enrollment, place).status is EnrollmentStatus.DROPPED


def test_an_absence_without_a_token_cancels_in_one_tap(app_db: Session) -> None:
    maya = _weekly(app_db)
    thursday = app_db.scalar(select(GymClass).where(GymClass.name == "Beam Basics"))
    absence = f.future_absence(app_db, maya, thursday, date(2026, 12, 3))
    app_db.commit()
    at = open_tab(app_db, "Absences")
    at.button(key=f"absence.{absence.id}.cancel").click().run()
    assert not at.exception
    assert "The absence is cancelled." in texts(at)
    app_db.rollback()
    assert app_db.get(FutureAbsence, absence.id).cancelled_at is not None


def test_skills_show_enrolled_levels_current_first_and_open(app_db: Session) -> None:
    maya = _weekly(app_db)
    current = app_db.scalar(select(GymClass).where(GymClass.name == "Beam Basics"))
    past_level = f.program_level(app_db, "Vault", "Vault 1")
    past = f.gym_class(app_db, app_db.get(f.Location, current.location_id), level=past_level)
    f.enroll(app_db, maya, past, status=EnrollmentStatus.COMPLETED, end=date(2026, 10, 1))
    visit_level = f.program_level(app_db, "Ninja", "Ninja Warriors")
    visit = f.gym_class(app_db, app_db.get(f.Location, current.location_id), level=visit_level)
    f.enroll(app_db, maya, visit, type=EnrollmentType.MAKEUP, start=date(2026, 11, 10))
    f.evaluation(
        app_db,
        maya,
        f.skill(app_db, visit_level, "Warped wall", 1),
        f.SkillStatus.MASTERED,
        date(2026, 11, 10),
    )
    app_db.commit()
    at = open_tab(app_db, "Skills")
    shown = [(unescape(e.label), e.proto.expanded) for e in at.expander if " · " in e.label]
    assert [(label.split(" · ")[1], expanded) for label, expanded in shown] == [
        ("Level 1 (current)", True),
        ("Vault 1", False),
    ]
    assert "Ninja" not in texts(at)
