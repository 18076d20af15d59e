"""Staff attendance analytics: small aggregate frames for the charts and their tables.

Every function takes the db session, the Actor and an `AnalyticsFilter`
(services.desk.analytics_scope, with the scope and SQL pieces they share); it refuses
guardians, scopes staff to their locations, aggregates in SQL (GROUP BY over the attendance
indexes) and returns a small DataFrame: counts are int64, rates are floats for display only.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select, Subquery

from data.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    Family,
    GymClass,
    Location,
    MakeupToken,
    Program,
    Student,
    TokenState,
)
from services.classes.attendance_rate import ATTENDED, RECORDED
from services.desk.analytics_scope import (
    AnalyticsFilter,
    _attendance_where,
    _class_conditions,
    _count_of,
    _frame,
    _on_each_today,
    _rate_frame,
    _Scope,
    _scope,
)
from services.desk.analytics_streaks import (
    IN_CLASS_TYPES,
    absence_runs,
    check_missed,
    check_rate,
    is_low,
    per_class_counts,
)
from services.kernel.access import Actor

EXPIRY_WINDOW = timedelta(days=30)


def weekly_rate(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns week_start (Monday, a date), attended, recorded, rate; one row per week."""
    rows = _by_week(db, _scope(db, actor, f), [_count_of(ATTENDED), _count_of(RECORDED)])
    return _rate_frame(rows, ["week_start"])


def absences_over_time(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns week_start, absent, excused, makeup; one row per week with any record."""
    statuses = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED, AttendanceStatus.MAKEUP)
    rows = _by_week(db, _scope(db, actor, f), [_count_of([s]) for s in statuses])
    counts = [s.value for s in statuses]
    return _frame(rows, ["week_start", *counts], counts)


def _by_week(db: Session, scope: _Scope, counts: list[Any]) -> list[tuple[Any, ...]]:
    """`counts` per week (Monday first), oldest first. SQL groups by class date, which the
    location/date index returns in order (no sort, no date function per row, issue 17); the
    at most 731 days are folded into weeks here."""
    weeks: dict[date, list[int]] = {}
    for day, *values in db.execute(
        select(Attendance.class_date, *counts)
        .where(*_attendance_where(scope))
        .group_by(Attendance.class_date)
    ):
        total = weeks.setdefault(day - timedelta(days=day.weekday()), [0] * len(values))
        for i, value in enumerate(values):
            total[i] += value
    return [(week, *weeks[week]) for week in sorted(weeks)]


def _per_class(scope: _Scope) -> Subquery:
    """Attended and recorded per class: one GROUP BY class_id over the indexed range."""
    return (
        select(
            Attendance.class_id.label("class_id"),
            _count_of(ATTENDED).label("attended"),
            _count_of(RECORDED).label("recorded"),
        )
        .where(*_attendance_where(scope))
        .group_by(Attendance.class_id)
        .subquery("per_class")
    )


def _regroup(per_class: Subquery, *keys: Any) -> Select[Any]:
    return select(
        *keys,
        func.sum(per_class.c.attended),
        func.sum(per_class.c.recorded),
    ).join(GymClass, GymClass.id == per_class.c.class_id)


def class_heatmap(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns weekday (0 = Monday), start_time, attended, recorded, rate."""
    scope = _scope(db, actor, f)
    per_class = _per_class(scope)
    rows = db.execute(
        _regroup(per_class, GymClass.weekday, GymClass.start_time)
        .group_by(GymClass.weekday, GymClass.start_time)
        .order_by(GymClass.weekday, GymClass.start_time)
    ).all()
    frame = _rate_frame(rows, ["weekday", "start_time"])
    return frame.astype({"weekday": "int64"})


def program_rates(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns program, attended, recorded, rate; one row per program with any record."""
    scope = _scope(db, actor, f)
    per_class = _per_class(scope)
    rows = db.execute(
        _regroup(per_class, Program.name)
        .join(Program, Program.id == GymClass.program_id)
        .group_by(Program.id, Program.name)
        .order_by(Program.name, Program.id)
    ).all()
    return _rate_frame(rows, ["program"])


def low_attendance_classes(
    db: Session, actor: Actor, f: AnalyticsFilter, below: float
) -> pd.DataFrame:
    """Columns class_id, class, location, attended, recorded, rate, lowest rate first.

    Classes with at least one record whose rate is strictly below `below` (0.0–1.0).
    """
    check_rate(below)
    scope = _scope(db, actor, f)
    per_class = per_class_counts(scope)
    rows = db.execute(
        select(
            GymClass.id,
            GymClass.name,
            Location.name,
            per_class.c.attended,
            per_class.c.recorded,
        )
        .join(GymClass, GymClass.id == per_class.c.class_id)
        .join(Location, Location.id == GymClass.location_id)
    ).all()
    rows = [row for row in rows if is_low(row[3], row[4], below)]
    frame = _rate_frame(rows, ["class_id", "class", "location"])
    frame = frame.sort_values(["rate", "location", "class", "class_id"], kind="stable")
    return frame.astype({"class_id": "int64"}).reset_index(drop=True)


def dropping_students(
    db: Session, actor: Actor, f: AnalyticsFilter, missed_in_a_row: int = 3
) -> pd.DataFrame:
    """Students still actively enrolled whose last `missed_in_a_row` records in a class are
    all absences. Excused and makeup break a streak.

    Columns student_id, student, family_id, family, class, last_present (date or None:
    the last present or makeup record in the range), missed (the current run of absences).
    """
    check_missed(missed_in_a_row)
    scope = _scope(db, actor, f)
    runs = absence_runs(scope, missed_in_a_row)
    rows = db.execute(
        select(
            Student.id,
            (Student.first_name + " " + Student.last_name).label("student"),
            Family.id,
            Family.name,
            GymClass.name,
            runs.c.last_present,
            runs.c.missed,
        )
        .select_from(runs)
        .join(Student, Student.id == runs.c.student_id)
        .join(Family, Family.id == Student.family_id)
        .join(GymClass, GymClass.id == runs.c.class_id)
        .order_by(runs.c.missed.desc(), Family.name, Student.first_name, Student.id)
    ).all()
    columns = ["student_id", "student", "family_id", "family", "class", "last_present", "missed"]
    return _frame(rows, columns, ["student_id", "family_id", "missed"])


def tokens_outstanding(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns location, available, pending, expiring_30_days; one row per location in scope.

    Owed lessons today: available tokens not yet past their expiry date, pending ones (booked
    into a makeup), and how many available ones expire within 30 days (today included).
    Only the location filter applies; tokens belong to a location, not a class.
    """
    scope = _scope(db, actor, f)
    columns = ["location", "available", "pending", "expiring_30_days"]
    if not scope.places:
        return _frame([], columns, columns[1:])
    available = MakeupToken.state == TokenState.AVAILABLE

    def not_expired(day: date) -> ColumnElement[bool]:
        return MakeupToken.expires_on >= day

    def expiring(day: date) -> ColumnElement[bool]:
        return and_(MakeupToken.expires_on >= day, MakeupToken.expires_on <= day + EXPIRY_WINDOW)

    owed = and_(available, _on_each_today(scope.places, MakeupToken.location_id, not_expired))
    soon = and_(available, _on_each_today(scope.places, MakeupToken.location_id, expiring))
    counts = {
        row.location_id: row
        for row in db.execute(
            select(
                MakeupToken.location_id,
                func.sum(case((owed, 1), else_=0)).label("available"),
                func.sum(case((MakeupToken.state == TokenState.PENDING, 1), else_=0)).label(
                    "pending"
                ),
                func.sum(case((soon, 1), else_=0)).label("expiring"),
            )
            .where(
                MakeupToken.location_id.in_(scope.location_ids),
                MakeupToken.state.in_((TokenState.AVAILABLE, TokenState.PENDING)),
            )
            .group_by(MakeupToken.location_id)
        )
    }
    rows = []
    for place in scope.places:
        row = counts.get(place.id)
        rows.append(
            (place.name, *((row.available, row.pending, row.expiring) if row else (0, 0, 0)))
        )
    return _frame(rows, columns, columns[1:])


def class_fill(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns class_id, class, location, capacity, enrolled, waitlist for active classes.

    Enrolled = active regular and trial enrollments covering today at the class's location;
    waitlist = waitlisted enrollments. Fullest first (most waitlisted, then least free seats).
    """
    scope = _scope(db, actor, f)
    columns = ["class_id", "class", "location", "capacity", "enrolled", "waitlist"]
    counts = ["class_id", "capacity", "enrolled", "waitlist"]
    if not scope.places:
        return _frame([], columns, counts)

    def covers(day: date) -> ColumnElement[bool]:
        return and_(
            Enrollment.start_date <= day,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
        )

    in_class_today = and_(
        Enrollment.status == EnrollmentStatus.ACTIVE,
        _on_each_today(scope.places, GymClass.location_id, covers),
    )
    enrolled = func.coalesce(func.sum(case((in_class_today, 1), else_=0)), 0)
    waitlisted = Enrollment.status == EnrollmentStatus.WAITLISTED
    waitlist = func.coalesce(func.sum(case((waitlisted, 1), else_=0)), 0)
    rows = db.execute(
        select(
            GymClass.id,
            GymClass.name,
            Location.name,
            GymClass.capacity,
            enrolled.label("enrolled"),
            waitlist.label("waitlist"),
        )
        .join(Location, Location.id == GymClass.location_id)
        .outerjoin(
            Enrollment,
            and_(
                Enrollment.class_id == GymClass.id,
                Enrollment.type.in_(IN_CLASS_TYPES),
                Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLISTED)),
            ),
        )
        .where(
            GymClass.location_id.in_(scope.location_ids),
            GymClass.is_active.is_(True),
            *_class_conditions(scope.filter),
        )
        .group_by(GymClass.id, GymClass.name, Location.name, GymClass.capacity)
        .order_by(
            waitlist.desc(),
            (GymClass.capacity - enrolled).asc(),
            Location.name,
            GymClass.name,
            GymClass.id,
        )
    ).all()
    return _frame(rows, columns, counts)
