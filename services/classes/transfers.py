"""Transfers: the classes a place can move to (transfer_options), moving a place (at once, or a
pending request when requests need approval), and the staff step that applies a transfer
request, checking the seat again under the class lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Level,
    Location,
    ParentRequest,
    Program,
    RequestKind,
    RequestStatus,
)
from services.classes.capacity import bookings, require_seat
from services.classes.enrollment_changes import (
    ChangeOutcome,
    _applies_now,
    _class_date,
    _classes_of,
    _end,
    _Held,
    _held,
    _held_for_request,
    _lock,
    _record,
    _refuse_pending,
    _require_no_end_yet,
    _require_not_in_class,
    _require_switch,
    _say_date,
    _upcoming,
    _visible_class,
)
from services.classes.enrollments import _class_fields
from services.families.requests import clean_note
from services.kernel import clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.closure_days import closed_days
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

CLASS_FULL = "class full"
ALREADY_IN_CLASS = "already in this class or on its waitlist"


@dataclass(frozen=True)
class TransferOption:
    class_id: int
    class_name: str
    program: str
    level: str
    weekday: int
    weekday_name: str
    start_time: time
    end_time: time
    instructor: str
    location_id: int
    location_name: str
    start_dates: tuple[date, ...]  # class dates a transfer can start on
    seats_left: int  # counted at the first of `start_dates`
    available: bool
    reason: str | None  # why not: CLASS_FULL or ALREADY_IN_CLASS


@dataclass(frozen=True)
class _Move:
    held: _Held
    target: GymClass
    day: date


def transfer_options(
    db: Session, actor: Actor, enrollment_id: object, location_id: object
) -> list[TransferOption]:
    """Classes of the same program at a location that still meet, full ones included with
    their reason; start dates skip days the location is closed. Eleven queries, however many
    classes the location has."""
    settings = get_settings(db)
    _require_switch(actor, settings.allow_transfer, "Moving to another class")
    held = _held(db, actor, enrollment_id)
    require_id(location_id, "location")
    if actor.is_staff:
        require_location(actor, location_id)
    _require_transferable(held)
    place = db.execute(
        select(Location.name, Location.timezone).where(
            Location.id == location_id, Location.is_active.is_(True)
        )
    ).one_or_none()
    if place is None:
        raise NotFound("location")
    today = clock.today_in(place.timezone)
    rows = db.execute(
        select(GymClass, Program.name.label("program"), Level.name.label("level"))
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .where(
            GymClass.location_id == location_id,
            GymClass.program_id == held.cls.program_id,
            GymClass.id != held.cls.id,
            GymClass.is_active.is_(True),
            Program.is_active.is_(True),
            Level.is_active.is_(True),
            GymClass.term_end >= today,
        )
        .order_by(Level.position, GymClass.weekday, GymClass.start_time, GymClass.name, GymClass.id)
    ).all()
    last = max((row.GymClass.term_end for row in rows), default=today)
    closed = closed_days(db, [location_id], today, last)
    dates = {
        row.GymClass.id: [
            day
            for day in _upcoming(slot_of(row.GymClass, place.timezone), today, date.max)
            if not closed.closed(location_id, day)
        ]
        for row in rows
    }
    starts = {class_id: days[0] for class_id, days in dates.items() if days}
    booked = bookings(db, [row.GymClass for row in rows], today, with_absences=False)
    mine = _classes_of(db, held.student.id, list(starts))
    options = []
    for row in rows:
        cls = row.GymClass
        if cls.id not in starts:
            continue
        seats = booked[cls.id].open_from(starts[cls.id])
        reason = ALREADY_IN_CLASS if cls.id in mine else CLASS_FULL if seats <= 0 else None
        options.append(
            TransferOption(
                **_class_fields(cls, row.program, row.level, place.name),
                start_dates=tuple(dates[cls.id]),
                seats_left=seats,
                available=reason is None,
                reason=reason,
            )
        )
    return options


def transfer_enrollment(
    db: Session,
    actor: Actor,
    enrollment_id: object,
    target_class_id: object,
    effective_date: object,
    *,
    note: object = "",
) -> ChangeOutcome:
    """Setting allow_transfer (parents); with requests_need_approval a pending TRANSFER
    request (the seat is checked now and again at approval, not held in between)."""
    parent_note = clean_note(note)
    require_id(target_class_id, "class")
    with write_transaction(db):
        settings = get_settings(db)
        _require_switch(actor, settings.allow_transfer, "Moving to another class")
        move = _plan_move(
            db, actor, _held(db, actor, enrollment_id), target_class_id, effective_date
        )
        held, day = move.held, move.day
        names = f"{held.student.first_name} from {held.cls.name} to {move.target.name}"
        if not _applies_now(actor, settings):
            request = _record(
                db, actor, held, RequestKind.TRANSFER, day=day, target=move.target, note=parent_note
            )
            return ChangeOutcome(
                False,
                request.id,
                f"Your request to move {names} from {_say_date(day)} is waiting for staff.",
            )
        new_id = _apply_move(db, actor, move)
        request = _record(
            db,
            actor,
            held,
            RequestKind.TRANSFER,
            RequestStatus.APPLIED,
            day=day,
            target=move.target,
            note=parent_note,
        )
        return ChangeOutcome(True, request.id, f"Moved {names}, starting {_say_date(day)}.", new_id)


def apply_transfer_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """The approval step for a transfer request (staff; inside decide_request). The seat is
    checked again under the class lock, so a class that filled up meanwhile refuses."""
    require_staff(actor)
    if request.target_class_id is None:
        raise NotFound("class")
    held = _held_for_request(db, actor, request, lock=False)
    _apply_move(
        db, actor, _plan_move(db, actor, held, request.target_class_id, request.effective_date)
    )


def _require_transferable(held: _Held) -> None:
    e = held.enrollment
    if e.status is not EnrollmentStatus.ACTIVE or e.type is not EnrollmentType.REGULAR:
        raise ValidationError("Only a current regular class place can be moved.")
    _require_no_end_yet(e)


def _plan_move(
    db: Session, actor: Actor, held: _Held, target_class_id: object, effective_date: object
) -> _Move:
    """Lock both classes (in id order: no deadlock) and check every rule of a transfer."""
    target, slot = _visible_class(db, actor, target_class_id)
    _lock(db, held, target.id)
    _require_transferable(held)
    if target.id == held.cls.id:
        raise ValidationError("Choose a different class to move to.")
    if target.program_id != held.cls.program_id:
        raise ValidationError("A class can only be swapped for another class of its program.")
    day = _class_date(db, held, target, slot, effective_date)
    _refuse_pending(db, held.enrollment.id)
    _require_not_in_class(db, held.student, target, clock.today_in(slot.timezone))
    full = "That class is full. You can join its waitlist instead."
    require_seat(db, target.id, day, ongoing=True, full=full)
    return _Move(held, target, day)


def _apply_move(db: Session, actor: Actor, move: _Move) -> int:
    """The new place starts on the effective date; the old one ends the day before."""
    new = Enrollment(
        student_id=move.held.student.id,
        class_id=move.target.id,
        type=EnrollmentType.REGULAR,
        status=EnrollmentStatus.ACTIVE,
        start_date=move.day,
        created_at=clock.now(),
    )
    db.add(new)
    db.flush()
    _end(db, actor, move.held, move.day, EnrollmentStatus.TRANSFERRED, moved_to=new.id)
    return new.id
