"""Classes as the owner sets them up: create, edit, archive and restore (admins only).

A class is one weekly slot of a program level at a location, with its term dates (copied
from the active term the admin picks, or typed for a class outside any term), an
optional instructor (a staff account), capacity, an optional age range and its monthly
tuition (typed as money, stored in cents). Lowering the capacity below the students already
holding a seat is refused with that count, counted under the class lock so a booking cannot
slip in between. Archiving keeps every enrollment and its history; an archived class takes
no new students and leaves parents' choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment, GymClass, Level, Location, Role, Term, User
from services.backoffice.terms import terms_by_dates
from services.classes.capacity import lock_class, open_seats_from
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import NotFound, ValidationError
from services.kernel.money import format_cents, parse_amount
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_int, require_text

MAX_CAPACITY = 500
MAX_AGE = 99
LENGTHS = range(15, 8 * 60 + 1)  # minutes


@dataclass(frozen=True)
class ClassInput:
    """What the class form sends; every field is checked again here."""

    location_id: object
    level_id: object
    name: object
    weekday: object  # 0 = Monday … 6 = Sunday
    start_time: object  # a datetime.time at the location
    length_minutes: object
    term_start: object
    term_end: object
    capacity: object
    tuition: object  # as typed: "85" or "$85.00"
    instructor_user_id: object = None  # a staff account, or None
    min_age: object = None
    max_age: object = None
    term_id: object = None  # an active term (its dates win over the typed ones), or None


@dataclass(frozen=True)
class _Checked:
    location_id: int
    program_id: int
    level_id: int
    name: str
    weekday: int
    start_time: time
    end_time: time
    term_start: date
    term_end: date
    capacity: int
    tuition_cents: int
    instructor_user_id: int | None
    instructor_name: str
    min_age: int | None
    max_age: int | None


def create_class(db: Session, actor: Actor, form: ClassInput) -> int:
    """Admin: a new class; returns its id."""
    require_admin(actor)
    with write_transaction(db):
        checked = _check(db, form)
        cls = GymClass(**checked.__dict__)
        db.add(cls)
        db.flush()
        audit.record(db, actor, "class.created", entity="class", entity_id=cls.id,
                     details=_said(checked, form.term_id))  # fmt: skip
        return cls.id


def update_class(db: Session, actor: Actor, class_id: object, form: ClassInput) -> None:
    """Admin: change a class. Its location is fixed once anyone was ever enrolled (their
    history stays where it happened); capacity never goes below the seats already held."""
    require_admin(actor)
    number = require_id(class_id, "class")
    with write_transaction(db):
        cls = lock_class(db, number)
        if cls is None:
            raise NotFound("class")
        checked = _check(db, form)
        if checked.location_id != cls.location_id and _has_enrollments(db, cls.id):
            raise ValidationError(
                "This class already has students, so it stays at its location. "
                "Archive it and add a new class at the other location."
            )
        if checked.capacity < cls.capacity:
            _require_room_for_everyone(db, cls, checked.capacity)
        for field, value in checked.__dict__.items():
            setattr(cls, field, value)
        audit.record(db, actor, "class.updated", entity="class", entity_id=cls.id,
                     details=_said(checked, form.term_id))  # fmt: skip


def class_values(db: Session, actor: Actor, class_id: object) -> ClassInput:
    """Admin: a class's current values as the form shows them (tuition as typed money). Its
    term is the active term with exactly its dates, if there is one (a class stores dates)."""
    require_admin(actor)
    cls = db.get(GymClass, require_id(class_id, "class"))
    if cls is None:
        raise NotFound("class")
    start = datetime.combine(date(2000, 1, 1), cls.start_time)
    length = datetime.combine(date(2000, 1, 1), cls.end_time) - start
    return ClassInput(
        location_id=cls.location_id,
        level_id=cls.level_id,
        name=cls.name,
        weekday=cls.weekday,
        start_time=cls.start_time,
        length_minutes=int(length.total_seconds() // 60),
        term_start=cls.term_start,
        term_end=cls.term_end,
        capacity=cls.capacity,
        tuition=f"{cls.tuition_cents // 100}.{cls.tuition_cents % 100:02d}",
        instructor_user_id=cls.instructor_user_id,
        min_age=cls.min_age,
        max_age=cls.max_age,
        term_id=getattr(terms_by_dates(db).get((cls.term_start, cls.term_end)), "id", None),
    )


def archive_class(db: Session, actor: Actor, class_id: object) -> None:
    """Admin: the class takes no new students and leaves parents' choices; its places and
    history stay."""
    _set_active(db, actor, class_id, False)


def restore_class(db: Session, actor: Actor, class_id: object) -> None:
    """Admin: take an archived class back into the schedule."""
    _set_active(db, actor, class_id, True)


def _set_active(db: Session, actor: Actor, class_id: object, active: bool) -> None:
    require_admin(actor)
    number = require_id(class_id, "class")
    with write_transaction(db):
        cls = lock_class(db, number)
        if cls is None:
            raise NotFound("class")
        cls.is_active = active
        action = "class.restored" if active else "class.archived"
        audit.record(db, actor, action, entity="class", entity_id=cls.id)


def _require_room_for_everyone(db: Session, cls: GymClass, capacity: int) -> None:
    """Seats held at the fullest meeting from the class's next one on (caller holds the
    class lock): places, makeup visits and drop-ins."""
    timezone = db.scalar(select(Location.timezone).where(Location.id == cls.location_id))
    today = clock.today_in(timezone or "UTC")
    held = cls.capacity - open_seats_from(db, cls, max(today, cls.term_start))
    if capacity < held:
        students = "1 student holds a seat" if held == 1 else f"{held} students hold seats"
        raise ValidationError(f"{students} in {cls.name}, so the capacity cannot go below {held}.")


def _has_enrollments(db: Session, class_id: int) -> bool:
    return (
        db.scalar(select(Enrollment.id).where(Enrollment.class_id == class_id).limit(1)) is not None
    )


def _check(db: Session, data: ClassInput) -> _Checked:
    if not isinstance(data, ClassInput):
        raise ValidationError("The class form is not valid.")
    location_id = require_id(data.location_id, "location")
    if not db.scalar(select(Location.is_active).where(Location.id == location_id)):
        raise NotFound("location")
    level = db.get(Level, require_id(data.level_id, "level"))
    if level is None:
        raise NotFound("level")
    name = require_text(data.name, "class name", max_length=120).strip()
    if not name:
        raise ValidationError("Enter the class name.")
    weekday = require_int(data.weekday, "weekday")
    if not 0 <= weekday <= 6:
        raise ValidationError("Choose a weekday.")
    start, end = _times(data.start_time, data.length_minutes)
    term_start, term_end = _term_dates(db, data)
    capacity = require_int(data.capacity, "capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(f"The capacity must be between 1 and {MAX_CAPACITY}.")
    min_age, max_age = _age(data.min_age, "youngest"), _age(data.max_age, "oldest")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ValidationError("The youngest age cannot be above the oldest.")
    instructor_id, instructor_name = _instructor(db, data.instructor_user_id)
    return _Checked(
        location_id=location_id,
        program_id=level.program_id,
        level_id=level.id,
        name=name,
        weekday=weekday,
        start_time=start,
        end_time=end,
        term_start=term_start,
        term_end=term_end,
        capacity=capacity,
        tuition_cents=parse_amount(
            require_text(data.tuition, "tuition", max_length=64), get_settings(db).currency
        ),
        instructor_user_id=instructor_id,
        instructor_name=instructor_name,
        min_age=min_age,
        max_age=max_age,
    )


def _times(start: object, length: object) -> tuple[time, time]:
    if not isinstance(start, time) or start.tzinfo is not None:
        raise ValidationError("Choose the start time.")
    minutes = require_int(length, "length")
    if minutes not in LENGTHS:
        raise ValidationError("A class lasts between 15 minutes and 8 hours.")
    begins = datetime.combine(date(2000, 1, 1), start.replace(second=0, microsecond=0))
    ends = begins + timedelta(minutes=minutes)
    if ends.date() != begins.date():
        raise ValidationError("A class must end before midnight.")
    return begins.time(), ends.time()


def _term_dates(db: Session, data: ClassInput) -> tuple[date, date]:
    """The chosen term's dates (copied: editing a term later changes no class), else the
    dates typed for a class outside any term. Only active terms may be chosen."""
    if data.term_id is None:
        first, last = _date(data.term_start, "start"), _date(data.term_end, "end")
        if last < first:
            raise ValidationError("The term must end on or after its first day.")
        return first, last
    term = db.get(Term, require_id(data.term_id, "term"))
    if term is None:
        raise NotFound("term")
    if not term.is_active:
        raise ValidationError(
            f"The term {term.name} is archived, so classes no longer run in it. "
            "Choose an active term."
        )
    return term.start_date, term.end_date


def _date(value: object, which: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"Choose the term's {which} date.")
    return value


def _age(value: object, which: str) -> int | None:
    if value is None:
        return None
    age = require_int(value, f"{which} age")
    if not 0 <= age <= MAX_AGE:
        raise ValidationError(f"The {which} age must be between 0 and {MAX_AGE}.")
    return age


def _instructor(db: Session, user_id: object) -> tuple[int | None, str]:
    """A staff or admin account that is active, with the name rosters show."""
    if user_id is None:
        return None, ""
    user = db.get(User, require_id(user_id, "instructor"))
    if user is None or user.role is Role.GUARDIAN or not user.is_active:
        raise NotFound("instructor")
    return user.id, user.display_name or user.email


def _said(checked: _Checked, term_id: object) -> dict[str, object]:
    """The audit entry's details: plain values (the term id only when one was chosen)."""
    details = {
        key: value.isoformat() if isinstance(value, date | time) else value
        for key, value in checked.__dict__.items()
    }
    details["tuition"] = format_cents(checked.tuition_cents)
    details["term_id"] = None if term_id is None else int(term_id)  # type: ignore[call-overload]
    return details
