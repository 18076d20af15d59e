"""The class list of one location: searchable, paged, by weekday, each class with its fill
(seats held at its fullest meeting from the next one on, against capacity) and the length of
its waitlist; plus what the class form needs (levels, instructors, one class's values).

Staff read their locations' lists (the desk fills seats from it); admins read every one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    GymClass,
    Level,
    Location,
    Program,
    Role,
    User,
)
from services.backoffice.terms import terms_by_dates
from services.classes.capacity import bookings
from services.kernel import clock
from services.kernel.access import Actor, require_admin, require_location
from services.kernel.errors import NotFound, ValidationError
from services.kernel.schedule import WEEKDAY_NAMES
from services.kernel.validation import require_id, require_int, require_text

PAGE_SIZE = 20


@dataclass(frozen=True)
class ClassRow:
    class_id: int
    name: str
    program: str
    level: str
    weekday_name: str
    start_time: time
    end_time: time
    term_start: date
    term_end: date
    instructor: str
    capacity: int
    enrolled: int  # seats held at the fullest meeting from the next one on
    open_seats: int  # capacity − enrolled (negative: over capacity)
    waitlist: int
    tuition_cents: int
    min_age: int | None
    max_age: int | None
    is_active: bool
    term: str = ""  # the name of the active term with exactly these dates, if any


@dataclass(frozen=True)
class ClassPage:
    rows: tuple[ClassRow, ...]
    total: int  # classes matching, on every page
    page: int
    pages: int


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


def class_list(
    db: Session,
    actor: Actor,
    location_id: object,
    *,
    weekday: object = None,
    query: object = "",
    archived: object = False,
    page: object = 0,
) -> ClassPage:
    """Staff at the location, admins: one page of its classes by weekday and start time.
    Six queries however many classes match."""
    number = require_id(location_id, "location")
    require_location(actor, number)
    timezone = db.scalar(select(Location.timezone).where(Location.id == number))
    if timezone is None:
        raise NotFound("location")
    filters = [GymClass.location_id == number, GymClass.is_active.is_(archived is not True)]
    if weekday is not None:
        day = require_int(weekday, "weekday")
        if not 0 <= day <= 6:
            raise ValidationError("Choose a weekday.")
        filters.append(GymClass.weekday == day)
    words = require_text(query, "search", max_length=100).strip().lower()
    if words:
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        filters.append(
            func.lower(GymClass.name + " " + GymClass.instructor_name).like(pattern, escape="\\")
            | func.lower(Program.name + " " + Level.name).like(pattern, escape="\\")
        )
    base = (
        select(GymClass, Program.name.label("program"), Level.name.label("level"))
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .where(*filters)
    )
    total = db.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    index = require_int(page, "page")
    if not 0 <= index < pages:
        index = 0
    rows = db.execute(
        base.order_by(GymClass.weekday, GymClass.start_time, GymClass.name, GymClass.id)
        .limit(PAGE_SIZE)
        .offset(index * PAGE_SIZE)
    ).all()
    return ClassPage(_rows(db, rows, clock.today_in(timezone)), total, index, pages)


def _rows(db: Session, rows: list, today: date) -> tuple[ClassRow, ...]:  # type: ignore[type-arg]
    classes = [row.GymClass for row in rows]
    booked = bookings(db, classes, today, with_absences=False)
    terms = terms_by_dates(db)
    waiting = dict(
        db.execute(
            select(Enrollment.class_id, func.count())
            .where(
                Enrollment.class_id.in_([cls.id for cls in classes]),
                Enrollment.status == EnrollmentStatus.WAITLISTED,
            )
            .group_by(Enrollment.class_id)
        ).all()
    )
    found = []
    for row in rows:
        cls: GymClass = row.GymClass
        first = max(today, cls.term_start)
        free = booked[cls.id].open_from(first) if first <= cls.term_end else cls.capacity
        found.append(
            ClassRow(
                class_id=cls.id,
                name=cls.name,
                program=row.program,
                level=row.level,
                weekday_name=WEEKDAY_NAMES[cls.weekday],
                start_time=cls.start_time,
                end_time=cls.end_time,
                term_start=cls.term_start,
                term_end=cls.term_end,
                instructor=cls.instructor_name,
                capacity=cls.capacity,
                enrolled=cls.capacity - free,
                open_seats=free,
                waitlist=waiting.get(cls.id, 0),
                tuition_cents=cls.tuition_cents,
                min_age=cls.min_age,
                max_age=cls.max_age,
                is_active=cls.is_active,
                term=getattr(terms.get((cls.term_start, cls.term_end)), "name", ""),
            )
        )
    return tuple(found)


def level_choices(db: Session, actor: Actor) -> list[Choice]:
    """Admin: every level as "Program · Level", in program and level order."""
    require_admin(actor)
    rows = db.execute(
        select(Level.id, Program.name, Level.name)
        .join(Program, Program.id == Level.program_id)
        .order_by(Program.name, Level.position, Level.id)
    )
    return [Choice(level_id, f"{program} · {level}") for level_id, program, level in rows]


def instructor_choices(db: Session, actor: Actor) -> list[Choice]:
    """Admin: the active staff and admin accounts a class may name as its instructor."""
    require_admin(actor)
    rows = db.execute(
        select(User.id, User.display_name, User.email)
        .where(User.role.in_((Role.STAFF, Role.INSTRUCTOR, Role.ADMIN)), User.is_active)
        .order_by(User.display_name, User.email)
    )
    return [Choice(user_id, name or email) for user_id, name, email in rows]
