"""Reading a student's enrollments: their classes now and later, waitlist places and past
places, each with its class facts and any pending drop / transfer / waitlist request.

Guardians reach their own family; staff see the enrollments at their locations; admins all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import ColumnElement, Row, select
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
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.reach import student_in_reach
from services.kernel.schedule import WEEKDAY_NAMES

CHANGE_KINDS = (RequestKind.DROP, RequestKind.TRANSFER, RequestKind.CANCEL_WAITLIST)


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
