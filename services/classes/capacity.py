"""Seats in a class: the one rule every path that puts a student in a meeting goes through
(transfer, waitlist, makeup booking and approval, punch-pass drop-in; enrolling, trials and
waitlist promotion when they arrive). Writers count only under the class lock: `require_seat`
takes it (`lock_class`) and then counts; makeup booking takes it first and counts with
`open_seats_on`. So two people can never take the last seat together.

A meeting's seats taken = regular and trial places held that day + makeup visits + punch-pass
drop-ins that day. A one-off visit may also use a seat lent by a student reported absent that
day. An ongoing place from day D needs a free seat at every meeting from D on, counting the
visits and drop-ins already booked on later dates, and never relies on an absence (that seat
is lent for one date only). Counts are signed: a negative number says by how much a meeting
is over capacity (seats booked before this rule, or a capacity lowered by staff).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    PassRedemption,
)
from services.kernel.errors import NotFound, ValidationError

ONGOING_TYPES = (EnrollmentType.REGULAR, EnrollmentType.TRIAL)


def lock_class(db: Session, class_id: int) -> GymClass | None:
    """Lock the class row until commit (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    begun with data.db.begin_write already excludes other writers)."""
    return db.scalar(select(GymClass).where(GymClass.id == class_id).with_for_update())


@dataclass
class Bookings:
    """Everyone holding a seat in one class from some date on."""

    capacity: int
    weekday: int
    places: list[tuple[date, date | None]] = field(default_factory=list)  # regular and trial
    one_offs: Counter[date] = field(default_factory=Counter)  # makeup visits and drop-ins
    away: Counter[date] = field(default_factory=Counter)  # reported future absences

    def taken_on(self, day: date) -> int:
        held = sum(1 for start, end in self.places if start <= day and (end is None or end >= day))
        return held + self.one_offs[day]

    def open_for_visit(self, day: date) -> int:
        """Seats a one-off visit (makeup, drop-in) may take on `day`, lent seats included."""
        return self.capacity - self.taken_on(day) + self.away[day]

    def open_from(self, day: date) -> int:
        """Seats an ongoing place starting on `day` may take: the fewest free at any meeting
        from `day` on (only dates where a booking begins can lower the count)."""
        begins = {day, *(s for s, _ in self.places if s > day), *(d for d in self.one_offs)}
        meetings = {self._meeting_on_or_after(d) for d in begins if d >= day}
        return min(self.capacity - self.taken_on(d) for d in meetings)

    def _meeting_on_or_after(self, day: date) -> date:
        return day + timedelta(days=(self.weekday - day.weekday()) % 7)


def bookings(
    db: Session,
    classes: Sequence[GymClass],
    first: date,
    last: date | None = None,
    *,
    with_absences: bool = True,
) -> dict[int, Bookings]:
    """The bookings of several classes touching [first, last] (open end: every later one), in
    three queries (two without absences) however many classes."""
    found = {cls.id: Bookings(cls.capacity, cls.weekday) for cls in classes}
    if not found:
        return found
    ids = list(found)
    ongoing = [
        Enrollment.type.in_(ONGOING_TYPES),
        or_(Enrollment.end_date.is_(None), Enrollment.end_date >= first),
    ]
    if last is not None:
        ongoing.append(Enrollment.start_date <= last)
    visit = and_(
        Enrollment.type == EnrollmentType.MAKEUP, _within(Enrollment.start_date, first, last)
    )
    for class_id, kind, start, end in db.execute(
        select(
            Enrollment.class_id, Enrollment.type, Enrollment.start_date, Enrollment.end_date
        ).where(
            Enrollment.class_id.in_(ids),
            Enrollment.status == EnrollmentStatus.ACTIVE,
            or_(and_(*ongoing), visit),
        )
    ):
        if kind is EnrollmentType.MAKEUP:
            found[class_id].one_offs[start] += 1
        else:
            found[class_id].places.append((start, end))
    for class_id, day, count in db.execute(
        select(PassRedemption.class_id, PassRedemption.class_date, func.count())
        .where(PassRedemption.class_id.in_(ids), _within(PassRedemption.class_date, first, last))
        .group_by(PassRedemption.class_id, PassRedemption.class_date)
    ):
        found[class_id].one_offs[day] += count
    if with_absences:
        for class_id, day, count in db.execute(
            select(FutureAbsence.class_id, FutureAbsence.class_date, func.count())
            .where(
                FutureAbsence.class_id.in_(ids),
                _within(FutureAbsence.class_date, first, last),
                FutureAbsence.cancelled_at.is_(None),
            )
            .group_by(FutureAbsence.class_id, FutureAbsence.class_date)
        ):
            found[class_id].away[day] += count
    return found


def _within(
    column: InstrumentedAttribute[date], first: date, last: date | None
) -> ColumnElement[bool]:
    return column >= first if last is None else column.between(first, last)


def open_seats_on(db: Session, cls: GymClass, day: date) -> int:
    """Seats a makeup visit or a drop-in may take at one meeting (negative: over capacity)."""
    return bookings(db, [cls], day, day)[cls.id].open_for_visit(day)


def open_seats_from(db: Session, cls: GymClass, day: date) -> int:
    """Seats a new ongoing (regular or trial) place from `day` may take (negative: over)."""
    return bookings(db, [cls], day, with_absences=False)[cls.id].open_from(day)


def require_seat(db: Session, class_id: int, day: date, *, ongoing: bool, full: str) -> GymClass:
    """Lock the class and refuse with `full` unless a seat is free: for an ongoing place at
    every meeting from `day` on, for a one-off visit on `day`. The lock is held until the
    caller's write transaction ends, so the seat stays free until the booking is written."""
    cls = lock_class(db, class_id)
    if cls is None:
        raise NotFound("class")
    free = open_seats_from(db, cls, day) if ongoing else open_seats_on(db, cls, day)
    if free <= 0:
        raise ValidationError(full)
    return cls
