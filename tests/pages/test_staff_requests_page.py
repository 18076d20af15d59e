"""The staff request queue: approve applies the change, deny needs a note, guardians never
reach it."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    Family,
    Location,
    ParentRequest,
    RequestStatus,
    Role,
    Student,
)
from services.accounts import auth
from services.classes.drops import drop_enrollment
from services.kernel import paging
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def _pending_drop(db: Session) -> int:
    north = f.location(db, "Northside")
    beam = f.gym_class(db, north, name="Beam Basics", weekday=3, start=time(16, 0))
    fam, _, account = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    enrollment = f.enroll(db, maya, beam)
    f.staff(db, "desk@example.com", [north])
    db.commit()
    parent = auth.build_actor(db, account)
    outcome = drop_enrollment(db, parent, enrollment.id, date(2026, 12, 3))
    assert not outcome.applied
    return enrollment.id


def _queue(db: Session, email: str):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page("../pages/staff_requests.py").run()
    assert not at.exception
    return at


def test_staff_approve_a_drop_and_it_applies(app_db: Session) -> None:
    enrollment_id = _pending_drop(app_db)
    at = _queue(app_db, "desk@example.com")
    request_id = app_db.scalar(select(ParentRequest.id))
    assert "Drop · Maya Garcia" in texts(at) + "\n".join(str(m.value) for m in at.markdown)
    at.button(key=f"queue.{request_id}.approve").click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.get(ParentRequest, request_id).status is RequestStatus.APPLIED
    assert app_db.get(Enrollment, enrollment_id).end_date == date(2026, 12, 2)
    assert "No requests are waiting." in texts(at)


def test_deny_without_a_note_is_refused_and_changes_nothing(app_db: Session) -> None:
    _pending_drop(app_db)
    at = _queue(app_db, "desk@example.com")
    request_id = app_db.scalar(select(ParentRequest.id))
    at.button(key=f"queue.{request_id}.deny").click().run()
    assert not at.exception
    assert "Please tell the family why the request is denied." in [e.value for e in at.error]
    app_db.rollback()
    assert app_db.get(ParentRequest, request_id).status is RequestStatus.PENDING
    at.text_input(key=f"queue.{request_id}.note").input("Class is ending anyway").run()
    at.button(key=f"queue.{request_id}.deny").click().run()
    app_db.rollback()
    request = app_db.get(ParentRequest, request_id)
    assert (request.status, request.staff_note) == (RequestStatus.DENIED, "Class is ending anyway")
    assert app_db.scalar(select(Enrollment.status)) is EnrollmentStatus.ACTIVE


def test_guardians_have_no_request_queue(app_db: Session) -> None:
    _pending_drop(app_db)
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    try:
        at.switch_page("../pages/staff_requests.py")
    except ValueError:
        return
    at.run()
    assert "Approve" not in [b.label for b in at.button]


def test_admin_sees_every_location(app_db: Session) -> None:
    _pending_drop(app_db)
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = _queue(app_db, "owner@example.com")
    assert any(b.label == "Approve" for b in at.button)


def test_a_long_queue_is_shown_a_page_at_a_time(
    app_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    _pending_drop(app_db)
    maya = app_db.scalar(select(Student).where(Student.first_name == "Maya"))
    fam = app_db.get(Family, maya.family_id)
    north = app_db.scalar(select(Location).where(Location.name == "Northside"))
    for name in ("Leo", "Zoe"):
        f.parent_request(app_db, f.student(app_db, fam, name), north)
    app_db.commit()
    at = _queue(app_db, "desk@example.com")
    assert "3 waiting, oldest first · page 1 of 2." in texts(at)
    assert len([b for b in at.button if b.key and b.key.endswith(".approve")]) == 2
    at.number_input(key="queue.page").set_value(2).run()
    assert not at.exception
    assert "page 2 of 2" in texts(at)
    assert len([b for b in at.button if b.key and b.key.endswith(".approve")]) == 1
