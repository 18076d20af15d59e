"""A student's scheduled absences: listing those whose meeting has not started, and cancelling
one before it starts. Cancelling withdraws an unused token the absence earned (a booked or used
one refuses it) and notes the cancellation on the report's tracker entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased

from data.models import (
    Enrollment,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Location,
    MakeupToken,
    ParentRequest,
    RequestKind,
    RequestStatus,
    TokenState,
)
from services.families.requests import add_event
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.lookups import slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import WEEKDAY_NAMES, meeting_start
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.absences_by_dates import MAX_SPAN, _require_absences
from services.makeups.class_records import class_record_in_reach, seen_locations
from services.makeups.wording import short_day

USED_STATES = (TokenState.PENDING, TokenState.SPENT)


@dataclass(frozen=True)
class AbsenceView:
    id: int
    student_id: int
    class_id: int
    class_name: str
    class_date: date
    weekday_name: str
    start_time: time
    end_time: time
    location_name: str
    is_makeup_visit: bool
    reason: str
    token_id: int | None  # the token this absence earned, if any
    token_state: str | None
    can_cancel: bool
    why_not: str | None  # why it cannot be cancelled


def future_absences(db: Session, actor: Actor, student_id: int) -> list[AbsenceView]:
    """The student's scheduled absences whose meeting has not started, soonest first."""
    require_id(student_id, "student")
    _require_absences(actor, get_settings(db))
    student = student_in_reach(db, actor, student_id)
    booked = aliased(Enrollment)
    query = (
        select(
            FutureAbsence.id,
            FutureAbsence.class_date,
            FutureAbsence.reason,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
            Enrollment.type.label("enrollment_type"),
            MakeupToken.id.label("token_id"),
            MakeupToken.state.label("token_state"),
            booked.start_date.label("makeup_date"),
        )
        .join(GymClass, GymClass.id == FutureAbsence.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .outerjoin(Enrollment, Enrollment.id == FutureAbsence.enrollment_id)
        .outerjoin(MakeupToken, MakeupToken.source_absence_id == FutureAbsence.id)
        .outerjoin(booked, booked.id == MakeupToken.makeup_enrollment_id)
        .where(
            FutureAbsence.student_id == student.id,
            FutureAbsence.cancelled_at.is_(None),
            # Narrowed in SQL around UTC's today; each meeting's own start decides below.
            FutureAbsence.class_date >= clock.today_in("UTC") - timedelta(days=1),
        )
        .order_by(FutureAbsence.class_date, GymClass.start_time, FutureAbsence.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    now = clock.now()
    views = []
    for row in db.execute(query):
        slot = slot_of(row.GymClass, row.timezone)
        if meeting_start(slot, row.class_date) <= now:
            continue
        why_not = _token_in_use(row.token_state, row.makeup_date)
        views.append(
            AbsenceView(
                id=row.id,
                student_id=student.id,
                class_id=row.GymClass.id,
                class_name=row.GymClass.name,
                class_date=row.class_date,
                weekday_name=WEEKDAY_NAMES[row.class_date.weekday()],
                start_time=slot.start_time,
                end_time=slot.end_time,
                location_name=row.location_name,
                is_makeup_visit=row.enrollment_type is EnrollmentType.MAKEUP,
                reason=row.reason,
                token_id=row.token_id,
                token_state=row.token_state.value if row.token_state else None,
                can_cancel=why_not is None,
                why_not=why_not,
            )
        )
    return views


def cancel_absence(db: Session, actor: Actor, absence_id: int) -> None:
    """Take back an absence before its meeting starts. A token it earned is withdrawn (deleted:
    it was never owed; the audit log keeps the facts) unless it is already booked or used."""
    require_id(absence_id, "absence")
    _require_absences(actor, get_settings(db))
    with write_transaction(db):
        row = class_record_in_reach(db, actor, FutureAbsence, absence_id, "absence")
        absence: FutureAbsence = row.FutureAbsence
        name, day = row.GymClass.name, absence.class_date
        if absence.cancelled_at is not None:
            raise ValidationError("That absence was already cancelled.")
        if meeting_start(slot_of(row.GymClass, row.timezone), day) <= clock.now():
            raise ValidationError(
                f"{name} on {short_day(day)} has already started; its absence stays on record."
            )
        token_id = _withdraw_token(db, absence.id)
        cancelled = db.execute(
            update(FutureAbsence)
            .where(FutureAbsence.id == absence.id, FutureAbsence.cancelled_at.is_(None))
            .values(cancelled_at=clock.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        if cancelled != 1:
            raise ValidationError("That absence was already cancelled.")
        _untrack(db, actor, absence, f"{name} on {short_day(day)} will not be missed after all.")
        audit.record(
            db,
            actor,
            "absence.cancelled",
            entity="future_absence",
            entity_id=absence.id,
            family_id=row.family_id,
            details={"withdrawn_token_id": token_id},
        )


def _token_in_use(state: TokenState | None, makeup_date: date | None) -> str | None:
    if state is TokenState.PENDING and makeup_date is not None:
        return f"Its makeup token is booked for {short_day(makeup_date)}; cancel that makeup first."
    if state in USED_STATES:
        return "Its makeup token has already been used."
    return None


def _withdraw_token(db: Session, absence_id: int) -> int | None:
    """Delete the unused token the absence earned; refuse when it is booked or spent."""
    booked = aliased(Enrollment)
    token = db.execute(
        select(MakeupToken.id, MakeupToken.state, booked.start_date)
        .outerjoin(booked, booked.id == MakeupToken.makeup_enrollment_id)
        .where(MakeupToken.source_absence_id == absence_id)
    ).first()
    if token is None:
        return None
    in_use = _token_in_use(token.state, token.start_date)
    if in_use:
        raise ValidationError(f"This absence cannot be cancelled. {in_use}")
    deleted = db.execute(
        delete(MakeupToken)
        .where(
            MakeupToken.id == token.id,
            MakeupToken.state.in_((TokenState.AVAILABLE, TokenState.EXPIRED)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if deleted != 1:
        raise ValidationError(
            "The makeup token from this absence was just booked; cancel that makeup first."
        )
    return token.id


def _untrack(db: Session, actor: Actor, absence: FutureAbsence, note: str) -> None:
    """Note the cancellation on the report's tracker entry; cancel it once nothing is left."""
    candidates = db.scalars(
        select(ParentRequest)
        .where(
            ParentRequest.student_id == absence.student_id,
            ParentRequest.kind == RequestKind.ABSENCE,
            ParentRequest.status == RequestStatus.APPLIED,
            ParentRequest.effective_date <= absence.class_date,
            ParentRequest.effective_date >= absence.class_date - MAX_SPAN - timedelta(days=1),
        )
        .execution_options(populate_existing=True)
    )
    request = next(
        (r for r in candidates if absence.id in (r.details or {}).get("absence_ids", [])), None
    )
    if request is None:
        return
    remaining = db.scalar(
        select(func.count())
        .select_from(FutureAbsence)
        .where(
            FutureAbsence.id.in_(request.details["absence_ids"]),
            FutureAbsence.cancelled_at.is_(None),
        )
    )
    status = RequestStatus.APPLIED if remaining else RequestStatus.CANCELLED
    request.status = status
    add_event(db, actor, request, status, note)
