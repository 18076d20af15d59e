"""Staff attendance analytics: small aggregate frames for the charts and their tables.

Every function takes the db session, the Actor and an `AnalyticsFilter`; it refuses guardians,
scopes staff to their locations, aggregates in SQL (GROUP BY over the attendance indexes) and
returns a small DataFrame: counts are int64, rates are floats for display only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Date, DateTime, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select, Subquery

from data.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GymClass,
    Level,
    Location,
    MakeupToken,
    Program,
    Student,
    TokenState,
)
from services.classes.attendance_rate import ATTENDED, RECORDED, AttendanceRate
from services.kernel import clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.validation import require_id, require_text

MAX_SPAN_DAYS = 731  # "at most two years", both ends inclusive
MAX_INSTRUCTOR_LENGTH = 120  # GymClass.instructor_name
EXPIRY_WINDOW = timedelta(days=30)
MAX_MISSED_IN_A_ROW = 52
IN_CLASS_TYPES = (EnrollmentType.REGULAR, EnrollmentType.TRIAL)

RATE_COLUMNS = ["attended", "recorded", "rate"]


@dataclass(frozen=True, kw_only=True)
class AnalyticsFilter:
    """What the analytics page narrows by. Empty `location_ids` = every location the actor sees.

    `start` and `end` are class dates, both inclusive, at most two years apart. The snapshot
    functions (`tokens_outstanding`, `class_fill`) are about today and ignore the dates.
    """

    start: date
    end: date
    location_ids: tuple[int, ...] = ()
    program_id: int | None = None
    level_id: int | None = None
    class_id: int | None = None
    instructor: str = ""  # exact instructor name; "" = any

    def __post_init__(self) -> None:
        _validate(self)


def _validate(f: AnalyticsFilter) -> None:
    if not isinstance(f.location_ids, tuple):
        raise ValidationError("Those locations are not valid.")
    for location_id in f.location_ids:
        require_id(location_id, "location")
    for value, what in ((f.program_id, "program"), (f.level_id, "level"), (f.class_id, "class")):
        if value is not None:
            require_id(value, what)
    require_text(f.instructor, "instructor", max_length=MAX_INSTRUCTOR_LENGTH)
    for value, what in ((f.start, "start"), (f.end, "end")):
        # A datetime is a date too; a widget should only ever send a plain date.
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationError(f"The {what} date is not valid.")
    if f.start > f.end:
        raise ValidationError("The start date must be on or before the end date.")
    if (f.end - f.start).days + 1 > MAX_SPAN_DAYS:
        raise ValidationError("Choose a date range of at most two years.")


@dataclass(frozen=True)
class _Place:
    id: int
    name: str
    today: date


@dataclass(frozen=True)
class _Scope:
    filter: AnalyticsFilter
    places: tuple[_Place, ...]

    @property
    def location_ids(self) -> list[int]:
        return [place.id for place in self.places]


def _scope(db: Session, actor: Actor, f: object) -> _Scope:
    """Refuse guardians, check the filter, and resolve the locations the query may touch."""
    require_staff(actor)
    if not isinstance(f, AnalyticsFilter):
        raise ValidationError("Those filters are not valid.")
    _validate(f)  # a forged instance can skip __post_init__
    query = select(Location.id, Location.name, Location.timezone).order_by(
        Location.name, Location.id
    )
    if f.location_ids:
        for location_id in f.location_ids:
            require_location(actor, location_id)
        query = query.where(Location.id.in_(f.location_ids))
    elif not actor.is_admin:
        query = query.where(Location.id.in_(actor.location_ids))
    rows = db.execute(query).all()
    if f.location_ids and len(rows) != len(set(f.location_ids)):
        raise NotFound("location")
    for model, value, what in (
        (Program, f.program_id, "program"),
        (Level, f.level_id, "level"),
    ):
        if value is not None and db.get(model, value) is None:
            raise NotFound(what)
    if f.class_id is not None:
        class_location = db.scalar(select(GymClass.location_id).where(GymClass.id == f.class_id))
        if class_location is None or not (actor.is_admin or class_location in actor.location_ids):
            raise NotFound("class")
    places = tuple(_Place(r.id, r.name, clock.today_in(r.timezone)) for r in rows)
    return _Scope(f, places)


def _class_conditions(f: AnalyticsFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.program_id is not None:
        conditions.append(GymClass.program_id == f.program_id)
    if f.level_id is not None:
        conditions.append(GymClass.level_id == f.level_id)
    if f.class_id is not None:
        conditions.append(GymClass.id == f.class_id)
    if f.instructor:
        conditions.append(GymClass.instructor_name == f.instructor)
    return conditions


def _attendance_where(scope: _Scope) -> list[ColumnElement[bool]]:
    """Location and date range first: ix_attendance_location_date_status_class_student
    covers them (and the class and student the queries group by)."""
    f = scope.filter
    where: list[ColumnElement[bool]] = [
        Attendance.location_id.in_(scope.location_ids),
        Attendance.class_date >= f.start,
        Attendance.class_date <= f.end,
    ]
    if f.class_id is not None:
        where.append(Attendance.class_id == f.class_id)  # ix_attendance_class_date
    if f.program_id is not None or f.level_id is not None or f.instructor:
        where.append(Attendance.class_id.in_(select(GymClass.id).where(*_class_conditions(f))))
    return where


def _count_of(statuses: Iterable[AttendanceStatus]) -> Any:
    return func.coalesce(func.sum(case((Attendance.status.in_(sorted(statuses)), 1), else_=0)), 0)


def _week_start(db: Session) -> Any:
    """The Monday of the class date's week, computed in SQL on either database."""
    if db.get_bind().dialect.name == "postgresql":
        # Truncate a plain timestamp: on a date PostgreSQL would pick timestamptz and the
        # session's time zone.
        return cast(func.date_trunc("week", cast(Attendance.class_date, DateTime)), Date)
    days_since_monday = (func.strftime("%w", Attendance.class_date) + 6) % 7
    return func.date(Attendance.class_date, func.printf("-%d days", days_since_monday), type_=Date)


def _frame(rows: Sequence[Any], columns: list[str], counts: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.astype(dict.fromkeys(counts, "int64"))


def _with_rate(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates come from the counts, as AttendanceRate defines them; NaN when nothing recorded."""
    rates = [
        AttendanceRate(attended=int(a), recorded=int(r)).rate
        for a, r in zip(frame["attended"], frame["recorded"], strict=True)
    ]
    frame["rate"] = pd.Series(rates, index=frame.index, dtype="float64")
    return frame


def _rate_frame(rows: Sequence[Any], keys: list[str]) -> pd.DataFrame:
    frame = _frame(rows, [*keys, "attended", "recorded"], ["attended", "recorded"])
    return _with_rate(frame)


def weekly_rate(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns week_start (Monday, a date), attended, recorded, rate; one row per week."""
    scope = _scope(db, actor, f)
    week = _week_start(db).label("week_start")
    rows = db.execute(
        select(week, _count_of(ATTENDED), _count_of(RECORDED))
        .where(*_attendance_where(scope))
        .group_by(week)
        .order_by(week)
    ).all()
    return _rate_frame(rows, ["week_start"])


def absences_over_time(db: Session, actor: Actor, f: AnalyticsFilter) -> pd.DataFrame:
    """Columns week_start, absent, excused, makeup; one row per week with any record."""
    scope = _scope(db, actor, f)
    week = _week_start(db).label("week_start")
    statuses = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED, AttendanceStatus.MAKEUP)
    rows = db.execute(
        select(week, *(_count_of([s]) for s in statuses))
        .where(*_attendance_where(scope))
        .group_by(week)
        .order_by(week)
    ).all()
    counts = [s.value for s in statuses]
    return _frame(rows, ["week_start", *counts], counts)


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
    if isinstance(below, bool) or not isinstance(below, int | float) or not 0 <= below <= 1:
        raise ValidationError("Choose an attendance rate between 0% and 100%.")
    scope = _scope(db, actor, f)
    per_class = _per_class(scope)
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
        .where(per_class.c.recorded > 0)
    ).all()
    frame = _rate_frame(rows, ["class_id", "class", "location"])
    # One row per class is already aggregated; filtering on the displayed rate keeps the edge
    # exact (7 of 10 is not below 70%), which a float product in SQL would not.
    frame = frame[frame["rate"] < below]
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
    if (
        isinstance(missed_in_a_row, bool)
        or not isinstance(missed_in_a_row, int)
        or not 1 <= missed_in_a_row <= MAX_MISSED_IN_A_ROW
    ):
        raise ValidationError(f"Choose between 1 and {MAX_MISSED_IN_A_ROW} missed classes.")
    scope = _scope(db, actor, f)
    ranked = (
        select(
            Attendance.student_id,
            Attendance.class_id,
            Attendance.class_date,
            Attendance.status,
            func.row_number()
            .over(
                partition_by=(Attendance.student_id, Attendance.class_id),
                order_by=Attendance.class_date.desc(),
            )
            .label("rn"),
        )
        .where(*_attendance_where(scope))
        .subquery("ranked")
    )
    first_break = func.min(case((ranked.c.status != AttendanceStatus.ABSENT, ranked.c.rn)))
    missed = func.coalesce(first_break - 1, func.count()).label("missed")
    last_present = func.max(
        case((ranked.c.status.in_(sorted(ATTENDED)), ranked.c.class_date))
    ).label("last_present")
    runs = (
        select(ranked.c.student_id, ranked.c.class_id, last_present, missed)
        .group_by(ranked.c.student_id, ranked.c.class_id)
        .having(missed >= missed_in_a_row)
        .subquery("runs")
    )
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
        .where(
            select(Enrollment.id)
            .where(
                Enrollment.student_id == runs.c.student_id,
                Enrollment.class_id == runs.c.class_id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.type.in_(IN_CLASS_TYPES),
            )
            .exists()
        )
        .order_by(runs.c.missed.desc(), Family.name, Student.first_name, Student.id)
    ).all()
    columns = ["student_id", "student", "family_id", "family", "class", "last_present", "missed"]
    return _frame(rows, columns, ["student_id", "family_id", "missed"])


def _on_each_today(places: Sequence[_Place], location: Any, condition: Any) -> ColumnElement[bool]:
    """`condition(today)` at each location, with that location's own today."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for place in places:
        by_day[place.today].append(place.id)
    return or_(*(and_(location.in_(ids), condition(day)) for day, ids in by_day.items()))


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


@dataclass(frozen=True)
class FilterChoices:
    """What the page's filter boxes offer: (id, name) pairs and instructor names."""

    programs: tuple[tuple[int, str], ...]
    levels: tuple[tuple[int, str], ...]
    classes: tuple[tuple[int, str], ...]
    instructors: tuple[str, ...]


def filter_choices(db: Session, actor: Actor, location_ids: tuple[int, ...] = ()) -> FilterChoices:
    """Programs, levels, active classes and instructors at the locations the actor sees."""
    require_staff(actor)
    for location_id in location_ids:
        require_location(actor, require_id(location_id, "location"))
    where = [GymClass.is_active.is_(True)]
    if location_ids:
        where.append(GymClass.location_id.in_(location_ids))
    elif not actor.is_admin:
        where.append(GymClass.location_id.in_(actor.location_ids))
    rows = db.execute(
        select(
            GymClass.id,
            GymClass.name,
            GymClass.instructor_name,
            Program.id.label("pid"),
            Program.name.label("program"),
            Level.id.label("lid"),
            Level.name.label("level"),
        )
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .where(*where)
        .order_by(Program.name, Level.position, GymClass.name)
    ).all()
    return FilterChoices(
        programs=tuple(dict.fromkeys((r.pid, r.program) for r in rows)),
        levels=tuple(dict.fromkeys((r.lid, f"{r.program} · {r.level}") for r in rows)),
        classes=tuple((r.id, r.name) for r in rows),
        instructors=tuple(sorted({r.instructor_name for r in rows if r.instructor_name})),
    )
