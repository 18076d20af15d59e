"""A student's attendance: each enrollment's class dates with their status and rate, and the
weekly series the Attendance page charts. The rate is services.desk.staff_home's: attended
(present + makeup) over recorded (present + absent + excused + makeup)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, Row, case, cast, func, select
from sqlalchemy.orm import Session

from data.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Level,
    Location,
    Program,
)
from services.classes.attendance_rate import ATTENDED, RECORDED, AttendanceRate
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.reach import family_timezone, seen_locations, student_in_reach

MAX_WEEKS = 104


@dataclass(frozen=True)
class AttendanceMark:
    class_date: date
    status: str  # present, absent, excused or makeup


@dataclass(frozen=True)
class EnrollmentAttendance:
    enrollment_id: int
    class_id: int
    class_name: str
    program: str
    level: str
    location_id: int
    location_name: str
    enrollment_type: str  # regular, trial or makeup
    enrollment_status: str
    start_date: date
    end_date: date | None
    is_current: bool
    marks: tuple[AttendanceMark, ...]  # newest first
    present: int
    absent: int
    excused: int
    makeup: int
    rate: AttendanceRate


@dataclass(frozen=True)
class WeekAttendance(AttendanceRate):
    """One week of the chart: attended and recorded meetings (and `rate`) in that week."""

    week_start: date  # a Monday


def student_attendance(db: Session, actor: Actor, student_id: int) -> list[EnrollmentAttendance]:
    """Every enrollment but waitlist places, current ones first (by weekday and time), then
    past ones (latest first). A mark belongs to the enrollment it names, else to the
    student's enrollment in that class covering its date. Three queries besides access."""
    student = student_in_reach(db, actor, student_id)
    rows = enrollment_rows(
        db,
        Enrollment.student_id == student.id,
        Enrollment.status != EnrollmentStatus.WAITLISTED,
        seen_locations(actor, GymClass.location_id),
    )
    marks = _marks_by_enrollment(db, student.id, [row.Enrollment for row in rows])
    today_at: dict[str, date] = {}
    views = []
    for row in rows:
        today = today_at.setdefault(row.timezone, clock.today_in(row.timezone))
        views.append(_view(row, today, marks.get(row.Enrollment.id, [])))
    current = [v for v in views if v.is_current]
    past = sorted(
        (v for v in views if not v.is_current),
        key=lambda v: (v.end_date or v.start_date, v.enrollment_id),
        reverse=True,
    )
    return current + past


def weekly_attendance(
    db: Session, actor: Actor, student_id: int, *, weeks: int = 12
) -> list[WeekAttendance]:
    """The last `weeks` weeks (Monday to Sunday, this week included), oldest first, weeks
    without classes as zeros. Counted with one GROUP BY in SQL."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(f"Choose between 1 and {MAX_WEEKS} weeks.")
    student = student_in_reach(db, actor, student_id)
    today = clock.today_in(family_timezone(db, student.family_id))
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks - 1)
    week = _week_start(db).label("week_start")
    rows = db.execute(
        select(
            week,
            func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0)).label("attended"),
            func.count().label("recorded"),
        )
        .where(
            Attendance.student_id == student.id,
            seen_locations(actor, Attendance.location_id),
            Attendance.class_date >= first,
            Attendance.class_date < this_monday + timedelta(weeks=1),
            Attendance.status.in_(RECORDED),
        )
        .group_by(week)
    ).all()
    found = {row.week_start: row for row in rows}
    series = []
    for n in range(weeks):
        monday = first + timedelta(weeks=n)
        row = found.get(monday)
        series.append(
            WeekAttendance(
                attended=int(row.attended) if row else 0,
                recorded=int(row.recorded) if row else 0,
                week_start=monday,
            )
        )
    return series


def _week_start(db: Session) -> ColumnElement[date]:
    """The Monday of each attendance row's week, in the database's own date functions."""
    if db.get_bind().dialect.name == "postgresql":
        # On a plain timestamp, so the session's time zone plays no part.
        return cast(func.date_trunc("week", cast(Attendance.class_date, DateTime())), Date)
    # SQLite: forward to Sunday (or stay on it), then back six days.
    return func.date(Attendance.class_date, "weekday 0", "-6 days", type_=Date)


def enrollment_rows(db: Session, *where: ColumnElement[bool]) -> list[Row[Any]]:
    """Enrollments (`row.Enrollment`) with their class (`row.GymClass`), program and level
    names and location, places before makeup visits, then by weekday and time."""
    return list(
        db.execute(
            select(
                Enrollment,
                GymClass,
                Program.name.label("program"),
                Level.name.label("level"),
                Location.name.label("location_name"),
                Location.address_line1,
                Location.city,
                Location.timezone,
            )
            .join(GymClass, GymClass.id == Enrollment.class_id)
            .join(Program, Program.id == GymClass.program_id)
            .join(Level, Level.id == GymClass.level_id)
            .join(Location, Location.id == GymClass.location_id)
            .where(*where)
            .order_by(
                (Enrollment.type == EnrollmentType.MAKEUP),
                GymClass.weekday,
                GymClass.start_time,
                GymClass.name,
                Enrollment.start_date,
                Enrollment.id,
            )
        ).all()
    )


def _marks_by_enrollment(
    db: Session, student_id: int, enrollments: list[Enrollment]
) -> dict[int, list[AttendanceMark]]:
    known = {enrollment.id for enrollment in enrollments}
    marks: dict[int, list[AttendanceMark]] = {}
    for mark in db.execute(
        select(
            Attendance.enrollment_id,
            Attendance.class_id,
            Attendance.class_date,
            Attendance.status,
        )
        .where(Attendance.student_id == student_id)
        .order_by(Attendance.class_date.desc(), Attendance.id.desc())
    ):
        owner = mark.enrollment_id if mark.enrollment_id in known else _covering(enrollments, mark)
        if owner is not None:
            marks.setdefault(owner, []).append(
                AttendanceMark(class_date=mark.class_date, status=mark.status.value)
            )
    return marks


def _covering(enrollments: list[Enrollment], mark: Row[Any]) -> int | None:
    for enrollment in enrollments:
        if enrollment.class_id != mark.class_id or mark.class_date < enrollment.start_date:
            continue
        end = last_day(enrollment)
        if end is None or mark.class_date <= end:
            return enrollment.id
    return None


def last_day(enrollment: Enrollment) -> date | None:
    """A makeup visit lasts its one day; a place lasts until its end date, if any."""
    if enrollment.type is EnrollmentType.MAKEUP:
        return enrollment.start_date
    return enrollment.end_date


def _is_current(enrollment: Enrollment, today: date) -> bool:
    end = last_day(enrollment)
    return enrollment.status is EnrollmentStatus.ACTIVE and (end is None or end >= today)


def _view(row: Row[Any], today: date, marks: list[AttendanceMark]) -> EnrollmentAttendance:
    enrollment: Enrollment = row.Enrollment
    counts = Counter(mark.status for mark in marks)
    return EnrollmentAttendance(
        enrollment_id=enrollment.id,
        class_id=enrollment.class_id,
        class_name=row.GymClass.name,
        program=row.program,
        level=row.level,
        location_id=row.GymClass.location_id,
        location_name=row.location_name,
        enrollment_type=enrollment.type.value,
        enrollment_status=enrollment.status.value,
        start_date=enrollment.start_date,
        end_date=enrollment.end_date,
        is_current=_is_current(enrollment, today),
        marks=tuple(marks),
        present=counts[AttendanceStatus.PRESENT.value],
        absent=counts[AttendanceStatus.ABSENT.value],
        excused=counts[AttendanceStatus.EXCUSED.value],
        makeup=counts[AttendanceStatus.MAKEUP.value],
        rate=AttendanceRate(
            attended=sum(counts[s.value] for s in ATTENDED),
            recorded=sum(counts[s.value] for s in RECORDED),
        ),
    )
