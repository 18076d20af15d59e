"""Makeup requests to staff when tokens are off: the meetings a request for a missed meeting can
ask for, asking (a pending MAKEUP request, one per missed meeting), and staff approving it
(services.desk.request_decisions).

Settings: `makeup_requests_enabled` (with `makeup_tokens_enabled` off) refuses guardians only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    GymClass,
    Location,
    ParentRequest,
    RequestKind,
    Student,
)
from services.classes.capacity import ONGOING_TYPES, lock_class
from services.families.requests import OPEN_STATUSES, clean_note, open_request
from services.kernel import audit, clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import class_with_slot, slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import meets_on
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.class_records import seen_locations
from services.makeups.makeup_meetings import (
    MakeupOption,
    _add_visit,
    _Limits,
    _options,
    _require_bookable,
    _require_weeks,
)
from services.makeups.wording import require_day, short_day


def makeup_request_options(
    db: Session,
    actor: Actor,
    student_id: int,
    missed_class_id: int,
    missed_date: date,
    *,
    weeks: int | None = None,
) -> list[MakeupOption]:
    """Meetings a makeup request for that missed meeting can ask for: classes of the same
    program and level at the same location, within the booking window (or `weeks`)."""
    require_id(student_id, "student")
    require_id(missed_class_id, "class")
    day = require_day(missed_date, "date of the missed class")
    _require_weeks(weeks)
    settings = _require_requests(db, actor)
    student = student_in_reach(db, actor, student_id)
    missed = _missed_meeting(db, actor, student, missed_class_id, day, settings)
    limits = _Limits(clock.today_in(missed.timezone), settings.makeup_booking_window_days, None)
    last = limits.today + timedelta(weeks=weeks) if weeks else limits.window_end
    cls: GymClass = missed.GymClass
    levels = {(cls.program_id, cls.level_id)}
    return _options(db, student.id, student.first_name, cls.location_id, levels, last, limits)


def request_makeup(
    db: Session,
    actor: Actor,
    student_id: int,
    missed_class_id: int,
    missed_date: date,
    desired_class_id: int,
    desired_date: date,
    note: str,
) -> int:
    """Ask staff for a makeup visit (a pending MAKEUP request); the request's id."""
    require_id(student_id, "student")
    require_id(missed_class_id, "class")
    require_id(desired_class_id, "class")
    missed_day = require_day(missed_date, "date of the missed class")
    desired_day = require_day(desired_date, "date of the makeup")
    parent_note = clean_note(note)
    settings = _require_requests(db, actor)
    with write_transaction(db):
        student = student_in_reach(db, actor, student_id)
        missed = _missed_meeting(db, actor, student, missed_class_id, missed_day, settings)
        missed_cls: GymClass = missed.GymClass
        cls, slot = class_with_slot(db, desired_class_id)
        if cls.location_id != missed_cls.location_id:
            raise ValidationError(
                f"Choose a class at {missed.location_name}, where {student.first_name} "
                "missed class."
            )
        if (cls.program_id, cls.level_id) != (missed_cls.program_id, missed_cls.level_id):
            raise ValidationError("Choose a class of the same program and level as the missed one.")
        limits = _Limits(clock.today_in(slot.timezone), settings.makeup_booking_window_days, None)
        _require_bookable(db, cls, slot, desired_day, student.id, student.first_name, limits)
        details = {
            "missed_class_id": missed_cls.id,
            "missed_class_name": missed_cls.name,
            "missed_date": missed_day.isoformat(),
            "class_date": desired_day.isoformat(),
        }
        _refuse_repeat(db, student, details)
        request = open_request(
            db,
            actor,
            kind=RequestKind.MAKEUP,
            student=student,
            location_id=cls.location_id,
            enrollment_id=missed.id,
            target_class_id=cls.id,
            effective_date=desired_day,
            details=details,
            parent_note=parent_note,
        )
        return request.id


def apply_makeup_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """Staff approving a makeup request: add the makeup visit under the class lock. Runs inside
    the deciding service's transaction (services.desk.request_decisions), which commits."""
    require_staff(actor)
    if not isinstance(request, ParentRequest) or request.kind is not RequestKind.MAKEUP:
        raise ValidationError("That is not a makeup request.")
    require_location(actor, request.location_id)
    if request.target_class_id is None or request.effective_date is None:
        raise ValidationError("The request does not name the class and date of the makeup.")
    if lock_class(db, request.target_class_id) is None:
        raise NotFound("class")
    cls, slot = class_with_slot(db, request.target_class_id)
    day = request.effective_date
    student = db.get(Student, request.student_id)
    if student is None:
        raise NotFound("student")
    window = get_settings(db).makeup_booking_window_days
    limits = _Limits(clock.today_in(slot.timezone), window, None)
    _require_bookable(db, cls, slot, day, student.id, student.first_name, limits, by_staff=True)
    visit = _add_visit(db, student.id, student.first_name, cls, day)
    audit.record(
        db,
        actor,
        "makeup.request_applied",
        entity="parent_request",
        entity_id=request.id,
        family_id=student.family_id,
        details={"enrollment_id": visit.id},
    )


def _require_requests(db: Session, actor: Actor) -> PortalSettings:
    settings = get_settings(db)
    if actor.is_guardian and (
        settings.makeup_tokens_enabled or not settings.makeup_requests_enabled
    ):
        raise FeatureDisabled("Makeup requests are switched off.")
    return settings


def _missed_meeting(
    db: Session,
    actor: Actor,
    student: Student,
    class_id: int,
    day: date,
    settings: PortalSettings,
) -> Row[Any]:
    """The enrollment (current or past) that had the student in that class on that day."""
    query = (
        select(
            Enrollment.id,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Enrollment.student_id == student.id,
            Enrollment.class_id == class_id,
            Enrollment.type.in_(ONGOING_TYPES),
            Enrollment.status != EnrollmentStatus.WAITLISTED,
            Enrollment.start_date <= day,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
        )
        .order_by(Enrollment.start_date.desc())
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    row = db.execute(query).first()
    if row is None:
        raise ValidationError(f"{student.first_name} was not in that class on {short_day(day)}.")
    if not meets_on(slot_of(row.GymClass, row.timezone), day):
        raise ValidationError(f"{row.GymClass.name} does not meet on {short_day(day)}.")
    oldest = clock.today_in(row.timezone) - timedelta(days=settings.makeup_token_expiry_days)
    if day < oldest:
        raise ValidationError(
            "A makeup can be asked for a class missed in the last "
            f"{settings.makeup_token_expiry_days} days."
        )
    return row


def _refuse_repeat(db: Session, student: Student, details: dict[str, Any]) -> None:
    """One open request per missed meeting."""
    open_ones: Iterable[dict[str, Any]] = db.scalars(
        select(ParentRequest.details).where(
            ParentRequest.student_id == student.id,
            ParentRequest.kind == RequestKind.MAKEUP,
            ParentRequest.status.in_(OPEN_STATUSES),
        )
    )
    keys = ("missed_class_id", "missed_date")
    if any(all((d or {}).get(k) == details[k] for k in keys) for d in open_ones):
        raise ValidationError(
            f"{student.first_name} already has an open makeup request for that class."
        )
