"""A family's students: the cards on the Students page, adding and editing a student. Who may
reach a student or a family is services.kernel.reach."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import (
    Student,
)
from services.families.home import age_on
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.reach import family_timezone, reachable_family, student_in_reach
from services.kernel.validation import require_id

NAME_MAX = 60
GENDER_MAX = 40
NOTES_MAX = 1000
OLDEST_AGE_YEARS = 100
NAME_MARKS = frozenset(" -'.’")  # besides letters: space, hyphen, apostrophes, period
UNWRITABLE = frozenset({"Cc", "Cs"})  # control characters; lone surrogates break UTF-8


@dataclass(frozen=True)
class StudentInput:
    """What the Add / Edit student form sends."""

    first_name: str
    last_name: str
    birth_date: date
    gender: str = ""
    medical_notes: str = ""


@dataclass(frozen=True)
class StudentCard:
    id: int
    family_id: int
    first_name: str
    last_name: str
    age: int  # whole years today where the family takes classes
    birth_date: date
    gender: str
    medical_notes: str
    is_active: bool

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def family_students(
    db: Session, actor: Actor, *, family_id: int | None = None
) -> list[StudentCard]:
    """Active students first, then by name. Guardians see their own family (`family_id` may
    be left out); staff name the family, which must be seen at one of their locations."""
    family_id = reachable_family(db, actor, family_id)
    today = clock.today_in(family_timezone(db, family_id))
    students = db.scalars(
        select(Student)
        .where(Student.family_id == family_id)
        .order_by(Student.is_active.desc(), Student.first_name, Student.last_name, Student.id)
    ).all()
    return [_card(student, today) for student in students]


def add_student(
    db: Session, actor: Actor, data: StudentInput, *, family_id: int | None = None
) -> StudentCard:
    """A new student joins the family (any guardian of it, or staff for a family they see)."""
    _require_input(data)
    begin_write(db)
    try:
        family_id = reachable_family(db, actor, family_id)
        today = clock.today_in(family_timezone(db, family_id))
        clean = _clean_input(data, today)
        student = Student(family_id=family_id, created_at=clock.now(), **_columns(clean))
        db.add(student)
        db.flush()
        audit.record(
            db,
            actor,
            "student.added",
            entity="student",
            entity_id=student.id,
            family_id=family_id,
        )
    except Exception:
        db.rollback()
        raise
    db.commit()
    return _card(student, today)


def update_student(db: Session, actor: Actor, student_id: int, data: StudentInput) -> StudentCard:
    """Change a student's details; the audit log names the fields changed (not their values,
    which may be medical)."""
    require_id(student_id, "student")
    _require_input(data)
    begin_write(db)
    try:
        student = student_in_reach(db, actor, student_id)
        today = clock.today_in(family_timezone(db, student.family_id))
        changes = {
            name: value
            for name, value in _columns(_clean_input(data, today)).items()
            if getattr(student, name) != value
        }
        for name, value in changes.items():
            setattr(student, name, value)
        if changes:
            audit.record(
                db,
                actor,
                "student.updated",
                entity="student",
                entity_id=student.id,
                family_id=student.family_id,
                details={"fields": sorted(changes)},
            )
    except Exception:
        db.rollback()
        raise
    db.commit()
    return _card(student, today)


def _clean_input(data: StudentInput, today: date) -> StudentInput:
    """The form's values trimmed and checked; raises ValidationError naming what to fix."""
    return StudentInput(
        first_name=clean_person_name(data.first_name, "first name"),
        last_name=clean_person_name(data.last_name, "last name"),
        birth_date=_clean_birth_date(data.birth_date, today),
        gender=_clean_text(data.gender, "gender", GENDER_MAX),
        medical_notes=_clean_text(data.medical_notes, "medical notes", NOTES_MAX, newlines=True),
    )


def clean_student_input(data: object, today: date) -> StudentInput:
    """The one check of a student's details, for the parents' form and the desk's alike."""
    _require_input(data)
    assert isinstance(data, StudentInput)  # _require_input refused anything else
    return _clean_input(data, today)


def _require_input(data: object) -> None:
    if not isinstance(data, StudentInput):
        raise ValidationError("The student's details are not valid.")


def clean_person_name(value: object, label: str) -> str:
    """A person's first or last name (students and guardians alike), trimmed and checked."""
    if not isinstance(value, str):
        raise ValidationError(f"Enter the {label}.")
    if len(value) > 4 * NAME_MAX:  # refuse huge input before any work on it
        raise ValidationError(f"The {label} must be at most {NAME_MAX} characters.")
    if any(unicodedata.category(c) in UNWRITABLE for c in value):
        raise ValidationError(f"The {label} contains a character that is not allowed.")
    # Any run of spaces (including no-break and ideographic spaces) becomes one space.
    words = unicodedata.normalize("NFC", value).split()
    name = " ".join(words)
    if not name:
        raise ValidationError(f"Enter the {label}.")
    if len(name) > NAME_MAX:
        raise ValidationError(f"The {label} must be at most {NAME_MAX} characters.")
    if not all(c in NAME_MARKS or unicodedata.category(c)[0] in "LM" for c in name):
        raise ValidationError(
            f"The {label} can only contain letters, spaces, hyphens, apostrophes and periods."
        )
    if not any(unicodedata.category(c)[0] == "L" for c in name):
        raise ValidationError(f"The {label} needs at least one letter.")
    return name


def _clean_birth_date(value: object, today: date) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError("Enter the birth date as a date.")
    if value > today:
        raise ValidationError("The birth date cannot be in the future.")
    if value < _years_before(today, OLDEST_AGE_YEARS):
        raise ValidationError(
            f"The birth date cannot be more than {OLDEST_AGE_YEARS} years ago; check the year."
        )
    return value


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _clean_text(value: object, label: str, limit: int, *, newlines: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"The {label} must be text.")
    text = value.replace("\r\n", "\n") if newlines else value
    text = text.strip()
    if len(text) > limit:
        raise ValidationError(f"The {label} must be at most {limit} characters.")
    if any(unicodedata.category(c) in UNWRITABLE and not (newlines and c == "\n") for c in text):
        raise ValidationError(f"The {label} contains a character that is not allowed.")
    return text


def _columns(clean: StudentInput) -> dict[str, Any]:
    return {field.name: getattr(clean, field.name) for field in fields(StudentInput)}


def _card(student: Student, today: date) -> StudentCard:
    return StudentCard(
        id=student.id,
        family_id=student.family_id,
        first_name=student.first_name,
        last_name=student.last_name,
        age=age_on(student.birth_date, today),
        birth_date=student.birth_date,
        gender=student.gender,
        medical_notes=student.medical_notes,
        is_active=student.is_active,
    )
