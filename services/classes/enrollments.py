"""A student's enrollments and the changes a family can make: cancel or join a waitlist, drop,
transfer.

Rules (recorded in the lead's docs/decisions.md; see the module's tests for each):
- Guardians reach their own family; staff the classes at their locations; admins all.
- The portal switches (allow cancel waitlist / drop / transfer) and "requests need approval"
  govern parents. Staff acting at the desk are the approvers, so their changes apply at once.
- A drop or transfer with effective date D ends the enrollment on D − 1 (classes before D are
  kept; tuition stops on D). While the student still has classes before D the enrollment stays
  ACTIVE with that end date, so it keeps its seat and its roster line;
  services.classes.ended_enrollments
  marks it dropped/transferred once the end date has passed. An end
  never precedes a start: a change effective on or before the first class ends it on its start
  date and marks it at once (the student never attends).
- Cancelling a waitlist place always applies at once (it frees nothing and needs no approval);
  the place ends today and everyone behind it moves up one.
- One pending drop / transfer / waitlist request per enrollment; while it waits, nothing else
  can change that enrollment (withdraw the request first). Once a drop or transfer has set a
  regular place's end date, the place cannot be dropped or moved again online.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select, update
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
    Student,
)
from services.classes.capacity import (
    ONGOING_TYPES,
    bookings,
    lock_class,
    open_seats_from,
    require_seat,
)
from services.classes.ended_enrollments import make_way_back
from services.families.requests import clean_note, open_request
from services.kernel import audit, clock
from services.kernel.access import Actor, can_see_location, require_location, require_staff
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import class_with_slot, enrollment_for, slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import (
    WEEKDAY_NAMES,
    WeeklySlot,
    meeting_dates,
    meeting_start,
    meets_on,
)
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import CLASH, write_transaction
from services.kernel.validation import require_id

CHANGE_KINDS = (RequestKind.DROP, RequestKind.TRANSFER, RequestKind.CANCEL_WAITLIST)
CLASS_FULL = "class full"
ALREADY_IN_CLASS = "already in this class or on its waitlist"
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class EnrollmentView:
    id: int
    class_id: int
    class_name: str
    program: str
    level: str
    weekday: int  # 0 = Monday
    weekday_name: str
    start_time: time  # wall-clock time at the location
    end_time: time
    location_id: int
    location_name: str
    instructor: str
    start_date: date  # a makeup visit's class date
    end_date: date | None  # last day in the class, inclusive
    type: str  # EnrollmentType value
    status: str  # EnrollmentStatus value
    waitlist_position: int | None
    pending_request: str | None  # kind of a pending drop / transfer / cancel-waitlist request
    pending_request_id: int | None


@dataclass(frozen=True)
class StudentEnrollments:
    student_id: int
    student_name: str
    current: tuple[EnrollmentView, ...]  # classes now and later, upcoming makeup visits
    waitlisted: tuple[EnrollmentView, ...]
    past: tuple[EnrollmentView, ...]  # newest first


@dataclass(frozen=True)
class ChangeOutcome:
    applied: bool  # False: a request now waits for staff
    request_id: int | None  # the request the tracker shows (pending or applied)
    message: str
    enrollment_id: int | None = None  # the new enrollment a transfer created


@dataclass(frozen=True)
class DropPreview:
    enrollment_id: int
    student_name: str
    class_name: str
    effective_date: date  # the first class removed; tuition stops on this date
    tuition_stops_on: date
    last_class: date | None  # the last class kept (None: the student never attends)
    removed_dates: tuple[date, ...]
    choices: tuple[date, ...]  # the effective dates the family may choose
    applies_now: bool  # False: confirming sends a request to staff
    summary: str


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
class _Held:
    """An enrollment the actor may change, with its class and the class's today."""

    enrollment: Enrollment
    cls: GymClass
    slot: WeeklySlot
    student: Student
    today: date


@dataclass(frozen=True)
class _Move:
    held: _Held
    target: GymClass
    day: date


# Reading


def student_enrollments(db: Session, actor: Actor, student_id: object) -> StudentEnrollments:
    """Three queries for a guardian. Staff reach students whose family is seen at one of their
    locations (services.families.students) and see the enrollments at those locations only."""
    student = student_in_reach(db, actor, student_id)
    rows = _views(db, actor, Enrollment.student_id == student.id)
    buckets: dict[str, list[EnrollmentView]] = defaultdict(list)
    for view, today in rows:
        buckets[_bucket(view, today)].append(view)
    return StudentEnrollments(
        student_id=student.id,
        student_name=f"{student.first_name} {student.last_name}",
        current=tuple(sorted(buckets["current"], key=_current_order)),
        waitlisted=tuple(sorted(buckets["waitlisted"], key=_slot_order)),
        past=tuple(sorted(buckets["past"], key=_past_order, reverse=True)),
    )


def _bucket(view: EnrollmentView, today: date) -> str:
    if view.status == EnrollmentStatus.WAITLISTED:
        return "waitlisted"
    if view.status != EnrollmentStatus.ACTIVE:
        return "past"
    if view.type == EnrollmentType.MAKEUP:
        return "current" if view.start_date >= today else "past"
    return "current" if view.end_date is None or view.end_date >= today else "past"


def _slot_order(view: EnrollmentView) -> tuple[Any, ...]:
    return (view.weekday, view.start_time, view.class_name, view.id)


def _current_order(view: EnrollmentView) -> tuple[Any, ...]:
    """Weekly classes by day and time, then makeup visits by date."""
    visit = view.type == EnrollmentType.MAKEUP
    return (visit, view.start_date if visit else date.min, *_slot_order(view))


def _past_order(view: EnrollmentView) -> tuple[Any, ...]:
    return (view.end_date or view.start_date, view.id)


def _views(
    db: Session, actor: Actor, *where: ColumnElement[bool]
) -> list[tuple[EnrollmentView, date]]:
    """Enrollments with their class facts and pending change, each with its location's today."""
    query = (
        select(
            Enrollment,
            GymClass,
            Program.name.label("program"),
            Level.name.label("level"),
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(*where)
    )
    if not actor.is_admin and actor.is_staff:
        query = query.where(GymClass.location_id.in_(actor.location_ids))
    rows = db.execute(query).all()
    pending = _pending_changes(db, [row.Enrollment.id for row in rows])
    today_at: dict[str, date] = {}
    return [
        (
            _view(row, pending.get(row.Enrollment.id)),
            today_at.setdefault(row.timezone, clock.today_in(row.timezone)),
        )
        for row in rows
    ]


def _pending_changes(db: Session, enrollment_ids: list[int]) -> dict[int, tuple[RequestKind, int]]:
    if not enrollment_ids:
        return {}
    rows = db.execute(
        select(ParentRequest.enrollment_id, ParentRequest.kind, ParentRequest.id).where(
            ParentRequest.enrollment_id.in_(enrollment_ids),
            ParentRequest.status == RequestStatus.PENDING,
            ParentRequest.kind.in_(CHANGE_KINDS),
        )
    )
    return {row.enrollment_id: (row.kind, row.id) for row in rows}


def _view(row: Row[Any], pending: tuple[RequestKind, int] | None) -> EnrollmentView:
    e: Enrollment = row.Enrollment
    return EnrollmentView(
        id=e.id,
        **_class_fields(row.GymClass, row.program, row.level, row.location_name),
        start_date=e.start_date,
        end_date=e.end_date,
        type=e.type.value,
        status=e.status.value,
        waitlist_position=e.waitlist_position,
        pending_request=pending[0].value if pending else None,
        pending_request_id=pending[1] if pending else None,
    )


def _class_fields(cls: GymClass, program: str, level: str, location_name: str) -> dict[str, Any]:
    """The class facts that EnrollmentView and TransferOption share."""
    return {
        "class_id": cls.id,
        "class_name": cls.name,
        "program": program,
        "level": level,
        "weekday": cls.weekday,
        "weekday_name": WEEKDAY_NAMES[cls.weekday],
        "start_time": cls.start_time,
        "end_time": cls.end_time,
        "instructor": cls.instructor_name,
        "location_id": cls.location_id,
        "location_name": location_name,
    }


# Waitlists


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


# Drops


def drop_preview(
    db: Session, actor: Actor, enrollment_id: object, effective_date: object = None
) -> DropPreview:
    """Setting allow_drop (parents). What a drop would do; the date defaults to the next class
    that has not started. Refuses exactly what drop_enrollment would refuse."""
    settings = get_settings(db)
    _require_switch(actor, settings.allow_drop, "Dropping a class")
    held = _held(db, actor, enrollment_id)
    _require_droppable(held)
    e, slot = held.enrollment, held.slot
    until = e.end_date or slot.term_end
    choices = _upcoming(slot, held.today, until)
    if effective_date is None and not choices:
        raise ValidationError("There are no classes left to drop.")
    day = _check_drop(db, held, choices[0] if effective_date is None else effective_date)
    kept = list(meeting_dates(slot, e.start_date, day - DAY))
    removed = tuple(meeting_dates(slot, max(day, e.start_date), until))
    applies_now = _applies_now(actor, settings)
    count = "1 class is" if len(removed) == 1 else f"{len(removed)} classes are"
    summary = (
        f"From {_say_date(day)}, {held.student.first_name} leaves {held.cls.name}: "
        f"{count} removed and tuition stops."
    )
    if not applies_now:
        summary += " Staff will review the request first."
    return DropPreview(
        enrollment_id=e.id,
        student_name=held.student.first_name,
        class_name=held.cls.name,
        effective_date=day,
        tuition_stops_on=day,
        last_class=kept[-1] if kept else None,
        removed_dates=removed,
        choices=tuple(choices),
        applies_now=applies_now,
        summary=summary,
    )


def drop_enrollment(
    db: Session, actor: Actor, enrollment_id: object, effective_date: object, *, note: object = ""
) -> ChangeOutcome:
    """Setting allow_drop (parents); with requests_need_approval a pending DROP request."""
    parent_note = clean_note(note)
    with write_transaction(db):
        settings = get_settings(db)
        _require_switch(actor, settings.allow_drop, "Dropping a class")
        held = _held(db, actor, enrollment_id)
        _lock(db, held)
        day = _check_drop(db, held, effective_date)
        first, name = held.student.first_name, held.cls.name
        if not _applies_now(actor, settings):
            request = _record(db, actor, held, RequestKind.DROP, day=day, note=parent_note)
            return ChangeOutcome(
                False,
                request.id,
                f"Your request for {first} to leave {name} from {_say_date(day)} "
                "is waiting for staff.",
            )
        _end(db, actor, held, day, EnrollmentStatus.DROPPED)
        request = _record(
            db, actor, held, RequestKind.DROP, RequestStatus.APPLIED, day=day, note=parent_note
        )
        return ChangeOutcome(True, request.id, f"{first} leaves {name} from {_say_date(day)}.")


def apply_drop_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """The approval step for a drop request (staff; inside decide_request)."""
    require_staff(actor)
    held = _held_for_request(db, actor, request)
    _end(db, actor, held, _check_drop(db, held, request.effective_date), EnrollmentStatus.DROPPED)


def _require_droppable(held: _Held) -> None:
    e = held.enrollment
    if e.status is not EnrollmentStatus.ACTIVE or e.type not in ONGOING_TYPES:
        raise ValidationError("Only a current class place can be dropped.")
    _require_no_end_yet(e)


def _require_no_end_yet(e: Enrollment) -> None:
    """A regular place has an end date only once a drop or transfer set it: one change only."""
    if e.type is EnrollmentType.REGULAR and e.end_date is not None:
        raise ValidationError(f"This class place already ends on {_say_date(e.end_date)}.")


def _check_drop(db: Session, held: _Held, effective_date: object) -> date:
    _require_droppable(held)
    day = _class_date(held, held.slot, held.cls.name, effective_date)
    _refuse_pending(db, held.enrollment.id)
    return day


# Transfers


def transfer_options(
    db: Session, actor: Actor, enrollment_id: object, location_id: object
) -> list[TransferOption]:
    """Classes of the same program at a location that still meet, full ones included with
    their reason. Nine queries, however many classes the location has."""
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
            GymClass.term_end >= today,
        )
        .order_by(Level.position, GymClass.weekday, GymClass.start_time, GymClass.name, GymClass.id)
    ).all()
    dates = {
        row.GymClass.id: _upcoming(slot_of(row.GymClass, place.timezone), today, date.max)
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
    day = _class_date(held, slot, target.name, effective_date)
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


# Shared steps


def _held(db: Session, actor: Actor, enrollment_id: object) -> _Held:
    enrollment = enrollment_for(db, actor, enrollment_id)
    cls, slot = class_with_slot(db, enrollment.class_id)
    if actor.is_staff and not can_see_location(actor, cls.location_id):
        raise NotFound("enrollment")
    student = db.get(Student, enrollment.student_id)
    if student is None:
        raise NotFound("enrollment")
    return _Held(enrollment, cls, slot, student, clock.today_in(slot.timezone))


def _held_for_request(
    db: Session, actor: Actor, request: ParentRequest, *, lock: bool = True
) -> _Held:
    if request.enrollment_id is None:
        raise NotFound("enrollment")
    held = _held(db, actor, request.enrollment_id)
    if held.enrollment.student_id != request.student_id:
        raise NotFound("enrollment")
    if lock:
        _lock(db, held)
    return held


def _lock(db: Session, held: _Held, *other_class_ids: int) -> None:
    """Lock the classes involved (ascending ids), then re-read the enrollment under the lock."""
    for class_id in sorted({held.cls.id, *other_class_ids}):
        lock_class(db, class_id)
    db.refresh(held.enrollment)


def _visible_class(db: Session, actor: Actor, class_id: object) -> tuple[GymClass, WeeklySlot]:
    cls, slot = class_with_slot(db, class_id)
    if actor.is_staff and not can_see_location(actor, cls.location_id):
        raise NotFound("class")
    active = db.scalar(select(Location.is_active).where(Location.id == cls.location_id))
    if not cls.is_active or not active:
        raise ValidationError("That class is not taking students.")
    return cls, slot


def _require_switch(actor: Actor, enabled: bool, what: str) -> None:
    """Portal switches govern parents; staff act at the desk whatever they say."""
    if actor.is_guardian and not enabled:
        raise FeatureDisabled(f"{what} online is switched off. Please ask the front desk.")


def _applies_now(actor: Actor, settings: PortalSettings) -> bool:
    return actor.is_staff or not settings.requests_need_approval


def _refuse_pending(db: Session, enrollment_id: int) -> None:
    waiting = db.scalar(
        select(ParentRequest.id)
        .where(
            ParentRequest.enrollment_id == enrollment_id,
            ParentRequest.status == RequestStatus.PENDING,
            ParentRequest.kind.in_(CHANGE_KINDS),
        )
        .limit(1)
    )
    if waiting is not None:
        raise ValidationError(
            "A request about this class is already waiting for staff. "
            "Withdraw it first to ask for something else."
        )


def _require_not_in_class(db: Session, student: Student, cls: GymClass, today: date) -> None:
    """Refuse a second place in a class; a place that has ended makes way first."""
    ends = make_way_back(db, student.id, cls.id, today)
    if ends is not None:
        raise ValidationError(
            f"{student.first_name}'s place in {cls.name} ends on {_say_date(ends)}; "
            "a new place can start once that day has passed."
        )
    if _classes_of(db, student.id, [cls.id]):
        raise ValidationError(f"{student.first_name} is already in that class or on its waitlist.")


def _classes_of(db: Session, student_id: int, class_ids: Sequence[int]) -> set[int]:
    """Which of these classes the student holds a current place or a waitlist place in."""
    if not class_ids:
        return set()
    return set(
        db.scalars(
            select(Enrollment.class_id).where(
                Enrollment.student_id == student_id,
                Enrollment.class_id.in_(class_ids),
                Enrollment.type.in_(ONGOING_TYPES),
                Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLISTED)),
            )
        )
    )


def _upcoming(slot: WeeklySlot, start: date, end: date) -> list[date]:
    """Class dates in [start, end] whose class has not started yet."""
    now = clock.now()
    return [day for day in meeting_dates(slot, start, end) if meeting_start(slot, day) > now]


def _open_class_days(cls: GymClass, slot: WeeklySlot, start: date, end: date) -> list[date]:
    days = _upcoming(slot, start, end)
    if not days:
        raise ValidationError(f"{cls.name} has no classes left this term.")
    return days


def _class_date(held: _Held, slot: WeeklySlot, class_name: str, value: object) -> date:
    """A date of the (target) class within its term and the enrollment's place, not started."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError("Choose one of the class dates offered.")
    if not meets_on(slot, value):
        raise ValidationError(f"{class_name} does not meet on {_say_date(value)}.")
    if meeting_start(slot, value) <= clock.now():
        raise ValidationError("Choose a class that has not started yet.")
    end = held.enrollment.end_date
    if end is not None and value > end:
        raise ValidationError(f"This class place already ends on {_say_date(end)}.")
    return value


def _claim(db: Session, e: Enrollment, still: ColumnElement[bool], **values: object) -> None:
    """Conditional UPDATE: it changes the row only if it is still as we read it."""
    changed = db.execute(
        update(Enrollment)
        .where(Enrollment.id == e.id, still)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ValidationError(CLASH)
    db.expire(e)


def _end(
    db: Session,
    actor: Actor,
    held: _Held,
    day: date,
    status: EnrollmentStatus,
    *,
    moved_to: int | None = None,
) -> None:
    """End the place on the day before `day` (see the module docstring for the status)."""
    e = held.enrollment
    never_attends = day <= e.start_date
    last = e.start_date if never_attends else day - DAY
    values: dict[str, object] = {"end_date": last, "transferred_to_id": moved_to}
    if never_attends or last < held.today:
        values["status"] = status
    still = (Enrollment.status == EnrollmentStatus.ACTIVE) & or_(
        Enrollment.end_date.is_(None), Enrollment.end_date >= day
    )
    action = "enrollment.dropped" if status is EnrollmentStatus.DROPPED else "enrollment.moved"
    _audit(db, actor, held, action, effective_date=day.isoformat(), moved_to=moved_to)
    _claim(db, e, still, **values)


def _record(
    db: Session,
    actor: Actor,
    held: _Held,
    kind: RequestKind,
    status: RequestStatus = RequestStatus.PENDING,
    *,
    day: date | None = None,
    target: GymClass | None = None,
    note: str = "",
) -> ParentRequest:
    """The request the tracker shows: pending, or applied when the change took effect now."""
    return open_request(
        db,
        actor,
        kind=kind,
        student=held.student,
        location_id=held.cls.location_id,
        enrollment_id=held.enrollment.id,
        target_class_id=target.id if target else None,
        effective_date=day,
        parent_note=note,
        status=status,
    )


def _audit(db: Session, actor: Actor, held: _Held, action: str, **details: object) -> None:
    audit.record(
        db,
        actor,
        action,
        entity="enrollment",
        entity_id=held.enrollment.id,
        family_id=held.student.family_id,
        details={key: value for key, value in details.items() if value is not None},
    )


def _say_date(day: date) -> str:
    """Tuesday 1 December 2026 (fixed English names: strftime follows the server's locale)."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
