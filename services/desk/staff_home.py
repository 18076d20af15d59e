"""The staff home page: today's classes and rosters per location (services.desk.rosters',
the check-in page's list), attendance, open requests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from data.models import (
    Attendance,
    GymClass,
    Level,
    Location,
    ParentRequest,
    Program,
    RequestStatus,
    Student,
)
from services.classes.attendance_rate import ATTENDED, RECORDED, AttendanceRate
from services.desk.rosters import RosterLine, roster_lines
from services.kernel import clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.closure_days import open_on
from services.kernel.errors import NotFound
from services.kernel.validation import require_id

ATTENDANCE_WINDOW = timedelta(days=28)
RECENT_REQUESTS = 5


@dataclass(frozen=True)
class TodayClass:
    class_id: int
    name: str
    program: str
    level: str
    start_time: time
    end_time: time
    instructor: str
    capacity: int
    roster: tuple[RosterLine, ...]


@dataclass(frozen=True)
class LocationDay:
    location_id: int
    location_name: str
    day: date  # today in the location's time zone
    classes: tuple[TodayClass, ...]


@dataclass(frozen=True)
class RequestPreview:
    id: int
    kind: str
    student_name: str
    location_name: str
    timezone: str  # the location's: times are shown there
    created_at: datetime


@dataclass(frozen=True)
class StaffHome:
    locations: tuple[LocationDay, ...]
    attendance_4w: AttendanceRate  # the 28 days before today, over all shown locations
    open_requests: int
    recent_requests: tuple[RequestPreview, ...]  # the newest pending ones


@dataclass(frozen=True)
class _Place:
    id: int
    name: str
    timezone: str
    day: date


def staff_home(db: Session, actor: Actor, *, location_id: int | None = None) -> StaffHome:
    """Staff and admins; one location, or every location the actor may see."""
    require_staff(actor)
    places = _places(db, actor, location_id)
    location_ids = [place.id for place in places]
    return StaffHome(
        locations=tuple(_location_day(db, place) for place in places),
        attendance_4w=_attendance_rate(db, places),
        open_requests=_open_request_count(db, location_ids),
        recent_requests=_recent_requests(db, location_ids),
    )


def todays_classes(db: Session, actor: Actor, location_id: int) -> LocationDay:
    """One location's classes meeting today, without the home page's rate and requests."""
    require_staff(actor)
    (place,) = _places(db, actor, require_id(location_id, "location"))
    return _location_day(db, place)


def _places(db: Session, actor: Actor, location_id: int | None) -> list[_Place]:
    query = select(Location.id, Location.name, Location.timezone).order_by(
        Location.name, Location.id
    )
    if location_id is not None:
        require_id(location_id, "location")
        require_location(actor, location_id)
        query = query.where(Location.id == location_id)
    elif actor.is_admin:
        query = query.where(Location.is_active.is_(True))
    else:
        query = query.where(Location.id.in_(actor.location_ids), Location.is_active.is_(True))
    rows = db.execute(query).all()
    if location_id is not None and not rows:
        raise NotFound("location")
    return [
        _Place(id=r.id, name=r.name, timezone=r.timezone, day=clock.today_in(r.timezone))
        for r in rows
    ]


def _meets_on(location_ids: Sequence[int], day: date) -> ColumnElement[bool]:
    """Classes at these locations that meet on `day` (their local today): active, this
    weekday, in term, the location open."""
    return and_(
        GymClass.location_id.in_(location_ids),
        GymClass.weekday == day.weekday(),
        GymClass.is_active.is_(True),
        open_on(GymClass.location_id, day),
        GymClass.term_start <= day,
        GymClass.term_end >= day,
    )


def _location_day(db: Session, place: _Place) -> LocationDay:
    """Two queries: the classes meeting today, then all their rosters."""
    classes = db.execute(
        select(
            GymClass.id,
            GymClass.name,
            GymClass.start_time,
            GymClass.end_time,
            GymClass.instructor_name,
            GymClass.capacity,
            Program.name.label("program"),
            Level.name.label("level"),
        )
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .where(_meets_on([place.id], place.day))
        .order_by(GymClass.start_time, GymClass.name, GymClass.id)
    ).all()
    rosters = roster_lines(db, [c.id for c in classes], place.day)
    return LocationDay(
        location_id=place.id,
        location_name=place.name,
        day=place.day,
        classes=tuple(
            TodayClass(
                class_id=c.id,
                name=c.name,
                program=c.program,
                level=c.level,
                start_time=c.start_time,
                end_time=c.end_time,
                instructor=c.instructor_name,
                capacity=c.capacity,
                roster=tuple(rosters.get(c.id, ())),
            )
            for c in classes
        ),
    )


def _attendance_rate(db: Session, places: Sequence[_Place]) -> AttendanceRate:
    """One GROUP BY over the attendance table, windowed by each location's own today."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for place in places:
        by_day[place.day].append(place.id)
    if not by_day:
        return AttendanceRate(attended=0, recorded=0)
    window = or_(
        *(
            and_(
                Attendance.location_id.in_(ids),
                Attendance.class_date >= day - ATTENDANCE_WINDOW,
                Attendance.class_date < day,
            )
            for day, ids in by_day.items()
        )
    )
    rows = db.execute(
        select(Attendance.status, func.count()).where(window).group_by(Attendance.status)
    )
    counts = {status: count for status, count in rows}
    return AttendanceRate(
        attended=sum(counts.get(s, 0) for s in ATTENDED),
        recorded=sum(counts.get(s, 0) for s in RECORDED),
    )


def _open_request_count(db: Session, location_ids: list[int]) -> int:
    if not location_ids:
        return 0
    return int(
        db.scalar(
            select(func.count())
            .select_from(ParentRequest)
            .where(
                ParentRequest.location_id.in_(location_ids),
                ParentRequest.status == RequestStatus.PENDING,
            )
        )
        or 0
    )


def _recent_requests(db: Session, location_ids: list[int]) -> tuple[RequestPreview, ...]:
    if not location_ids:
        return ()
    rows = db.execute(
        select(
            ParentRequest.id,
            ParentRequest.kind,
            ParentRequest.created_at,
            Student.first_name,
            Student.last_name,
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(Student, Student.id == ParentRequest.student_id)
        .join(Location, Location.id == ParentRequest.location_id)
        .where(
            ParentRequest.location_id.in_(location_ids),
            ParentRequest.status == RequestStatus.PENDING,
        )
        .order_by(ParentRequest.created_at.desc(), ParentRequest.id.desc())
        .limit(RECENT_REQUESTS)
    ).all()
    return tuple(
        RequestPreview(
            id=r.id,
            kind=r.kind.value,
            student_name=f"{r.first_name} {r.last_name}",
            location_name=r.location_name,
            timezone=r.timezone,
            created_at=r.created_at,
        )
        for r in rows
    )
