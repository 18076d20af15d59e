"""Skill evaluations grouped by level, with the newest evaluation per skill."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import EnrollmentStatus, EnrollmentType, Level, SkillStatus
from services.classes.evaluations import LevelProgress, SkillProgress, student_evaluations
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
        is_current=True,
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


def test_levels_come_from_enrollments_current_first(db: Session, gym: f.FamilyGym) -> None:
    """Issue 13: a makeup visit, a drop-in or an evaluation alone does not add a level; the
    current level comes first."""
    level1 = level_of(db, gym)  # Maya's current class
    level2 = f.next_level(db, level1, "Level 2")  # evaluated only: not shown
    level3 = f.next_level(db, level2, "Level 3")  # waitlisted only: not shown
    level4 = f.next_level(db, level3, "Level 4")  # a makeup visit only: not shown
    f.skill(db, level1, "Roll", 1)
    f.evaluation(db, gym.maya, f.skill(db, level2, "Cartwheel", 1), MASTERED, date(2026, 11, 3))
    f.enroll(
        db,
        gym.maya,
        f.gym_class(db, gym.north, level=level3),
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    visit_class = f.gym_class(db, gym.north, level=level4)
    f.enroll(db, gym.maya, visit_class, type=EnrollmentType.MAKEUP, start=date(2026, 11, 3))
    f.drop_in(db, gym.maya, visit_class, date(2026, 11, 10))
    swim = f.program_level(db, "Aquatics", "Starfish")  # a past enrollment, no skills
    f.enroll(
        db,
        gym.maya,
        f.gym_class(db, gym.north, level=swim),
        status=EnrollmentStatus.COMPLETED,
        end=date(2026, 10, 1),
    )
    ended = f.program_level(db, "Aquatics", "Seahorse")  # active, but its last class is past
    f.enroll(db, gym.maya, f.gym_class(db, gym.north, level=ended), end=date(2026, 11, 23))
    levels = student_evaluations(db, gym.guardian, gym.maya.id)
    assert [(p.level, p.is_current, p.mastered, p.total) for p in levels] == [
        ("Level 1", True, 0, 1),
        ("Starfish", False, 0, 0),
        ("Seahorse", False, 0, 0),
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
            f.enroll(db, kid, f.gym_class(db, gym.north, level=level))
            level = f.next_level(db, level, f"Level {n + 2}")
        db.flush()
        db.expire_all()  # the student is loaded from the database, as in a fresh script run
        with count_queries(engine) as statements:
            assert len(student_evaluations(db, gym.guardian, kid.id)) == levels
        return len(statements)

    # The student, the enrolled levels, their skills, the evaluations.
    assert queries_for(1) == queries_for(6) == 4


def test_access(db: Session, gym: f.FamilyGym) -> None:
    f.check_student_scope(gym, lambda actor, sid: student_evaluations(db, actor, sid))
