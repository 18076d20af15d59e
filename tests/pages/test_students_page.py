"""The parent's Students page: every section, each setting on and off, the main actions."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    FutureAbsence,
    ParentRequest,
    RequestStatus,
    Role,
    Student,
)
from services.kernel.settings import update_settings
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def _family(db: Session) -> Student:
    north = f.location(db, "Northside")
    beam = f.gym_class(db, north, name="Beam Basics", weekday=3, start=time(16, 0))
    f.gym_class(
        db,
        north,
        name="Beam Later",
        weekday=4,
        start=time(17, 0),
        end=time(18, 0),
        level=db.get(f.Level, beam.level_id),
    )
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    f.enroll(db, maya, beam)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()
    return maya


def _open(db: Session, tab: str = "Enrollments"):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    at.session_state["students.tab"] = tab
    at.run()
    assert not at.exception
    return at


def _tabs(at) -> list[str]:  # type: ignore[no-untyped-def]
    return list(at.segmented_control(key="students.tab").options)


def test_all_sections_show_with_the_default_settings(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db)
    assert _tabs(at) == [  # the check-in code, passes and requests early (issue 18)
        "Enrollments",
        "QR code",
        "Passes",
        "Makeups",
        "Requests",
        "Absences",
        "Skills",
        "Attendance",
    ]
    assert "Maya Garcia · age 8" in texts(at)
    assert at.button(key=f"drop.{1}") is not None


@pytest.mark.parametrize(
    ("setting", "gone"),
    [
        ("future_absences_enabled", "Absences"),
        ("qr_codes_enabled", "QR code"),
        ("punch_passes_enabled", "Passes"),
    ],
)
def test_switched_off_sections_are_hidden(app_db: Session, setting: str, gone: str) -> None:
    _family(app_db)
    admin = f.guardian_actor(app_db, app_db.scalar(select(f.User).where(f.User.role == Role.ADMIN)))
    update_settings(app_db, admin, {setting: False})
    at = _open(app_db)
    assert gone not in _tabs(at)


def test_makeups_hidden_when_neither_tokens_nor_requests(app_db: Session) -> None:
    _family(app_db)
    admin = f.guardian_actor(app_db, app_db.scalar(select(f.User).where(f.User.role == Role.ADMIN)))
    update_settings(app_db, admin, {"makeup_tokens_enabled": False})
    assert "Makeups" not in _tabs(_open(app_db))
    update_settings(app_db, admin, {"makeup_requests_enabled": True})
    assert "Makeups" in _tabs(_open(app_db))


def test_drop_and_transfer_buttons_follow_the_settings(app_db: Session) -> None:
    _family(app_db)
    admin = f.guardian_actor(app_db, app_db.scalar(select(f.User).where(f.User.role == Role.ADMIN)))
    update_settings(app_db, admin, {"allow_drop": False, "allow_transfer": False})
    at = _open(app_db)
    labels = [b.label for b in at.button]
    assert "Drop" not in labels and "Transfer" not in labels


def test_drop_becomes_a_pending_request(app_db: Session) -> None:
    maya = _family(app_db)
    at = _open(app_db)
    enrollment_id = app_db.scalar(select(Enrollment.id).where(Enrollment.student_id == maya.id))
    at.button(key=f"drop.{enrollment_id}").click().run()
    assert not at.exception
    assert any(b.label == "Confirm drop" for b in at.button)
    at.button(key=f"drop.{enrollment_id}.confirm").click().run()
    assert not at.exception
    page = texts(at)
    assert "request pending" in page.lower()
    app_db.rollback()
    assert app_db.get(Enrollment, enrollment_id).status is EnrollmentStatus.ACTIVE
    assert app_db.scalar(select(ParentRequest.status)) is RequestStatus.PENDING


def test_report_absence_by_class_earns_a_token_and_offers_a_makeup(app_db: Session) -> None:
    maya = _family(app_db)
    at = _open(app_db, "Absences")
    enrollment_id = app_db.scalar(select(Enrollment.id).where(Enrollment.student_id == maya.id))
    at.multiselect[0].select(enrollment_id)
    at.date_input[0].set_value(date(2026, 12, 3))  # a Thursday, days ahead
    at.button(key="FormSubmitter:absence.by_class-Report absence").click().run()
    assert not at.exception
    assert "You earned 1 makeup token" in texts(at)
    assert "Book a makeup with the token you just earned?" in "\n".join(
        str(m.value) for m in at.markdown
    )
    app_db.rollback()  # end the test's own read snapshot to see the app's commit
    assert app_db.scalar(select(FutureAbsence.class_date)) == date(2026, 12, 3)


def test_absence_form_without_a_date_is_refused_and_writes_nothing(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db, "Absences")
    at.button(key="FormSubmitter:absence.by_class-Report absence").click().run()
    assert not at.exception
    assert "Choose at least one class and the date." in [e.value for e in at.error]
    app_db.rollback()
    assert app_db.scalar(select(FutureAbsence.id)) is None


def test_add_student_with_bad_input_keeps_it_and_writes_nothing(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db)
    form_inputs = [t for t in at.text_input if t.label == "First name"]
    form_inputs[-1].input("<script>")
    at.button(key="FormSubmitter:add_student-Add student").click().run()
    assert not at.exception
    assert at.error
    app_db.rollback()
    assert len(app_db.scalars(select(Student)).all()) == 1


def test_secondary_guardian_sees_the_same_students(app_db: Session) -> None:
    maya = _family(app_db)
    f.second_guardian(app_db, app_db.get(f.Family, maya.family_id), email="s@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "s@example.com", f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    assert not at.exception
    assert "Maya Garcia · age 8" in texts(at)


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("Enrollments", "Beam Basics"),
        ("Skills", "Level 1"),
        ("Attendance", "No classes recorded yet."),
        ("Makeups", "No makeup tokens to use at this location."),
        ("Absences", "None scheduled."),
        ("QR code", ""),
        ("Passes", "Maya has no punch passes."),
        ("Requests", "No requests yet."),
    ],
)
def test_each_section_renders(app_db: Session, tab: str, expected: str) -> None:
    _family(app_db)
    at = _open(app_db, tab)
    assert at.session_state["students.tab"] == tab
    page = "\n".join([texts(at), *(str(m.value) for m in at.markdown)])
    page += "\n".join(e.label for e in at.expander)  # Skills: one expander per level
    assert expected in page
    if tab == "QR code":
        image = at.get("image")[0].proto
        assert "Show this at the front desk to check Maya in." in str(image)
        assert at.get("download_button")


def test_calendar_link_is_offered(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db)
    assert at.get("code") and "/calendar/" in at.get("code")[0].proto.code_text


def test_punch_redemption_shows_only_when_enabled(app_db: Session) -> None:
    maya = _family(app_db)
    north = app_db.get(f.Location, 1)
    f.punch_pass(app_db, app_db.get(f.Family, maya.family_id), north)
    app_db.commit()
    at = _open(app_db, "Passes")
    assert "Use a punch" not in "\n".join(str(m.value) for m in at.markdown)
    admin = f.guardian_actor(app_db, app_db.scalar(select(f.User).where(f.User.role == Role.ADMIN)))
    update_settings(app_db, admin, {"punch_pass_redemption_enabled": True})
    at = _open(app_db, "Passes")
    assert "Use a punch" in "\n".join(str(m.value) for m in at.markdown)
    at.date_input(key="punch.day").set_value(date(2026, 11, 27)).run()  # Beam Later, Friday
    assert not at.exception
    at.button(key="punch.use").click().run()
    assert not at.exception
    assert "Punch used:" in texts(at)


@pytest.mark.parametrize("allowed", [True, False])
def test_cancel_waitlist_follows_its_setting(app_db: Session, allowed: bool) -> None:
    maya = _family(app_db)
    full = f.gym_class(app_db, app_db.get(f.Location, 1), name="Full Flips", weekday=5, capacity=1)
    f.enroll(
        app_db,
        maya,
        full,
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=1,
        start=date(2026, 11, 20),
    )
    app_db.commit()
    admin = f.guardian_actor(app_db, app_db.scalar(select(f.User).where(f.User.role == Role.ADMIN)))
    update_settings(app_db, admin, {"allow_cancel_waitlist": allowed})
    at = _open(app_db)
    at.toggle(key="students.show_waitlist").set_value(True).run()
    assert not at.exception
    assert "Waitlist position 1" in texts(at)
    cancel = [b for b in at.button if b.label == "Cancel waitlist"]
    assert bool(cancel) is allowed
    if allowed:
        cancel[0].click().run()
        assert not at.exception
        at.button(key=f"waitlist.{cancel[0].key.split('.')[1]}.cancel.confirm").click().run()
        assert not at.exception
        app_db.rollback()
        statuses = app_db.scalars(
            select(Enrollment.status).where(Enrollment.class_id == full.id)
        ).all()
        assert statuses == [EnrollmentStatus.DROPPED]
