"""The back office's catalog pages (issue 15): Locations, Programs and skills, Terms — bad
input shows an error, keeps what was typed and writes nothing; good input is saved."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import AuditEntry, Level, Location, Program, Role, Skill, Term
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts

TITLES = {
    "admin_locations.py": "Locations",
    "admin_programs.py": "Programs and skills",
    "admin_terms.py": "Terms",
}


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    level = f.program_level(db, "Tumbling")
    f.skill(db, level, "Forward roll", 1)
    f.gym_class(db, north, level=level)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    f.staff(db, "desk@example.com", [north])
    f.family(db, "Garcia", email="p@example.com")
    db.add(Term(name="Fall 2026", start_date=date(2026, 9, 1), end_date=date(2026, 12, 20)))
    db.commit()


def _open(db: Session, page: str) -> AppTest:
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception
    assert [t.value for t in at.title] == [TITLES[page]]
    return at


def _written(db: Session) -> tuple[int, ...]:
    db.rollback()
    return tuple(
        db.scalar(select(func.count()).select_from(model))  # type: ignore[misc]
        for model in (Location, Program, Level, Skill, Term, AuditEntry)
    )


def _submit(at: AppTest, form: str, label: str) -> AppTest:
    at.button(key=f"FormSubmitter:{form}-{label}").click().run()
    assert not at.exception
    return at


@pytest.mark.parametrize("page", TITLES)
def test_staff_and_parents_have_no_catalog_pages(app_db: Session, page: str) -> None:
    _gym(app_db)
    for email in ("desk@example.com", "p@example.com"):
        at = signed_in_app(app_db, email, f.PASSWORD).run()
        try:
            at.switch_page(f"../pages/{page}")
        except ValueError:
            continue
        at.run()
        assert not at.exception
        assert TITLES[page] not in [t.value for t in at.title]


def test_a_location_with_a_bad_time_zone_is_refused_and_the_input_kept(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "admin_locations.py")
    assert "Northside" in at.dataframe[0].value["Name"].tolist()
    before = _written(app_db)
    at.text_input(key="locations.add.name").input("Westside")
    at.text_input(key="locations.add.phone").input("12")
    _submit(at, "locations.add", "Add location")
    assert "Choose a time zone from the list" in texts(at)
    assert at.text_input(key="locations.add.name").value == "Westside"
    assert _written(app_db) == before
    at.selectbox(key="locations.add.timezone").set_value("America/Denver")
    _submit(at, "locations.add", "Add location")
    assert "phone number" in texts(at)
    assert _written(app_db) == before
    at.text_input(key="locations.add.phone").input("")
    _submit(at, "locations.add", "Add location")
    assert "Added Westside." in texts(at)
    app_db.rollback()
    assert app_db.scalar(select(Location.timezone).where(Location.name == "Westside")) == (
        "America/Denver"
    )


def test_a_location_is_searched_edited_and_archived(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "admin_locations.py")
    at.text_input(key="locations.search").input("nowhere").run()
    assert "No locations match that search." in texts(at)
    at.text_input(key="locations.search").input("north").run()
    north = app_db.scalar(select(Location.id))
    form = f"locations.edit.{north}"
    at.text_input(key=f"{form}.name").input(" ")
    _submit(at, form, "Save changes")
    assert "Please enter a location name." in texts(at)
    at.button(key=f"locations.archive.{north}").click().run()
    assert not at.exception
    assert "Location archived." in texts(at)
    app_db.rollback()
    assert app_db.scalar(select(Location.is_active)) is False


def test_programs_levels_and_skills_from_the_page(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "admin_programs.py")
    before = _written(app_db)
    at.text_input(key="programs.add.name").input("   ")
    _submit(at, "programs.add", "Add program")
    assert "Please enter a program name." in texts(at)
    assert _written(app_db) == before
    program = app_db.scalar(select(Program.id))
    level = app_db.scalar(select(Level.id))
    at.text_input(key=f"levels.add.{program}.name").input("level 1")
    _submit(at, f"levels.add.{program}", "Add level")
    assert "Another level of this program has that name." in texts(at)
    assert _written(app_db) == before
    at.text_input(key=f"levels.add.{program}.name").input("Level 2")
    _submit(at, f"levels.add.{program}", "Add level")
    assert "Level added." in texts(at)
    app_db.rollback()
    second = app_db.scalar(select(Level.id).where(Level.name == "Level 2"))
    at.button(key=f"levels.{program}.up.{second}").click().run()
    assert not at.exception
    assert "Level moved." in texts(at)
    at.text_input(key=f"skills.add.{level}.name").input("Cartwheel")
    _submit(at, f"skills.add.{level}", "Add skill")
    assert "Skill added." in texts(at)
    app_db.rollback()
    assert app_db.execute(select(Level.name).order_by(Level.position)).scalars().all() == [
        "Level 2",
        "Level 1",
    ]
    assert app_db.execute(select(Skill.name).order_by(Skill.position)).scalars().all() == [
        "Forward roll",
        "Cartwheel",
    ]


def test_a_term_ending_before_it_starts_is_refused(app_db: Session) -> None:
    _gym(app_db)
    at = _open(app_db, "admin_terms.py")
    before = _written(app_db)
    at.text_input(key="terms.add.name").input("Spring 2027")
    _submit(at, "terms.add", "Add term")
    assert "Choose the term's start date." in texts(at)
    at.date_input(key="terms.add.start").set_value(date(2027, 5, 1))
    at.date_input(key="terms.add.end").set_value(date(2027, 1, 1))
    _submit(at, "terms.add", "Add term")
    assert "The term must end after it starts." in texts(at)
    assert at.text_input(key="terms.add.name").value == "Spring 2027"
    assert _written(app_db) == before
    at.date_input(key="terms.add.start").set_value(date(2027, 1, 11))
    at.date_input(key="terms.add.end").set_value(date(2027, 5, 28))
    _submit(at, "terms.add", "Add term")
    assert "Term added." in texts(at)
    app_db.rollback()
    assert app_db.scalar(select(func.count(Term.id))) == 2


def test_a_term_renamed_to_a_taken_name_is_refused(app_db: Session) -> None:
    _gym(app_db)
    app_db.add(Term(name="Spring 2027", start_date=date(2027, 1, 11), end_date=date(2027, 5, 28)))
    app_db.commit()
    at = _open(app_db, "admin_terms.py")
    spring = app_db.scalar(select(Term.id).where(Term.name == "Spring 2027"))
    at.selectbox(key="terms.open").set_value(spring).run()
    before = _written(app_db)
    at.text_input(key=f"terms.edit.{spring}.name").input("fall 2026")
    _submit(at, f"terms.edit.{spring}", "Save changes")
    assert "Another term already has that name." in texts(at)
    assert _written(app_db) == before
