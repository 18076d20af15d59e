"""An instructor's "My classes" (issue 15): only the classes they teach, with their rosters."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data.models import Role
from services.classes.instructor_classes import my_classes
from services.desk.family_lookup import search_families
from services.kernel.errors import AccessDenied
from tests import factories as f


def test_instructor_sees_only_their_classes_and_rosters(db: Session) -> None:
    gym = f.family_gym(db)
    coach = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    other = f.gym_class(db, gym.north, name="Flyers", weekday=3)
    gym.cls.instructor_user_id = coach.user_id
    db.commit()
    [mine] = my_classes(db, coach)
    assert mine.class_id == gym.cls.id and mine.weekday == "Tuesday"
    assert {entry.name for entry in mine.roster} == {"Maya Rivera", "Ada Okafor"}
    assert other.id != mine.class_id
    assert not coach.is_staff and coach.is_instructor


def test_desk_and_guardians_have_no_my_classes(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    for actor in (gym.desk, gym.guardian):
        with pytest.raises(AccessDenied):
            my_classes(db, actor)


def test_instructors_get_no_front_desk_powers(db: Session) -> None:
    gym = f.family_gym(db)
    coach = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    db.commit()
    with pytest.raises(AccessDenied):
        search_families(db, coach, "Rivera")
