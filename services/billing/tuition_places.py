"""The month a tuition run is for, and the class places it bills: found in SQL a page of
families at a time (keyset on the family id), so a run's memory does not grow with the
business.

A place is billed for a month when it is a regular place (not a trial, a makeup visit or a
waitlist place) of a class with a monthly tuition, it overlaps the month and the class's term,
and it has at least one of the month's meetings between its start and end dates. A drop or
transfer that took effect on or before the first class ends the place on its start date and
marks it at once: the student never attended, so it is not billed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, not_, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GymClass,
    Location,
    Student,
    TuitionLine,
)
from services.billing.tuition_rules import month_end
from services.kernel import clock
from services.kernel.errors import ValidationError
from services.kernel.schedule import WeeklySlot
from services.kernel.settings import PortalSettings

BAD_MONTH = "Choose a month, such as 2026-12."


def require_period(settings: PortalSettings, value: object) -> date:
    """A month given as a date (its first day) or "YYYY-MM": last month, this month or next
    month in the business's time zone (older months were billed before the tuition run; a
    month further ahead may still change)."""
    if isinstance(value, datetime):
        raise ValidationError(BAD_MONTH)
    if isinstance(value, str):
        value = _parse_month(value)
    if not isinstance(value, date) or value.day != 1:
        raise ValidationError(BAD_MONTH)
    if value not in run_months(settings):
        raise ValidationError("Tuition can be posted for last month, this month or next month.")
    return value


def run_months(settings: PortalSettings) -> tuple[date, date, date]:
    """Last, this and next month (their first days) in the business's time zone."""
    this_month = clock.today_in(settings.time_zone).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return last_month, this_month, (this_month + timedelta(days=32)).replace(day=1)


def _parse_month(text: str) -> date:
    parts = text.strip().split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValidationError(BAD_MONTH)
    year, month = int(parts[0]), int(parts[1])
    if not (1 <= month <= 12 and 2000 <= year <= 9999):
        raise ValidationError(BAD_MONTH)
    return date(year, month, 1)


def billable(first: date) -> ColumnElement[bool]:
    """Regular places of priced classes that overlap the month and the class's term."""
    last = month_end(first)
    never_attended = and_(
        Enrollment.status.in_((EnrollmentStatus.DROPPED, EnrollmentStatus.TRANSFERRED)),
        Enrollment.end_date == Enrollment.start_date,
    )
    return and_(
        Enrollment.type == EnrollmentType.REGULAR,
        Enrollment.status != EnrollmentStatus.WAITLISTED,
        Enrollment.start_date <= last,
        func.coalesce(Enrollment.end_date, first) >= first,
        not_(never_attended),
        GymClass.tuition_cents > 0,
        GymClass.term_start <= last,
        GymClass.term_end >= first,
    )


def _places_from() -> Select[tuple[int]]:
    return (
        select(Student.family_id)
        .select_from(Enrollment)
        .join(Student, Student.id == Enrollment.student_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
    )


def family_count(db: Session, first: date) -> int:
    query = _places_from().where(billable(first)).distinct().subquery()
    return int(db.scalar(select(func.count()).select_from(query)) or 0)


def family_ids_after(db: Session, first: date, after: int, limit: int) -> list[int]:
    """The next `limit` families with a billable place, by id after `after`. Walks the
    students' family index and probes each student's places, so a batch reads about the
    families it returns (8–30 ms at 100,000 families) instead of every place (130 ms)."""
    has_place = (
        select(Enrollment.id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .where(Enrollment.student_id == Student.id, billable(first))
        .exists()
    )
    query = (
        select(Student.family_id)
        .where(Student.family_id > after, has_place)
        .distinct()
        .order_by(Student.family_id)
        .limit(limit)
    )
    return list(db.scalars(query))


@dataclass(frozen=True)
class PlaceRow:
    """A billable place with what its line needs."""

    enrollment_id: int
    family_id: int
    family_name: str
    student_id: int
    student_name: str
    location_id: int
    class_name: str
    monthly_cents: int
    start: date
    end: date | None
    slot: WeeklySlot


def places_of(
    db: Session, first: date, family_ids: Sequence[int], *, lock: bool = False
) -> list[PlaceRow]:
    """The families' billable places. With `lock` the places' rows are locked (PostgreSQL),
    so a drop being applied at the same moment waits for the batch, or the batch for it."""
    query = (
        select(
            Enrollment.id,
            Student.family_id,
            Family.name,
            Student.id,
            Student.first_name,
            GymClass,
            Location.timezone,
            Enrollment.start_date,
            Enrollment.end_date,
        )
        .select_from(Enrollment)
        .join(Student, Student.id == Enrollment.student_id)
        .join(Family, Family.id == Student.family_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(billable(first), Student.family_id.in_(family_ids))
        .order_by(Student.family_id, Enrollment.id)
    )
    if lock:
        query = query.with_for_update(of=Enrollment)
    return [
        PlaceRow(
            enrollment_id,
            family_id,
            family_name,
            student_id,
            student_name,
            cls.location_id,
            cls.name,
            cls.tuition_cents,
            start,
            end,
            slot_of(cls, timezone),
        )
        for (
            enrollment_id,
            family_id,
            family_name,
            student_id,
            student_name,
            cls,
            timezone,
            start,
            end,
        ) in db.execute(query)
    ]


def slot_of(cls: GymClass, timezone: str) -> WeeklySlot:
    return WeeklySlot(
        cls.weekday, cls.start_time, cls.end_time, cls.term_start, cls.term_end, timezone
    )


def posted_charges(db: Session, first: date, enrollment_ids: Sequence[int]) -> set[int]:
    """Which of these places already have the month's charge."""
    query = select(TuitionLine.enrollment_id).where(
        TuitionLine.period == first,
        TuitionLine.kind == "charge",
        TuitionLine.enrollment_id.in_(enrollment_ids),
    )
    return set(db.scalars(query))
