"""Back office: programs, their ordered levels and each level's skills (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data.models import Level
from services.backoffice.catalog_lists import PAGE_SIZE
from services.backoffice.program_levels import (
    add_level,
    add_skill,
    level_skills,
    move_level,
    move_skill,
    program_levels,
    rename_level,
    rename_skill,
    set_level_archived,
    set_skill_archived,
)
from services.backoffice.programs import (
    create_program,
    list_programs,
    rename_program,
    set_program_archived,
)
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.services.catalog_helpers import audited, refused


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def names(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [row.name for row in rows]


def test_an_admin_builds_a_program_with_ordered_levels_and_skills(
    db: Session, gym: f.FamilyGym
) -> None:
    program = create_program(db, gym.admin, "  Ninja  ")
    first, second = (
        add_level(db, gym.admin, program, "Rookie"),
        add_level(db, gym.admin, program, "Pro"),
    )
    add_skill(db, gym.admin, first, "Wall run")
    add_skill(db, gym.admin, first, "Rope climb")
    assert [(r.name, r.position) for r in program_levels(db, gym.desk, program)] == [
        ("Rookie", 1),
        ("Pro", 2),
    ]
    assert names(level_skills(db, gym.desk, first)) == ["Wall run", "Rope climb"]
    assert level_skills(db, gym.admin, second) == []
    [row] = list_programs(db, gym.desk, search="ninja").items
    assert (row.name, row.levels, row.is_active) == ("Ninja", 2, True)
    assert [e for e, _ in audited(db, "program.created")] == [str(program)]
    assert [d["name"] for _, d in audited(db, "level.created")] == ["Rookie", "Pro"]
    assert [d["name"] for _, d in audited(db, "skill.created")] == ["Wall run", "Rope climb"]


def test_levels_and_skills_move_up_and_down(db: Session, gym: f.FamilyGym) -> None:
    program = create_program(db, gym.admin, "Ninja")
    a, b, c = (add_level(db, gym.admin, program, n) for n in ("A", "B", "C"))
    move_level(db, gym.admin, c, "up")
    assert names(program_levels(db, gym.admin, program)) == ["A", "C", "B"]
    move_level(db, gym.admin, a, "down")
    assert names(program_levels(db, gym.admin, program)) == ["C", "A", "B"]
    refused(db, ValidationError, "already the first", lambda: move_level(db, gym.admin, c, "up"))
    refused(db, ValidationError, "already the last", lambda: move_level(db, gym.admin, b, "down"))
    refused(db, ValidationError, "up or down", lambda: move_level(db, gym.admin, b, "sideways"))
    add_skill(db, gym.admin, a, "X")
    y = add_skill(db, gym.admin, a, "Y")
    move_skill(db, gym.admin, y, "up")
    assert names(level_skills(db, gym.admin, a)) == ["Y", "X"]
    assert audited(db, "skill.moved") == [(str(y), {"position": [2, 1]})]
    assert len(audited(db, "level.moved")) == 2


def test_renaming_and_archiving_are_audited(db: Session, gym: f.FamilyGym) -> None:
    program = create_program(db, gym.admin, "Ninja")
    level = add_level(db, gym.admin, program, "Rookie")
    skill = add_skill(db, gym.admin, level, "Wall run")
    rename_program(db, gym.admin, program, "Ninja Warriors")
    rename_level(db, gym.admin, level, "Beginner")
    rename_skill(db, gym.admin, skill, "Warped wall")
    assert audited(db, "level.renamed") == [(str(level), {"name": ["Rookie", "Beginner"]})]
    set_skill_archived(db, gym.admin, skill, True)
    set_level_archived(db, gym.admin, level, True)
    set_program_archived(db, gym.admin, program, True)
    assert [(r.name, r.is_active) for r in level_skills(db, gym.admin, level)] == [
        ("Warped wall", False)
    ]
    assert program_levels(db, gym.admin, program)[0].is_active is False
    assert list_programs(db, gym.admin, search="warriors").items[0].is_active is False
    for kind in ("program", "level", "skill"):
        assert len(audited(db, f"{kind}.archived")) == 1
    refused(db, ValidationError, "already archived",
            lambda: set_level_archived(db, gym.admin, level, True))  # fmt: skip
    set_level_archived(db, gym.admin, level, False)
    assert len(audited(db, "level.restored")) == 1


def test_bad_names_are_refused_and_nothing_written(db: Session, gym: f.FamilyGym) -> None:
    program = create_program(db, gym.admin, "Ninja")
    level = add_level(db, gym.admin, program, "Rookie")
    skill = add_skill(db, gym.admin, level, "Wall run")
    other = gym.cls.program_id
    for call, message in [
        (lambda: create_program(db, gym.admin, "  "), "Please enter a program name"),
        (lambda: create_program(db, gym.admin, "NINJA"), "Another program already has"),
        (lambda: create_program(db, gym.admin, "x" * 121), "too long"),
        (lambda: rename_program(db, gym.admin, other, "ninja"), "Another program already has"),
        (lambda: rename_program(db, gym.admin, program, "Ninja"), "already the program's name"),
        (lambda: add_level(db, gym.admin, program, "rookie"), "Another level of this program"),
        (lambda: add_level(db, gym.admin, program, ""), "Please enter a level name"),
        (lambda: rename_level(db, gym.admin, level, 7), "must be text"),
        (lambda: add_skill(db, gym.admin, level, "WALL RUN"), "Another skill of this level"),
        (lambda: rename_skill(db, gym.admin, skill, "a\x00"), "cannot be saved"),
        (lambda: set_skill_archived(db, gym.admin, skill, "yes"), "archive or restore"),
    ]:
        refused(db, ValidationError, message, call)
    refused(db, NotFound, "program", lambda: add_level(db, gym.admin, 999_999, "Pro"))
    refused(db, NotFound, "level", lambda: move_level(db, gym.admin, 999_999, "up"))
    refused(db, NotFound, "skill", lambda: rename_skill(db, gym.admin, -1, "Flip"))


def test_only_admins_change_programs_and_guardians_read_nothing(
    db: Session, gym: f.FamilyGym
) -> None:
    level = db.get(Level, gym.cls.level_id)
    assert level is not None
    for actor in (gym.desk, gym.guardian):
        for call in (
            lambda a=actor: create_program(db, a, "Ninja"),
            lambda a=actor: rename_program(db, a, level.program_id, "Ninja"),
            lambda a=actor: set_program_archived(db, a, level.program_id, True),
            lambda a=actor: add_level(db, a, level.program_id, "Pro"),
            lambda a=actor: move_level(db, a, level.id, "down"),
            lambda a=actor: set_level_archived(db, a, level.id, True),
            lambda a=actor: add_skill(db, a, level.id, "Roll"),
        ):
            refused(db, AccessDenied, "administrator", call)
    for call in (
        lambda: list_programs(db, gym.guardian),
        lambda: program_levels(db, gym.guardian, level.program_id),
        lambda: level_skills(db, gym.guardian, level.id),
    ):
        refused(db, AccessDenied, "staff only", call)


def test_the_program_list_is_searched_and_paged(db: Session, gym: f.FamilyGym) -> None:
    for n in range(PAGE_SIZE + 1):
        create_program(db, gym.admin, f"Tumble {n:02d}")
    page = list_programs(db, gym.admin, search="tumble", page=2)
    assert (page.total, page.page, page.pages, names(list(page.items))) == (
        PAGE_SIZE + 1,
        2,
        2,
        ["Tumble 20"],
    )
    assert list_programs(db, gym.admin, search="zzz").items == ()
    refused(db, ValidationError, "page", lambda: list_programs(db, gym.admin, page="2"))
