"""What every analytics query stands on: the filter (AnalyticsFilter) and its checks, the
scope it resolves to (the locations the actor may see, each with its own today), the SQL
pieces the queries share (class conditions, the indexed attendance range, status counts)
and the small frames they return; and the choices the page's filter boxes offer
(filter_choices).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from data.models import Attendance, AttendanceStatus, GymClass, Level, Location, Program
from services.classes.attendance_rate import AttendanceRate
from services.kernel import clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.validation import require_id, require_text

MAX_SPAN_DAYS = 731  # "at most two years", both ends inclusive
MAX_INSTRUCTOR_LENGTH = 120  # GymClass.instructor_name


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


def _on_each_today(places: Sequence[_Place], location: Any, condition: Any) -> ColumnElement[bool]:
    """`condition(today)` at each location, with that location's own today."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for place in places:
        by_day[place.today].append(place.id)
    return or_(*(and_(location.in_(ids), condition(day)) for day, ids in by_day.items()))


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
