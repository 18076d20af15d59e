"""Archived programs, levels, skills and locations leave parents' choices — transfer and
makeup options, new evaluations — but stay in what already happened (issue 15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment, GymClass, Level, MakeupToken, SkillStatus
from services.backoffice.locations import set_location_archived
from services.backoffice.program_levels import set_level_archived, set_skill_archived
from services.backoffice.programs import set_program_archived
from services.classes.evaluations import student_evaluations
from services.classes.transfers import transfer_options
from services.makeups.makeup_visits import makeup_options
from tests import factories as f


@dataclass
class Gym:
    base: f.FamilyGym
    level: Level
    place: int  # Maya's enrollment in the Tuesday class
    token: MakeupToken  # Maya's, from an absence from the Tuesday class


@pytest.fixture
def gym(db: Session) -> Gym:
    base = f.family_gym(db)
    level = db.get(Level, base.cls.level_id)
    assert level is not None
    f.gym_class(db, base.north, level=level, weekday=3, name="Flips")
    f.gym_class(db, base.north, level=f.next_level(db, level), weekday=4, name="Level 2 Flips")
    absence = f.future_absence(db, base.maya, base.cls, date(2026, 12, 1))
    token = f.makeup_token(db, base.maya, base.north, expires_on=date(2026, 12, 31))
    token.source_absence_id = absence.id
    place = db.scalar(select(Enrollment.id).where(Enrollment.student_id == base.maya.id))
    db.commit()
    assert place is not None
    return Gym(base, level, place, token)


def transfers(db: Session, gym: Gym) -> set[str]:
    return {
        o.class_name for o in transfer_options(db, gym.base.guardian, gym.place, gym.base.north.id)
    }


def makeups(db: Session, gym: Gym) -> set[str]:
    return {o.class_name for o in makeup_options(db, gym.base.guardian, gym.token.id)}


def test_an_archived_level_leaves_transfer_and_makeup_options(db: Session, gym: Gym) -> None:
    level_two = db.scalar(select(GymClass.level_id).where(GymClass.name == "Level 2 Flips"))
    assert transfers(db, gym) == {"Flips", "Level 2 Flips"}
    assert makeups(db, gym) == {"Flips"}
    set_level_archived(db, gym.base.admin, level_two, True)
    assert transfers(db, gym) == {"Flips"}
    set_level_archived(db, gym.base.admin, gym.level.id, True)
    assert transfers(db, gym) == set()
    assert makeups(db, gym) == set()


def test_an_archived_program_leaves_transfer_and_makeup_options(db: Session, gym: Gym) -> None:
    set_program_archived(db, gym.base.admin, gym.level.program_id, True)
    assert transfers(db, gym) == set()
    assert makeups(db, gym) == set()
    set_program_archived(db, gym.base.admin, gym.level.program_id, False)
    assert makeups(db, gym) == {"Flips"}


def test_an_archived_location_offers_no_makeups(db: Session, gym: Gym) -> None:
    set_location_archived(db, gym.base.admin, gym.base.north.id, True)
    assert makeups(db, gym) == set()


def test_an_archived_skill_stays_only_where_it_was_evaluated(db: Session, gym: Gym) -> None:
    roll, wheel = f.skill(db, gym.level, "Forward roll", 1), f.skill(db, gym.level, "Cartwheel", 2)
    f.evaluation(db, gym.base.maya, roll, SkillStatus.MASTERED, date(2026, 11, 3))
    db.commit()
    for skill in (roll, wheel):
        set_skill_archived(db, gym.base.admin, skill.id, True)
    [level] = student_evaluations(db, gym.base.guardian, gym.base.maya.id)
    assert [s.name for s in level.skills] == ["Forward roll"]
    [other] = student_evaluations(db, gym.base.other_guardian, gym.base.other_student.id)
    assert other.skills == ()
