"""The family's home page: who is in the family, their current classes, the balance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import BindParameter, CompoundSelect, Row, bindparam, select, union
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    Guardian,
    GymClass,
    LedgerEntry,
    Level,
    Location,
    MakeupToken,
    Program,
    Student,
)
from services.billing.ledger import Balance, family_balance
from services.kernel import clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import NotFound
from services.kernel.schedule import WEEKDAY_NAMES
from services.kernel.validation import require_int

CURRENT_TYPES = (EnrollmentType.REGULAR, EnrollmentType.TRIAL)
# Fixed English names: calendar.day_name follows the server's locale.


@dataclass(frozen=True)
class LocationOption:
    id: int
    name: str


@dataclass(frozen=True)
class ClassSummary:
    enrollment_id: int
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
    enrollment_type: str


@dataclass(frozen=True)
class StudentSummary:
    id: int
    first_name: str
    last_name: str
    age: int
    current_classes: tuple[ClassSummary, ...]


@dataclass(frozen=True)
class FamilyHome:
    family_id: int
    family_name: str
    guardian_name: str
    students: tuple[StudentSummary, ...]
    balance: Balance
    location: LocationOption | None


def family_locations(db: Session, actor: Actor) -> list[LocationOption]:
    """The locations to choose from: a guardian's family's, a staff member's, or all (admin)."""
    return [LocationOption(id=row.id, name=row.name) for row in _locations(db, actor)]


def open_locations(db: Session, actor: Actor) -> list[LocationOption]:
    """Every active location of the business (where a family may transfer or book)."""
    if not (actor.is_guardian or actor.is_staff):
        raise NotFound("location")
    rows = db.execute(
        select(Location.id, Location.name)
        .where(Location.is_active.is_(True))
        .order_by(Location.name, Location.id)
    ).all()
    return [LocationOption(id=row.id, name=row.name) for row in rows]


def family_home(db: Session, actor: Actor, *, location_id: int | None = None) -> FamilyHome:
    """Guardians only. `location_id` is only echoed back if it is one of the family's."""
    family_id = require_guardian(actor)
    if location_id is not None:
        require_int(location_id, "location")  # only compared with the family's own
    locations = _locations(db, actor)
    chosen = next((row for row in locations if row.id == location_id), None)
    # Ages change at midnight where the family takes classes.
    home = chosen or (locations[0] if locations else None)
    today = clock.today_in(home.timezone if home else "UTC")
    head = db.execute(
        select(Family.name, Guardian.first_name, Guardian.last_name)
        .join(Guardian, Guardian.family_id == Family.id)
        .where(Family.id == family_id, Guardian.id == actor.guardian_id)
    ).one_or_none()
    if head is None:
        raise NotFound("family")
    classes = _current_classes(db, family_id)
    students = db.execute(
        select(Student.id, Student.first_name, Student.last_name, Student.birth_date)
        .where(Student.family_id == family_id, Student.is_active.is_(True))
        .order_by(Student.first_name, Student.last_name, Student.id)
    ).all()
    return FamilyHome(
        family_id=family_id,
        family_name=head.name,
        guardian_name=f"{head.first_name} {head.last_name}".strip(),
        students=tuple(
            StudentSummary(
                id=s.id,
                first_name=s.first_name,
                last_name=s.last_name,
                age=age_on(s.birth_date, today),
                current_classes=tuple(classes.get(s.id, ())),
            )
            for s in students
        ),
        balance=family_balance(db, actor, family_id),
        location=LocationOption(id=chosen.id, name=chosen.name) if chosen else None,
    )


def age_on(birth_date: date, day: date) -> int:
    """Whole years; a 29 February birthday counts from 1 March in other years."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def _locations(db: Session, actor: Actor) -> Sequence[Row[Any]]:
    if actor.is_staff and not actor.is_admin:
        return db.execute(_STAFF_LOCATIONS, {"ids": sorted(actor.location_ids)}).all()
    if not actor.is_admin:
        return db.execute(_FAMILY_LOCATIONS, {"family_id": require_guardian(actor)}).all()
    return db.execute(_ACTIVE_LOCATIONS).all()


def _family_location_ids(family_id: BindParameter[int]) -> CompoundSelect:
    """Where the family has (had) classes, makeup tokens or ledger entries."""
    return union(
        select(GymClass.location_id)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Student.family_id == family_id),
        select(MakeupToken.location_id).where(MakeupToken.family_id == family_id),
        select(LedgerEntry.location_id).where(LedgerEntry.family_id == family_id),
    )


# Built once (the router asks on every page run): SQLAlchemy reuses each statement's cache
# key instead of building and hashing the union again.
_ACTIVE_LOCATIONS = (
    select(Location.id, Location.name, Location.timezone)
    .where(Location.is_active.is_(True))
    .order_by(Location.name, Location.id)
)
_STAFF_LOCATIONS = _ACTIVE_LOCATIONS.where(Location.id.in_(bindparam("ids", expanding=True)))
_FAMILY_LOCATIONS = _ACTIVE_LOCATIONS.where(
    Location.id.in_(_family_location_ids(bindparam("family_id")))
)


def _current_classes(db: Session, family_id: int) -> dict[int, list[ClassSummary]]:
    """Current regular and trial enrollments per student, at every location, in one query.

    SQL narrows to dates within a day of UTC's today; each row's own location then decides
    what "today" is.
    """
    utc_today = clock.today_in("UTC")
    rows = db.execute(
        select(
            Enrollment.id,
            Enrollment.student_id,
            Enrollment.type,
            Enrollment.start_date,
            Enrollment.end_date,
            GymClass.name.label("class_name"),
            GymClass.weekday,
            GymClass.start_time,
            GymClass.end_time,
            GymClass.instructor_name,
            Program.name.label("program"),
            Level.name.label("level"),
            Location.id.label("location_id"),
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(Student, Student.id == Enrollment.student_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Student.family_id == family_id,
            Student.is_active.is_(True),
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(CURRENT_TYPES),
            Enrollment.start_date <= utc_today + timedelta(days=1),
            (Enrollment.end_date.is_(None))
            | (Enrollment.end_date >= utc_today - timedelta(days=1)),
        )
        .order_by(GymClass.weekday, GymClass.start_time, GymClass.name, Enrollment.id)
    ).all()
    today_at: dict[str, date] = {}
    by_student: dict[int, list[ClassSummary]] = defaultdict(list)
    for row in rows:
        today = today_at.setdefault(row.timezone, clock.today_in(row.timezone))
        if row.start_date <= today and (row.end_date is None or row.end_date >= today):
            by_student[row.student_id].append(_class_summary(row))
    return by_student


def _class_summary(row: Row[Any]) -> ClassSummary:
    return ClassSummary(
        enrollment_id=row.id,
        class_name=row.class_name,
        program=row.program,
        level=row.level,
        weekday=row.weekday,
        weekday_name=WEEKDAY_NAMES[row.weekday],
        start_time=row.start_time,
        end_time=row.end_time,
        location_id=row.location_id,
        location_name=row.location_name,
        instructor=row.instructor_name,
        enrollment_type=row.type.value,
    )
