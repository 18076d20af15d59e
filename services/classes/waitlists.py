"""Waitlists: join a full class's waitlist, cancel a waitlist place (always at once: it frees
nothing and needs no approval), and the staff step that applies a cancel-waitlist request."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    ParentRequest,
    RequestKind,
    RequestStatus,
)
from services.classes.capacity import lock_class, open_seats_from
from services.classes.enrollment_changes import (
    ChangeOutcome,
    _audit,
    _claim,
    _Held,
    _held,
    _held_for_request,
    _lock,
    _open_class_days,
    _record,
    _refuse_pending,
    _require_not_in_class,
    _require_switch,
    _visible_class,
)
from services.classes.enrollments import EnrollmentView, _views
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.errors import ValidationError
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id


def cancel_waitlist(db: Session, actor: Actor, enrollment_id: object) -> ChangeOutcome:
    """Setting allow_cancel_waitlist (parents). Always applies at once."""
    with write_transaction(db):
        settings = get_settings(db)
        _require_switch(actor, settings.allow_cancel_waitlist, "Cancelling a waitlist place")
        held = _held(db, actor, enrollment_id)
        _lock(db, held)
        _refuse_pending(db, held.enrollment.id)
        _leave_waitlist(db, actor, held)
        request = _record(db, actor, held, RequestKind.CANCEL_WAITLIST, RequestStatus.APPLIED)
        return ChangeOutcome(
            True,
            request.id,
            f"{held.student.first_name} is off the waitlist for {held.cls.name}.",
        )


def apply_cancel_waitlist_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """The approval step for a cancel-waitlist request (staff; inside decide_request)."""
    require_staff(actor)
    _leave_waitlist(db, actor, _held_for_request(db, actor, request))


def _leave_waitlist(db: Session, actor: Actor, held: _Held) -> None:
    """The place ends today; everyone behind it moves up one (caller holds the class lock)."""
    e = held.enrollment
    position = e.waitlist_position
    if e.status is not EnrollmentStatus.WAITLISTED or position is None:
        raise ValidationError(f"{held.student.first_name} is not on this waitlist.")
    _audit(db, actor, held, "enrollment.waitlist_cancelled", position=position)
    _claim(
        db,
        e,
        Enrollment.status == EnrollmentStatus.WAITLISTED,
        status=EnrollmentStatus.DROPPED,
        waitlist_position=None,
        end_date=max(held.today, e.start_date),
    )
    db.execute(
        update(Enrollment)
        .where(
            Enrollment.class_id == held.cls.id,
            Enrollment.status == EnrollmentStatus.WAITLISTED,
            Enrollment.waitlist_position > position,
        )
        .values(waitlist_position=Enrollment.waitlist_position - 1)
        .execution_options(synchronize_session=False)
    )


def join_waitlist(
    db: Session, actor: Actor, student_id: object, class_id: object
) -> EnrollmentView:
    """Put the student at the end of a full class's waitlist (a class with seats has none).
    No portal switch governs it; the place starts today, the day it was asked for."""
    require_id(class_id, "class")
    with write_transaction(db, conflict="That student is already in that class or on its list."):
        student = student_in_reach(db, actor, student_id)
        cls, slot = _visible_class(db, actor, class_id)
        lock_class(db, cls.id)
        first, today = student.first_name, clock.today_in(slot.timezone)
        days = _open_class_days(cls, slot, today, slot.term_end)
        if not student.is_active:
            raise ValidationError(f"{first} is not an active student.")
        _require_not_in_class(db, student, cls, today)
        if open_seats_from(db, cls, days[0]) > 0:
            raise ValidationError("That class still has open seats, so it has no waitlist.")
        last = db.scalar(
            select(func.max(Enrollment.waitlist_position)).where(
                Enrollment.class_id == cls.id, Enrollment.status == EnrollmentStatus.WAITLISTED
            )
        )
        place = Enrollment(
            student_id=student.id,
            class_id=cls.id,
            type=EnrollmentType.REGULAR,
            status=EnrollmentStatus.WAITLISTED,
            start_date=today,
            waitlist_position=(last or 0) + 1,
            created_at=clock.now(),
        )
        db.add(place)
        db.flush()
        place_id = place.id
        audit.record(
            db,
            actor,
            "enrollment.waitlist_joined",
            entity="enrollment",
            entity_id=place.id,
            family_id=student.family_id,
            details={"class_id": cls.id, "position": place.waitlist_position},
        )
    return _views(db, actor, Enrollment.id == place_id)[0][0]
