"""Seats in a class. Callers hold the class lock (`lock_class`) while they count and write,
so two parents can never take the last seat together."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    PassRedemption,
)

ONGOING_TYPES = (EnrollmentType.REGULAR, EnrollmentType.TRIAL)


def lock_class(db: Session, class_id: int) -> GymClass | None:
    """Lock the class row until commit (PostgreSQL: FOR UPDATE; SQLite: the write transaction
    begun with data.db.begin_write already excludes other writers)."""
    return db.scalar(select(GymClass).where(GymClass.id == class_id).with_for_update())


def _count(db: Session, table: type, *conditions: ColumnElement[bool]) -> int:
    return db.scalar(select(func.count()).select_from(table).where(*conditions)) or 0


def _holding_place(class_id: int, day: date) -> tuple[ColumnElement[bool], ...]:
    """Active regular and trial enrollments of the class still in it on `day` or later."""
    return (
        Enrollment.class_id == class_id,
        Enrollment.status == EnrollmentStatus.ACTIVE,
        Enrollment.type.in_(ONGOING_TYPES),
        or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
    )


def regular_seats_taken(db: Session, class_id: int, day: date) -> int:
    """Active regular and trial enrollments that still hold a place on or after `day`."""
    return _count(db, Enrollment, *_holding_place(class_id, day))


def open_regular_seats(db: Session, cls: GymClass, day: date) -> int:
    return max(cls.capacity - regular_seats_taken(db, cls.id, day), 0)


def open_seats_on(db: Session, cls: GymClass, day: date) -> int:
    """Seats free at one meeting: capacity − students enrolled that day − makeup visits and
    punch-pass drop-ins that day + students who reported they will be absent that day
    (their seat can be lent)."""
    enrolled = _count(db, Enrollment, *_holding_place(cls.id, day), Enrollment.start_date <= day)
    visits = _count(
        db,
        Enrollment,
        Enrollment.class_id == cls.id,
        Enrollment.status == EnrollmentStatus.ACTIVE,
        Enrollment.type == EnrollmentType.MAKEUP,
        Enrollment.start_date == day,
    )
    away = _count(
        db,
        FutureAbsence,
        FutureAbsence.class_id == cls.id,
        FutureAbsence.class_date == day,
        FutureAbsence.cancelled_at.is_(None),
    )
    drop_ins = _count(
        db, PassRedemption, PassRedemption.class_id == cls.id, PassRedemption.class_date == day
    )
    return max(cls.capacity - enrolled - visits - drop_ins + away, 0)
