"""Finding and checking makeup meetings, for tokens and requests alike: the meetings a student
can visit (soonest first, with why one cannot be booked), every rule a chosen meeting must pass,
and adding the makeup visit.

`makeup_booking_window_days` applies to everyone; parents book from tomorrow on, staff
approving a request may book any meeting not yet started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Level,
    Location,
    Program,
)
from services.classes.capacity import bookings, open_seats_on
from services.kernel import clock
from services.kernel.closure_days import closed_days, is_closed
from services.kernel.errors import ValidationError
from services.kernel.lookups import slot_of
from services.kernel.schedule import WEEKDAY_NAMES, WeeklySlot, meeting_dates, meets_on
from services.makeups.class_records import meeting_times
from services.makeups.wording import long_date, short_day

MAX_WEEKS = 12
FULL, WINDOW, EXPIRED, BOOKED = (
    "class full",
    "outside the booking window",
    "token expired",
    "already booked that day",
)


@dataclass(frozen=True)
class MakeupOption:
    class_id: int
    class_name: str
    program: str
    level: str
    location_name: str
    class_date: date
    weekday_name: str
    start_time: time  # wall-clock time at the location
    end_time: time
    instructor: str
    open_seats: int
    bookable: bool
    why_not: str | None  # class full, outside the booking window, token expired, ...


@dataclass(frozen=True)
class _Busy:
    """One of the student's current enrollments (a makeup visit meets only on `first`)."""

    class_id: int
    class_name: str
    timezone: str
    cls: GymClass
    first: date
    last: date | None
    is_makeup: bool

    def meets(self, day: date) -> bool:
        if self.is_makeup:
            return day == self.first
        in_dates = self.first <= day and (self.last is None or day <= self.last)
        return in_dates and meets_on(slot_of(self.cls, self.timezone), day)


@dataclass(frozen=True)
class _Limits:
    """What bounds a booking: the booking window from today, and the token's expiry."""

    today: date
    window_days: int
    expires_on: date | None

    @property
    def window_end(self) -> date:
        return self.today + timedelta(days=self.window_days)


def _require_weeks(weeks: object) -> None:
    if weeks is None:
        return
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(f"Choose between 1 and {MAX_WEEKS} weeks.")


def _options(
    db: Session,
    student_id: int,
    first_name: str,
    location_id: int,
    levels: set[tuple[int, int]],
    last: date,
    limits: _Limits,
) -> list[MakeupOption]:
    """Meetings from tomorrow to `last` of the location's classes at those levels, leaving out
    the student's own classes and meetings already started."""
    first = limits.today + timedelta(days=1)
    if last < first:
        return []
    classes = db.execute(
        select(
            GymClass,
            Program.name.label("program"),
            Level.name.label("level"),
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            GymClass.location_id == location_id,
            GymClass.is_active.is_(True),
            Location.is_active.is_(True),
            Program.is_active.is_(True),
            Level.is_active.is_(True),
            GymClass.term_start <= last,
            GymClass.term_end >= first,
            or_(*(and_(GymClass.program_id == p, GymClass.level_id == lv) for p, lv in levels)),
        )
    ).all()
    busy = _schedule(db, student_id, first, last)
    own = {b.class_id for b in busy if not b.is_makeup}
    seats = bookings(
        db, [row.GymClass for row in classes if row.GymClass.id not in own], first, last
    )
    closed = closed_days(db, [location_id], first, last)
    now = clock.now()
    options = []
    for row in classes:
        cls: GymClass = row.GymClass
        if cls.id in own:
            continue
        for day in meeting_dates(slot_of(cls, row.timezone), first, last):
            if closed.closed(location_id, day):
                continue
            starts, ends = meeting_times(cls, row.timezone, day)
            if starts <= now:
                continue
            free = seats[cls.id].open_for_visit(day)
            refusal = _why_not(cls, day, (starts, ends), free, busy, limits, first_name)
            options.append(
                MakeupOption(
                    class_id=cls.id,
                    class_name=cls.name,
                    program=row.program,
                    level=row.level,
                    location_name=row.location_name,
                    class_date=day,
                    weekday_name=WEEKDAY_NAMES[day.weekday()],
                    start_time=cls.start_time,
                    end_time=cls.end_time,
                    instructor=cls.instructor_name,
                    open_seats=free,
                    bookable=refusal is None,
                    why_not=refusal[0] if refusal else None,
                )
            )
    return sorted(options, key=lambda o: (o.class_date, o.start_time, o.class_name, o.class_id))


def _require_bookable(
    db: Session,
    cls: GymClass,
    slot: WeeklySlot,
    day: date,
    student_id: int,
    first_name: str,
    limits: _Limits,
    *,
    by_staff: bool = False,
) -> None:
    """Every rule a makeup meeting must pass, with the reason as a sentence. Callers that book
    hold the class lock, so the seat count stands until they commit. Parents book from
    tomorrow on; staff approving a request may book any meeting not yet started."""
    if not cls.is_active or not meets_on(slot, day):
        raise ValidationError(f"{cls.name} does not meet on {short_day(day)}.")
    if is_closed(db, cls.location_id, day):
        raise ValidationError(f"{cls.name} does not meet on {short_day(day)}: closed that day.")
    starts, ends = meeting_times(cls, slot.timezone, day)
    if starts <= clock.now():
        raise ValidationError(f"{cls.name} on {short_day(day)} has already started.")
    if day <= limits.today and not by_staff:
        raise ValidationError("Makeups can be booked from tomorrow on.")
    busy = _schedule(db, student_id, day, day)
    if any(b.class_id == cls.id and not b.is_makeup for b in busy):
        raise ValidationError(f"{first_name} is already in {cls.name}.")
    free = open_seats_on(db, cls, day)
    refusal = _why_not(cls, day, (starts, ends), free, busy, limits, first_name)
    if refusal is not None:
        raise ValidationError(refusal[1])


def _why_not(
    cls: GymClass,
    day: date,
    times: tuple[datetime, datetime],
    free: int,
    busy: Sequence[_Busy],
    limits: _Limits,
    first_name: str,
) -> tuple[str, str] | None:
    """Why a meeting cannot be booked: (a short label for lists, a sentence for errors)."""
    if limits.expires_on is not None and day > limits.expires_on:
        return EXPIRED, f"This token expires on {long_date(limits.expires_on)}, before that class."
    if day > limits.window_end:
        return WINDOW, f"Makeups can be booked up to {limits.window_days} days ahead."
    if any(b.is_makeup and b.class_id == cls.id and b.first == day for b in busy):
        return BOOKED, f"{first_name} already has a makeup in {cls.name} on {short_day(day)}."
    starts, ends = times
    for other in busy:
        if other.meets(day):
            other_starts, other_ends = meeting_times(other.cls, other.timezone, day)
            if other_starts < ends and starts < other_ends:
                return (
                    f"at the same time as {other.class_name}",
                    f"That class is at the same time as {first_name}'s {other.class_name} class.",
                )
    if free <= 0:
        return FULL, f"{cls.name} is full on {short_day(day)}."
    return None


def _schedule(db: Session, student_id: int, first: date, last: date) -> list[_Busy]:
    """The student's active enrollments (any location) that touch [first, last]."""
    rows = db.execute(
        select(
            Enrollment.type,
            Enrollment.start_date,
            Enrollment.end_date,
            GymClass,
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Enrollment.student_id == student_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.start_date <= last,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= first),
        )
    ).all()
    return [
        _Busy(
            class_id=row.GymClass.id,
            class_name=row.GymClass.name,
            timezone=row.timezone,
            cls=row.GymClass,
            first=row.start_date,
            last=row.end_date,
            is_makeup=row.type is EnrollmentType.MAKEUP,
        )
        for row in rows
    ]


def _add_visit(
    db: Session, student_id: int, first_name: str, cls: GymClass, day: date
) -> Enrollment:
    visit = Enrollment(
        student_id=student_id,
        class_id=cls.id,
        type=EnrollmentType.MAKEUP,
        status=EnrollmentStatus.ACTIVE,
        start_date=day,
        end_date=day,
        created_at=clock.now(),
    )
    # Worded before the flush: a failed flush expires every loaded object.
    refusal = f"{first_name} already has a makeup in {cls.name} on {short_day(day)}."
    db.add(visit)
    try:
        db.flush()
    except IntegrityError:
        raise ValidationError(refusal) from None
    return visit
