"""The meetings an absence can mark: the student's enrollments (with class and location), their
meetings within a reported window, or the one meeting on a chosen day with why it cannot be
marked.

Aware datetimes are instants; naive ones (straight from date and time widgets) are wall-clock
times at each class's location.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from data.models import Enrollment, EnrollmentStatus, EnrollmentType, GymClass, Location, Student
from services.kernel.access import Actor
from services.kernel.closure_days import closed_days, is_closed
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.schedule import meeting_dates, meeting_start, meets_on
from services.makeups.class_records import seen_locations
from services.makeups.wording import short_day


@dataclass(frozen=True)
class _Meeting:
    enrollment_id: int
    is_makeup_visit: bool
    class_id: int
    class_name: str
    location_id: int
    location_name: str
    timezone: str
    day: date
    start_time: time
    starts_at: datetime  # UTC


def _is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _instant(moment: datetime, timezone: str) -> datetime:
    """An aware instant; a naive value is read as wall-clock time in `timezone`."""
    return moment if _is_aware(moment) else moment.replace(tzinfo=ZoneInfo(timezone))


def _enrollment_rows(
    db: Session,
    actor: Actor,
    student_id: int,
    *,
    active_only: bool = False,
    ids: Iterable[int] = (),
) -> Sequence[Row[Any]]:
    query = (
        select(
            Enrollment.id,
            Enrollment.type,
            Enrollment.status,
            Enrollment.start_date,
            Enrollment.end_date,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(Enrollment.student_id == student_id)
    )
    if active_only:
        query = query.where(
            Enrollment.status == EnrollmentStatus.ACTIVE, GymClass.is_active.is_(True)
        )
    else:
        query = query.where(Enrollment.id.in_(list(ids)))
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    return db.execute(query).all()


def _meeting(row: Row[Any], day: date) -> _Meeting:
    cls: GymClass = row.GymClass
    return _Meeting(
        enrollment_id=row.id,
        is_makeup_visit=row.type is EnrollmentType.MAKEUP,
        class_id=cls.id,
        class_name=cls.name,
        location_id=cls.location_id,
        location_name=row.location_name,
        timezone=row.timezone,
        day=day,
        start_time=cls.start_time,
        starts_at=meeting_start(slot_of(cls, row.timezone), day),
    )


def _meetings_within(
    row: Row[Any], starts_at: datetime, ends_at: datetime, now: datetime
) -> Iterator[_Meeting]:
    """Meetings of one enrollment that start in the window and have not started yet."""
    zone = row.timezone
    low, high = _instant(starts_at, zone), _instant(ends_at, zone)
    if row.type is EnrollmentType.MAKEUP:
        days: Iterable[date] = (row.start_date,)
    else:
        first = max(row.start_date, low.astimezone(ZoneInfo(zone)).date())
        last = high.astimezone(ZoneInfo(zone)).date()
        if row.end_date is not None:
            last = min(last, row.end_date)
        days = meeting_dates(slot_of(row.GymClass, zone), first, last)
    for day in days:
        meeting = _meeting(row, day)
        if low <= meeting.starts_at <= high and meeting.starts_at > now:
            yield meeting


def _open(db: Session, meeting: _Meeting) -> _Meeting:
    """The meeting, or a refusal when a closure day cancelled it (nothing to miss)."""
    if is_closed(db, meeting.location_id, meeting.day):
        raise ValidationError(
            f"{meeting.class_name} on {short_day(meeting.day)} is cancelled: "
            f"{meeting.location_name} is closed that day."
        )
    return meeting


def _without_closed(db: Session, meetings: Sequence[_Meeting]) -> list[_Meeting]:
    if not meetings:
        return []
    days = [m.day for m in meetings]
    closed = closed_days(db, {m.location_id for m in meetings}, min(days), max(days))
    return [m for m in meetings if not closed.closed(m.location_id, m.day)]


def _meeting_on(row: Row[Any] | None, student: Student, day: date, now: datetime) -> _Meeting:
    """The enrollment's meeting on `day`, or a refusal saying why there is none to mark."""
    if row is None:
        raise NotFound("enrollment")
    name = row.GymClass.name
    if row.status is not EnrollmentStatus.ACTIVE or not row.GymClass.is_active:
        raise ValidationError(f"{student.first_name} is no longer in {name}.")
    if row.type is EnrollmentType.MAKEUP:
        if day != row.start_date:
            raise ValidationError(
                f"{student.first_name}'s makeup in {name} is on {short_day(row.start_date)}."
            )
    elif not meets_on(slot_of(row.GymClass, row.timezone), day):
        raise ValidationError(f"{name} does not meet on {short_day(day)}.")
    elif day < row.start_date or (row.end_date is not None and day > row.end_date):
        raise ValidationError(f"{student.first_name} is not in {name} on {short_day(day)}.")
    meeting = _meeting(row, day)
    if meeting.starts_at <= now:
        raise ValidationError(f"{name} on {short_day(day)} has already started.")
    return meeting
