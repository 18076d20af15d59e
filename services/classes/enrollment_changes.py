"""The steps every change to a class place shares (waitlists, drops, transfers): finding the
place the actor may change, locking its classes, the portal switches, one pending request,
ending a place, recording the request the tracker shows, and dates in words.

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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Location,
    ParentRequest,
    RequestKind,
    RequestStatus,
    Student,
)
from services.billing.tuition_adjustments import credit_untaken_tuition
from services.classes.capacity import ONGOING_TYPES, lock_class
from services.classes.ended_enrollments import make_way_back
from services.classes.enrollments import CHANGE_KINDS
from services.families.requests import open_request
from services.kernel import audit, clock
from services.kernel.access import Actor, can_see_location
from services.kernel.closure_days import closed_days, is_closed
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import class_with_slot, enrollment_for
from services.kernel.schedule import (
    WEEKDAY_NAMES,
    WeeklySlot,
    meeting_dates,
    meeting_start,
    meets_on,
)
from services.kernel.settings import PortalSettings
from services.kernel.transactions import CLASH

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
class ChangeOutcome:
    applied: bool  # False: a request now waits for staff
    request_id: int | None  # the request the tracker shows (pending or applied)
    message: str
    enrollment_id: int | None = None  # the new enrollment a transfer created


@dataclass(frozen=True)
class _Held:
    """An enrollment the actor may change, with its class and the class's today."""

    enrollment: Enrollment
    cls: GymClass
    slot: WeeklySlot
    student: Student
    today: date


def _require_no_end_yet(e: Enrollment) -> None:
    """A regular place has an end date only once a drop or transfer set it: one change only."""
    if e.type is EnrollmentType.REGULAR and e.end_date is not None:
        raise ValidationError(f"This class place already ends on {_say_date(e.end_date)}.")


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


def _open_days(db: Session, location_id: int, days: list[date]) -> list[date]:
    """The dates among `days` (in order) on which the location is not closed."""
    if not days:
        return days
    closed = closed_days(db, [location_id], days[0], days[-1])
    return [day for day in days if not closed.closed(location_id, day)]


def _open_class_days(cls: GymClass, slot: WeeklySlot, start: date, end: date) -> list[date]:
    days = _upcoming(slot, start, end)
    if not days:
        raise ValidationError(f"{cls.name} has no classes left this term.")
    return days


def _coming_class_date(slot: WeeklySlot, class_name: str, value: object) -> date:
    """A date the class meets within its term, whose class has not started yet."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError("Choose one of the class dates offered.")
    if not meets_on(slot, value):
        raise ValidationError(f"{class_name} does not meet on {_say_date(value)}.")
    if meeting_start(slot, value) <= clock.now():
        raise ValidationError("Choose a class that has not started yet.")
    return value


def _class_date(db: Session, held: _Held, cls: GymClass, slot: WeeklySlot, value: object) -> date:
    """A date of the (target) class within its term and the enrollment's place, not started,
    on which its location is open (a drop or a transfer never takes effect on a closed day)."""
    value = _coming_class_date(slot, cls.name, value)
    if is_closed(db, cls.location_id, value):
        raise ValidationError(
            f"{cls.name} does not meet on {_say_date(value)}: the location is closed that day."
        )
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
    credit_untaken_tuition(db, actor, e)  # months already charged give back what is not taken


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
