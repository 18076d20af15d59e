"""Marking skills from a class roster: the class's sheet (its students × its level's skills,
each with the newest mark) and saving a whole sheet at once.

Who marks: the class's instructor (the staff account the class names), staff at the class's
location, admins. Guardians never. A save writes an evaluation only where the status or the
note changed (the newest evaluation per student and skill is the current one, so history is
kept and the parent's Skills tab reads the new marks at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    Evaluation,
    GymClass,
    Skill,
    SkillStatus,
    Student,
)
from services.classes.capacity import ONGOING_TYPES
from services.kernel import audit, clock
from services.kernel.access import Actor, can_see_location, require_teaching_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import class_with_slot
from services.kernel.schedule import WEEKDAY_NAMES
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_text

MAX_NOTE = 500
MAX_MARKS = 2_000  # a class of 50 students with 40 skills
_NEVER = (SkillStatus.NOT_STARTED.value, "")  # a skill nobody has marked yet


@dataclass(frozen=True)
class SkillMark:
    student_id: int
    skill_id: int
    status: str  # SkillStatus value
    note: str = ""


@dataclass(frozen=True)
class ClassToMark:
    class_id: int
    label: str  # "Tuesday 16:00 · Tumblers"


@dataclass(frozen=True)
class SkillSheet:
    class_id: int
    class_name: str
    skills: tuple[tuple[int, str], ...]  # (skill id, name) in the level's order
    students: tuple[tuple[int, str], ...]  # (student id, full name) by name
    marks: tuple[SkillMark, ...]  # every student × skill, not_started where never marked


def classes_to_mark(db: Session, actor: Actor, location_id: object = None) -> list[ClassToMark]:
    """Staff and instructors: the active classes they may mark — the ones they teach, and
    every class at `location_id` when it is one of theirs (admins: any) — by weekday and
    time."""
    require_teaching_staff(actor)
    mine = GymClass.instructor_user_id == actor.user_id
    if location_id is not None:
        number = require_id(location_id, "location")
        if not can_see_location(actor, number):
            raise NotFound("location")
        mine = or_(mine, GymClass.location_id == number)
    rows = db.execute(
        select(GymClass.id, GymClass.name, GymClass.weekday, GymClass.start_time)
        .where(mine, GymClass.is_active.is_(True))
        .order_by(GymClass.weekday, GymClass.start_time, GymClass.name, GymClass.id)
    )
    return [
        ClassToMark(class_id, f"{WEEKDAY_NAMES[weekday]} {start:%H:%M} · {name}")
        for class_id, name, weekday, start in rows
    ]


def skill_sheet(db: Session, actor: Actor, class_id: object) -> SkillSheet:
    """The class's instructor, staff at its location, admins: the sheet to mark."""
    cls, today = _markable_class(db, actor, class_id)
    skills = _skills(db, cls)
    students = _students(db, cls, today)
    newest = _newest(db, [student_id for student_id, _ in students], [s for s, _ in skills])
    marks = [
        SkillMark(student_id, skill_id, *newest.get((student_id, skill_id), _NEVER))
        for student_id, _ in students
        for skill_id, _ in skills
    ]
    return SkillSheet(cls.id, cls.name, tuple(skills), tuple(students), tuple(marks))


def mark_skills(db: Session, actor: Actor, class_id: object, marks: object) -> int:
    """Save a sheet (or part of one): each mark for a student on the class's roster and a
    skill of its level. Returns how many evaluations were written (unchanged marks are
    skipped). All or nothing: one bad mark refuses the whole save."""
    if not isinstance(marks, list | tuple) or len(marks) > MAX_MARKS:
        raise ValidationError("The marks are not valid. Please reload the page.")
    with write_transaction(db):
        cls, today = _markable_class(db, actor, class_id)
        skill_ids = {skill_id for skill_id, _ in _skills(db, cls)}
        student_ids = {student_id for student_id, _ in _students(db, cls, today)}
        checked = [_check(mark, skill_ids, student_ids) for mark in marks]
        written = 0
        current = _newest(db, list(student_ids), list(skill_ids))
        for mark in checked:
            if (mark.status, mark.note) == current.get((mark.student_id, mark.skill_id), _NEVER):
                continue
            db.add(
                Evaluation(
                    student_id=mark.student_id,
                    skill_id=mark.skill_id,
                    status=SkillStatus(mark.status),
                    evaluated_on=today,
                    instructor_name=(actor.display_name or "Staff")[:120],
                    note=mark.note,
                )
            )
            written += 1
        if written:
            audit.record(
                db,
                actor,
                "evaluations.marked",
                entity="class",
                entity_id=cls.id,
                details={"evaluations": written},
            )
        return written


def _newest(
    db: Session, student_ids: list[int], skill_ids: list[int]
) -> dict[tuple[int, int], tuple[str, str]]:
    """(student, skill) → (status, note) of the newest evaluation, in one query."""
    if not student_ids or not skill_ids:
        return {}
    ranked = (
        select(
            Evaluation.student_id,
            Evaluation.skill_id,
            Evaluation.status,
            Evaluation.note,
            func.row_number()
            .over(
                partition_by=(Evaluation.student_id, Evaluation.skill_id),
                order_by=(Evaluation.evaluated_on.desc(), Evaluation.id.desc()),
            )
            .label("rank"),
        )
        .where(Evaluation.student_id.in_(student_ids), Evaluation.skill_id.in_(skill_ids))
        .subquery()
    )
    rows = db.execute(select(ranked).where(ranked.c.rank == 1))
    return {(r.student_id, r.skill_id): (SkillStatus(r.status).value, r.note) for r in rows}


def _markable_class(db: Session, actor: Actor, class_id: object) -> tuple[GymClass, date]:
    require_teaching_staff(actor)
    cls, slot = class_with_slot(db, require_id(class_id, "class"))
    mine = cls.instructor_user_id is not None and cls.instructor_user_id == actor.user_id
    if not mine and not can_see_location(actor, cls.location_id):
        raise NotFound("class")
    return cls, clock.today_in(slot.timezone)


def _skills(db: Session, cls: GymClass) -> list[tuple[int, str]]:
    rows = db.execute(
        select(Skill.id, Skill.name)
        .where(Skill.level_id == cls.level_id)
        .order_by(Skill.position, Skill.id)
    )
    return [(skill_id, name) for skill_id, name in rows]


def _students(db: Session, cls: GymClass, today: date) -> list[tuple[int, str]]:
    """Students holding a current place (regular or trial) in the class today or later."""
    rows = db.execute(
        select(Student.id, Student.first_name, Student.last_name)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(
            Enrollment.class_id == cls.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(ONGOING_TYPES),
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today),
        )
        .distinct()
        .order_by(Student.first_name, Student.last_name, Student.id)
    )
    return [(student_id, f"{first} {last}") for student_id, first, last in rows]


def _check(mark: object, skill_ids: set[int], student_ids: set[int]) -> SkillMark:
    if not isinstance(mark, SkillMark):
        raise ValidationError("The marks are not valid. Please reload the page.")
    if require_id(mark.student_id, "student") not in student_ids:
        raise NotFound("student")
    if require_id(mark.skill_id, "skill") not in skill_ids:
        raise NotFound("skill")
    if mark.status not in {status.value for status in SkillStatus}:
        raise ValidationError("Choose not started, in progress or mastered.")
    note = require_text(mark.note, "note", max_length=MAX_NOTE).strip()
    return SkillMark(mark.student_id, mark.skill_id, mark.status, note)
