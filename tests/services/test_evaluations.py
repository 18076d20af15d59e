"""Skill evaluations grouped by level, with the newest evaluation per skill."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import EnrollmentStatus, Level, SkillStatus
from services.evaluations import LevelProgress, SkillProgress, student_evaluations
from tests import factories as f
from tests.support.queries import count_queries

MASTERED, IN_PROGRESS, NOT_STARTED = (
    SkillStatus.MASTERED,
    SkillStatus.IN_PROGRESS,
    SkillStatus.NOT_STARTED,
)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    return f.family_gym(db)


def level_of(db: Session, gym: f.FamilyGym) -> Level:
    level = db.get(Level, gym.cls.level_id)
    assert level is not None
    return level


def test_each_skill_shows_its_newest_evaluation(db: Session, gym: f.FamilyGym) -> None:
    level = level_of(db, gym)
    roll, cartwheel, handstand = (
        f.skill(db, level, "Forward roll", 1),
        f.skill(db, level, "Cartwheel", 2),
        f.skill(db, level, "Handstand", 3),
    )
    f.evaluation(db, gym.maya, roll, IN_PROGRESS, date(2026, 9, 8), note="Tuck chin")
    f.evaluation(db, gym.maya, roll, MASTERED, date(2026, 10, 6), instructor="Coach Lee")
    f.evaluation(db, gym.maya, cartwheel, MASTERED, date(2026, 10, 13))
    f.evaluation(db, gym.maya, cartwheel, IN_PROGRESS, date(2026, 10, 13), note="Same day, later")
    f.evaluation(db, gym.other_student, handstand, MASTERED, date(2026, 10, 6))  # not Maya's
    (progress,) = student_evaluations(db, gym.guardian, gym.maya.id)
    assert progress == LevelProgress(
        program_id=level.program_id,
        program=progress.program,
        level_id=level.id,
        level="Level 1",
        position=1,
        skills=(
            SkillProgress(roll.id, "Forward roll", "mastered", date(2026, 10, 6), "Coach Lee", ""),
            SkillProgress(
                cartwheel.id,
                "Cartwheel",
                "in_progress",
                date(2026, 10, 13),
                "Coach Dana",
                "Same day, later",
            ),
            SkillProgress(handstand.id, "Handstand", "not_started", None, "", ""),
        ),
        mastered=1,
        total=3,
    )
    assert progress.program.startswith("Gymnastics")


def test_levels_come_from_evaluations_and_enrollments_in_program_order(
    db: Session, gym: f.FamilyGym
) -> None:
    level1 = level_of(db, gym)
    level2 = f.next_level(db, level1, "Level 2")
    level3 = f.next_level(db, level2, "Level 3")  # waitlisted only: not shown
    f.next_level(db, level3, "Level 4")  # nothing to do with Maya
    f.skill(db, level1, "Roll", 1)
    f.evaluation(db, gym.maya, f.skill(db, level2, "Cartwheel", 1), MASTERED, date(2026, 11, 3))
    f.skill(db, level2, "Round-off", 2)
    f.enroll(
        db,
        gym.maya,
        f.gym_class(db, gym.north, level=level3),
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    swim = f.program_level(db, "Aquatics", "Starfish")  # a past enrollment, no skills
    f.enroll(
        db,
        gym.maya,
        f.gym_class(db, gym.north, level=swim),
        status=EnrollmentStatus.COMPLETED,
        end=date(2026, 10, 1),
    )
    levels = student_evaluations(db, gym.guardian, gym.maya.id)
    assert [(p.level, p.mastered, p.total) for p in levels] == [
        ("Starfish", 0, 0),
        ("Level 1", 0, 1),
        ("Level 2", 1, 2),
    ]


def test_a_student_without_levels_has_no_progress(db: Session, gym: f.FamilyGym) -> None:
    kai = f.student(db, gym.family, "Kai")
    assert student_evaluations(db, gym.guardian, kai.id) == []


def test_a_fixed_number_of_queries(db: Session, engine: Engine, gym: f.FamilyGym) -> None:
    def queries_for(levels: int) -> int:
        kid = f.student(db, gym.family, f"Kid{levels}")
        level = f.program_level(db)
        for n in range(levels):
            for position in (1, 2, 3):
                sk = f.skill(db, level, f"Skill {position}", position)
                f.evaluation(db, kid, sk, MASTERED, date(2026, 10, position))
                f.evaluation(db, kid, sk, IN_PROGRESS, date(2026, 9, position))
            level = f.next_level(db, level, f"Level {n + 2}")
        db.flush()
        db.expire_all()  # the student is loaded from the database, as in a fresh script run
        with count_queries(engine) as statements:
            assert len(student_evaluations(db, gym.guardian, kid.id)) == levels
        return len(statements)

    assert queries_for(1) == queries_for(6) == 3  # the student, the levels, the evaluations


def test_access(db: Session, gym: f.FamilyGym) -> None:
    f.check_student_scope(gym, lambda actor, sid: student_evaluations(db, actor, sid))
