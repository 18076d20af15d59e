"""Skill evaluations: each level's skills with the newest evaluation of each, and progress."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    Evaluation,
    GymClass,
    Level,
    Location,
    Program,
    Skill,
    SkillStatus,
)
from services.classes.capacity import ONGOING_TYPES
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.reach import student_in_reach


@dataclass(frozen=True)
class SkillProgress:
    skill_id: int
    name: str
    status: str  # SkillStatus value; not_started when never evaluated
    evaluated_on: date | None
    instructor: str
    note: str


@dataclass(frozen=True)
class LevelProgress:
    program_id: int
    program: str
    level_id: int
    level: str
    position: int  # order within the program, 1 = first level
    is_current: bool  # the student is enrolled in a class of this level now
    skills: tuple[SkillProgress, ...]  # in the level's order
    mastered: int  # "7 of 12 skills mastered": mastered of total
    total: int


def student_evaluations(db: Session, actor: Actor, student_id: int) -> list[LevelProgress]:
    """The levels of the student's current and past enrollments (regular or trial; not
    waitlists, makeup visits or drop-ins), the current ones first, each group by program then
    level position. Four queries besides the access check, however many levels, skills and
    evaluations there are."""
    student = student_in_reach(db, actor, student_id)
    enrolled = _enrolled_levels(db, student.id)
    newest = _newest_evaluations(db, student.id)
    levels: dict[int, tuple[Row[Any], list[SkillProgress]]] = {}
    for row in _level_skills(db, enrolled):
        _, skills = levels.setdefault(row.level_id, (row, []))
        # An archived skill stays where it was evaluated, and nowhere else.
        if row.skill_id is not None and (row.skill_active or row.skill_id in newest):
            skills.append(_skill_progress(row, newest.get(row.skill_id)))
    progress = [
        LevelProgress(
            program_id=row.program_id,
            program=row.program,
            level_id=row.level_id,
            level=row.level,
            position=row.position,
            is_current=enrolled[row.level_id],
            skills=tuple(skills),
            mastered=sum(s.status == SkillStatus.MASTERED for s in skills),
            total=len(skills),
        )
        for row, skills in levels.values()
    ]
    return sorted(progress, key=lambda level: not level.is_current)  # stable: keeps the order


def _enrolled_levels(db: Session, student_id: int) -> dict[int, bool]:
    """Each level the student has or had an enrollment in: whether one is current (active and
    not ended before today at the class's location)."""
    rows = db.execute(
        select(GymClass.level_id, Enrollment.status, Enrollment.end_date, Location.timezone)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Enrollment.student_id == student_id,
            Enrollment.type.in_(ONGOING_TYPES),
            Enrollment.status != EnrollmentStatus.WAITLISTED,
        )
    )
    levels: dict[int, bool] = {}
    for row in rows:
        current = row.status is EnrollmentStatus.ACTIVE and (
            row.end_date is None or row.end_date >= clock.today_in(row.timezone)
        )
        levels[row.level_id] = levels.get(row.level_id, False) or current
    return levels


def _level_skills(db: Session, level_ids: Iterable[int]) -> list[Row[Any]]:
    ids = list(level_ids)
    if not ids:
        return []
    return list(
        db.execute(
            select(
                Program.id.label("program_id"),
                Program.name.label("program"),
                Level.id.label("level_id"),
                Level.name.label("level"),
                Level.position,
                Skill.id.label("skill_id"),
                Skill.name.label("skill"),
                Skill.is_active.label("skill_active"),
            )
            .join(Program, Program.id == Level.program_id)
            .outerjoin(Skill, Skill.level_id == Level.id)
            .where(Level.id.in_(ids))
            .order_by(Program.name, Program.id, Level.position, Skill.position, Skill.id)
        ).all()
    )


def _newest_evaluations(db: Session, student_id: int) -> dict[int, Row[Any]]:
    """The student's newest evaluation of each skill (the latest date; the latest entry on
    the same date)."""
    ranked = (
        select(
            Evaluation.skill_id,
            Evaluation.status,
            Evaluation.evaluated_on,
            Evaluation.instructor_name,
            Evaluation.note,
            func.row_number()
            .over(
                partition_by=Evaluation.skill_id,
                order_by=(Evaluation.evaluated_on.desc(), Evaluation.id.desc()),
            )
            .label("rank"),
        )
        .where(Evaluation.student_id == student_id)
        .subquery()
    )
    rows = db.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {row.skill_id: row for row in rows}


def _skill_progress(row: Row[Any], evaluation: Row[Any] | None) -> SkillProgress:
    if evaluation is None:
        return SkillProgress(
            skill_id=row.skill_id,
            name=row.skill,
            status=SkillStatus.NOT_STARTED.value,
            evaluated_on=None,
            instructor="",
            note="",
        )
    return SkillProgress(
        skill_id=row.skill_id,
        name=row.skill,
        status=SkillStatus(evaluation.status).value,
        evaluated_on=evaluation.evaluated_on,
        instructor=evaluation.instructor_name,
        note=evaluation.note,
    )
