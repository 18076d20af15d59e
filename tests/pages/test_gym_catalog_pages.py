"""The front desk's read-only catalog (issue 15): Gym → Locations (their own only), Programs
and skills, Terms — searchable, paged, no edit controls, archived rows only when asked.
Admins keep their Back office pages (no duplicates); instructors and parents are refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from components.page_list import pages_for
from data.models import Level, Program, Role, Term
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts

PAGES = {
    "gym_locations.py": "Locations",
    "gym_programs.py": "Programs and skills",
    "gym_terms.py": "Terms",
}


def _gym(db: Session) -> None:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    old = f.location(db, "Old Mill")
    old.is_active = False
    level = f.program_level(db, "Tumbling")
    f.skill(db, level, "Forward roll", 1)
    f.skill(db, level, "Handstand", 2).is_active = False
    gone = f.program_level(db, "Trampoline")
    db.get(Program, gone.program_id).is_active = False
    db.add(Level(program_id=level.program_id, name="Level 2", position=2, is_active=False))
    f.gym_class(db, north, level=level)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    f.staff(db, "desk@example.com", [north, old])
    f.staff(db, "south@example.com", [south])
    f.staff(db, "coach@example.com", [north], role=Role.INSTRUCTOR)
    f.family(db, "Garcia", email="p@example.com")
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


def _open(db: Session, email: str, page: str) -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception
    assert [t.value for t in at.title] == [PAGES[page]]
    return at


def _column(at: AppTest, title: str) -> list[str]:
    return at.dataframe[0].value[title].tolist()


def _read_only(at: AppTest) -> None:
    """Nothing to change: no button but the sidebar's sign-out, no form, no name field."""
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.get("form")
    assert all(t.label.startswith("Search ") for t in at.text_input)


def test_the_desk_reads_only_its_own_locations(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "desk@example.com", "gym_locations.py")
    _read_only(at)
    assert _column(at, "Name") == ["Northside"]  # not Southside; Old Mill is archived
    assert "America/Chicago" in texts(at)  # the opened location's details
    at.toggle(key="gym_locations.archived").set_value(True).run()
    assert not at.exception
    assert _column(at, "Name") == ["Northside", "Old Mill"]
    at.text_input(key="gym_locations.search").input("mill").run()
    assert _column(at, "Name") == ["Old Mill"]
    south = _open(app_db, "south@example.com", "gym_locations.py")
    assert _column(south, "Name") == ["Southside"]


def test_the_desk_reads_programs_levels_and_skills(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "desk@example.com", "gym_programs.py")
    _read_only(at)
    assert [name.split(" ")[0] for name in _column(at, "Program")] == ["Tumbling"]
    shown = texts(at)
    assert "1. Level 1" in shown and "Level 2" not in shown
    assert "1. Forward roll" in shown and "Handstand" not in shown
    at.toggle(key="gym_programs.archived").set_value(True).run()
    assert not at.exception
    assert [name.split(" ")[0] for name in _column(at, "Program")] == ["Tumbling", "Trampoline"]
    shown = texts(at)
    assert "2. Level 2 · archived" in shown and "2. Handstand · archived" in shown
    _read_only(at)


def test_the_desk_reads_the_terms(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "desk@example.com", "gym_terms.py")
    _read_only(at)
    assert _column(at, "Term") == ["Fall 2026"]
    assert "Fall 2026 (1 Sep 2026 – 20 Dec 2026) · about 16 weeks" in texts(at)
    at.toggle(key="gym_terms.archived").set_value(True).run()
    assert _column(at, "Term") == ["Fall 2026", "Spring 2025"]
    at.text_input(key="gym_terms.search").input("zzz").run()
    assert not at.exception
    assert "No terms match that search." in texts(at)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("email", ["owner@example.com", "coach@example.com", "p@example.com"])
def test_admins_instructors_and_parents_have_no_gym_pages(
    app_db: Session, page: str, email: str
) -> None:
    """Admins use their Back office pages instead (no duplicates in their navigation);
    instructors and parents do not read the catalog."""
    _gym(app_db)
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page(f"../pages/{page}")


def test_the_gym_section_comes_after_reports_for_the_desk_only(app_db: Session) -> None:
    _gym(app_db)
    desk = f.staff(app_db, "another-desk@example.com", [])
    owner = f.staff(app_db, "another-owner@example.com", [], role=Role.ADMIN)
    assert list(pages_for(desk)) == ["Front desk", "Reports", "Gym"]
    assert len(pages_for(desk)["Gym"]) == len(PAGES)  # opened one by one above
    assert list(pages_for(owner)) == ["Front desk", "Reports", "Back office"]
