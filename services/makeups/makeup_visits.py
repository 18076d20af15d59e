"""Booking and cancelling a makeup visit with a token.

Booking flips the token to PENDING with a conditional UPDATE (so it is redeemed at most once,
by its family, before expiry, at its location) while the class row is locked for the seat
count. A token books a class of the same program and level as the class it came from (its
source absence's class); a token with no source absence (a cancelled class, a goodwill token)
matches the program and level of any of the student's current classes at its location.
Cancelling before the cutoff (`makeup_notice_hours` before the meeting, for everyone) returns
the token.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    MakeupToken,
    TokenState,
)
from services.classes.capacity import ONGOING_TYPES, lock_class
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.lookups import class_with_slot
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.class_records import class_record_in_reach, meeting_times
from services.makeups.makeup_meetings import (
    MakeupOption,
    _add_visit,
    _Limits,
    _options,
    _require_bookable,
    _require_weeks,
)
from services.makeups.tokens import (
    TokenView,
    _require_tokens,
    _require_usable,
    _token_in_reach,
    _token_view,
)
from services.makeups.wording import clock_time, require_day, short_day


def makeup_options(
    db: Session, actor: Actor, token_id: int, *, weeks: int | None = None
) -> list[MakeupOption]:
    """Meetings the token can book, soonest first: from tomorrow to the end of the booking
    window or the token's expiry. With `weeks`, the next `weeks` weeks are listed and meetings
    beyond the window or the expiry come back unbookable, saying why."""
    require_id(token_id, "makeup token")
    _require_weeks(weeks)
    settings = _require_tokens(db, actor)
    token = _token_in_reach(db, actor, token_id)
    today = clock.today_in(token.timezone)
    _require_usable(token, today)
    limits = _Limits(today, settings.makeup_booking_window_days, token.expires_on)
    last = today + timedelta(weeks=weeks) if weeks else min(limits.window_end, token.expires_on)
    return _options(
        db,
        token.student_id,
        token.first_name,
        token.location_id,
        _levels_for(db, token, today),
        last,
        limits,
    )


def book_makeup(
    db: Session, actor: Actor, token_id: int, class_id: int, class_date: date
) -> TokenView:
    """Book a makeup visit with a token; the token becomes pending."""
    require_id(token_id, "makeup token")
    require_id(class_id, "class")
    day = require_day(class_date, "date of the class")
    settings = _require_tokens(db, actor)
    with write_transaction(db):
        token = _token_in_reach(db, actor, token_id)
        cls, slot = class_with_slot(db, class_id)
        if cls.location_id != token.location_id:
            raise ValidationError(f"This token can only be used at {token.location_name}.")
        lock_class(db, cls.id)
        today = clock.today_in(token.timezone)
        _require_usable(token, today)
        if (cls.program_id, cls.level_id) not in _levels_for(db, token, today):
            raise ValidationError(
                "A makeup must be in a class of the same program and level as the class "
                "the token came from."
            )
        limits = _Limits(today, settings.makeup_booking_window_days, token.expires_on)
        _require_bookable(db, cls, slot, day, token.student_id, token.first_name, limits)
        enrollment = _add_visit(db, token.student_id, token.first_name, cls, day)
        taken = db.execute(
            update(MakeupToken)
            .where(
                MakeupToken.id == token.id,
                MakeupToken.family_id == token.family_id,
                MakeupToken.location_id == cls.location_id,
                MakeupToken.state == TokenState.AVAILABLE,
                MakeupToken.expires_on >= max(day, today),
            )
            .values(
                state=TokenState.PENDING,
                makeup_enrollment_id=enrollment.id,
                redeemed_at=clock.now(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise ValidationError(
                "This token was just used for another makeup; refresh the page to see it."
            )
        audit.record(
            db,
            actor,
            "makeup.booked",
            entity="makeup_token",
            entity_id=token.id,
            family_id=token.family_id,
            details={"enrollment_id": enrollment.id, "class_id": cls.id, "date": day.isoformat()},
        )
    return _token_view(db, token.id)


def cancel_makeup(db: Session, actor: Actor, enrollment_id: int) -> TokenView:
    """Cancel a booked makeup before its cutoff (the meeting's start minus the notice hours);
    its token becomes available again."""
    require_id(enrollment_id, "makeup")
    settings = _require_tokens(db, actor)
    with write_transaction(db):
        row = class_record_in_reach(db, actor, Enrollment, enrollment_id, "makeup")
        visit: Enrollment = row.Enrollment
        if visit.type is not EnrollmentType.MAKEUP:
            raise ValidationError("That enrollment is not a makeup visit.")
        if visit.status is not EnrollmentStatus.ACTIVE:
            raise ValidationError("That makeup is already cancelled.")
        token_id = db.scalar(
            select(MakeupToken.id).where(MakeupToken.makeup_enrollment_id == visit.id)
        )
        if token_id is None:
            raise ValidationError(
                "This makeup was arranged by the front desk; please ask them to change it."
            )
        starts, _ = meeting_times(row.GymClass, row.timezone, visit.start_date)
        if clock.now() >= starts - timedelta(hours=settings.makeup_notice_hours):
            raise ValidationError(
                f"A makeup can be cancelled until {settings.makeup_notice_hours} hours before "
                f"class; this one starts {short_day(visit.start_date)} at "
                f"{clock_time(row.GymClass.start_time)}."
            )
        _return_token(db, visit, token_id)
        audit.record(
            db,
            actor,
            "makeup.cancelled",
            entity="makeup_token",
            entity_id=token_id,
            family_id=row.family_id,
            details={"enrollment_id": visit.id},
        )
    return _token_view(db, token_id)


def _return_token(db: Session, visit: Enrollment, token_id: int) -> None:
    """Drop the visit, give its token back and clear an absence reported for it."""
    dropped = db.execute(
        update(Enrollment)
        .where(
            Enrollment.id == visit.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type == EnrollmentType.MAKEUP,
        )
        .values(status=EnrollmentStatus.DROPPED, end_date=visit.start_date)
        .execution_options(synchronize_session=False)
    ).rowcount
    if dropped != 1:
        raise ValidationError("That makeup is already cancelled.")
    returned = db.execute(
        update(MakeupToken)
        .where(
            MakeupToken.id == token_id,
            MakeupToken.makeup_enrollment_id == visit.id,
            MakeupToken.state == TokenState.PENDING,
        )
        .values(state=TokenState.AVAILABLE, makeup_enrollment_id=None, redeemed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if returned != 1:
        raise ValidationError("This makeup's token has already been used.")
    db.execute(
        update(FutureAbsence)
        .where(FutureAbsence.enrollment_id == visit.id, FutureAbsence.cancelled_at.is_(None))
        .values(cancelled_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _levels_for(db: Session, token: Row[Any], today: date) -> set[tuple[int, int]]:
    """The (program, level) pairs the token can book: its source class's, else those of the
    student's current classes at the token's location."""
    if token.source_absence_id is not None:
        source = db.execute(
            select(GymClass.program_id, GymClass.level_id)
            .join(FutureAbsence, FutureAbsence.class_id == GymClass.id)
            .where(FutureAbsence.id == token.source_absence_id)
        ).first()
        if source is not None:
            return {(source.program_id, source.level_id)}
    current = db.execute(
        select(GymClass.program_id, GymClass.level_id)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .where(
            Enrollment.student_id == token.student_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(ONGOING_TYPES),
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today),
            GymClass.location_id == token.location_id,
        )
    ).all()
    if not current:
        raise ValidationError(
            f"{token.first_name} has no current class at {token.location_name} to match a "
            "makeup to; please ask the front desk."
        )
    return {(row.program_id, row.level_id) for row in current}
