"""The front desk reads the catalog (issue 15): locations (their own), programs, levels,
skills and terms, archived rows left out unless asked (`include_archived=False` is the
desk's default view; admins' lists keep every row); instructors and guardians are refused;
a forged choice is refused. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from data.models import Level, Program, Role, Term
from services.backoffice.locations import list_locations
from services.backoffice.program_levels import level_skills, program_levels
from services.backoffice.programs import list_programs
from services.backoffice.terms import list_terms, search_terms
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, ValidationError
from tests import factories as f


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    level = db.get(Level, gym.cls.level_id)
    assert level is not None
    f.skill(db, level, "Forward roll", 1)
    f.skill(db, level, "Handstand", 2).is_active = False
    gone = f.program_level(db, "Trampoline")
    db.get(Program, gone.program_id).is_active = False
    db.add_all(
        [
            Term(name="Fall 2026", start_date=date(2026, 9, 1), end_date=date(2026, 12, 20)),
            Term(
                name="Spring 2025",
                start_date=date(2025, 1, 6),
                end_date=date(2025, 5, 30),
                is_active=False,
            ),
        ]
    )
    db.commit()
    return gym


def test_the_desk_leaves_archived_rows_out_unless_asked(db: Session, gym: f.FamilyGym) -> None:
    old = f.location(db, "Old Mill")
    old.is_active = False
    desk = f.staff(db, "mill@example.com", [gym.north, old])
    db.commit()
    names = [r.name for r in list_locations(db, desk, include_archived=False).items]
    assert names == ["Northside"]
    assert [r.name for r in list_locations(db, desk).items] == ["Northside", "Old Mill"]
    # Another location stays out whatever is asked: staff reach only their own.
    assert [r.name for r in list_locations(db, gym.desk, include_archived=True).items] == [
        "Northside"
    ]
    assert [r.name for r in list_terms(db, gym.desk)] == ["Fall 2026"]
    assert [r.name for r in search_terms(db, gym.desk, include_archived=False).items] == [
        "Fall 2026"
    ]
    assert search_terms(db, gym.desk).total == 2
    programs = list_programs(db, gym.desk, include_archived=False)
    assert programs.total == 1 and programs.items[0].is_active
    assert list_programs(db, gym.desk).total == 2
    skills = level_skills(db, gym.desk, gym.cls.level_id, include_archived=False)
    assert [s.name for s in skills] == ["Forward roll"]
    assert [s.name for s in level_skills(db, gym.desk, gym.cls.level_id)] == [
        "Forward roll",
        "Handstand",
    ]
    assert [r.name for r in program_levels(db, gym.desk, gym.cls.program_id)] == ["Level 1"]


READS: dict[str, Callable[[Session, Actor, f.FamilyGym, object], object]] = {
    "locations": lambda db, a, g, x: list_locations(db, a, include_archived=x),
    "programs": lambda db, a, g, x: list_programs(db, a, include_archived=x),
    "terms": lambda db, a, g, x: search_terms(db, a, include_archived=x),
    "levels": lambda db, a, g, x: program_levels(db, a, g.cls.program_id, include_archived=x),
    "skills": lambda db, a, g, x: level_skills(db, a, g.cls.level_id, include_archived=x),
}


@pytest.mark.parametrize("read", READS)
def test_instructors_and_guardians_are_refused(db: Session, gym: f.FamilyGym, read: str) -> None:
    coach = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    db.commit()
    for actor in (coach, gym.guardian):
        with pytest.raises(AccessDenied):
            READS[read](db, actor, gym, False)


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("forged", ["no", 0, None, [True]])
def test_a_forged_archived_choice_is_refused(
    db: Session, gym: f.FamilyGym, read: str, forged: object
) -> None:
    with pytest.raises(ValidationError, match="show archived"):
        READS[read](db, gym.desk, gym, forged)
