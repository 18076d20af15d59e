"""A program's ordered levels and each level's ordered skills: admins add, rename, move up or
down, archive and restore them; staff read. Both are "ordered children" of a parent row, so
one set of private steps serves both. Every change locks the parent row first, so two
changes to the same list run one after the other (positions stay unique and gap-free in
order). An archived level leaves parents' transfer and makeup options; an archived skill is
offered for no new evaluation; both stay in existing evaluations and history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Level, Program, Skill
from services.backoffice.catalog_lists import (
    apply_archived,
    archived_filter,
    other_than,
    require_archive_choice,
    require_name,
)
from services.kernel import audit
from services.kernel.access import Actor, require_admin, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class OrderedRow:
    """A level or a skill: `position` 1 is the first."""

    id: int
    name: str
    position: int
    is_active: bool


@dataclass(frozen=True)
class _Kind:
    model: Any  # Level or Skill
    parent_model: Any  # Program or Level
    parent_column: str  # "program_id" or "level_id"
    word: str  # "level" or "skill"
    parent_word: str


LEVELS = _Kind(Level, Program, "program_id", "level", "program")
SKILLS = _Kind(Skill, Level, "level_id", "skill", "level")


def program_levels(
    db: Session, actor: Actor, program_id: int, *, include_archived: bool = True
) -> list[OrderedRow]:
    """The program's levels in order, archived ones included (marked) unless
    `include_archived` is False. Staff read."""
    return _children(db, actor, LEVELS, program_id, include_archived)


def level_skills(
    db: Session, actor: Actor, level_id: int, *, include_archived: bool = True
) -> list[OrderedRow]:
    """The level's skills in order, archived ones included (marked) unless
    `include_archived` is False. Staff read."""
    return _children(db, actor, SKILLS, level_id, include_archived)


def add_level(db: Session, actor: Actor, program_id: int, name: str) -> int:
    """Admins only: a new level at the end of the program. Returns its id."""
    return _add(db, actor, LEVELS, program_id, name)


def add_skill(db: Session, actor: Actor, level_id: int, name: str) -> int:
    """Admins only: a new skill at the end of the level. Returns its id."""
    return _add(db, actor, SKILLS, level_id, name)


def rename_level(db: Session, actor: Actor, level_id: int, name: str) -> None:
    _rename(db, actor, LEVELS, level_id, name)


def rename_skill(db: Session, actor: Actor, skill_id: int, name: str) -> None:
    _rename(db, actor, SKILLS, skill_id, name)


def move_level(db: Session, actor: Actor, level_id: int, direction: str) -> None:
    """Admins only: swap the level with the one before ("up") or after ("down") it."""
    _move(db, actor, LEVELS, level_id, direction)


def move_skill(db: Session, actor: Actor, skill_id: int, direction: str) -> None:
    _move(db, actor, SKILLS, skill_id, direction)


def set_level_archived(db: Session, actor: Actor, level_id: int, archived: bool) -> None:
    _set_archived(db, actor, LEVELS, level_id, archived)


def set_skill_archived(db: Session, actor: Actor, skill_id: int, archived: bool) -> None:
    _set_archived(db, actor, SKILLS, skill_id, archived)


def _children(
    db: Session, actor: Actor, kind: _Kind, parent_id: object, include_archived: object
) -> list[OrderedRow]:
    require_staff(actor)
    parent = db.get(kind.parent_model, require_id(parent_id, kind.parent_word))
    if parent is None:
        raise NotFound(kind.parent_word)
    rows = db.scalars(
        select(kind.model)
        .where(
            getattr(kind.model, kind.parent_column) == parent.id,
            archived_filter(include_archived, kind.model.is_active),
        )
        .order_by(kind.model.position, kind.model.id)
    )
    return [OrderedRow(row.id, row.name, row.position, row.is_active) for row in rows]


def _add(db: Session, actor: Actor, kind: _Kind, parent_id: object, name: object) -> int:
    require_admin(actor)
    parent_key = require_id(parent_id, kind.parent_word)
    clean = require_name(name, f"{kind.word} name")
    with write_transaction(db):
        parent = _locked(db, kind.parent_model, parent_key, kind.parent_word)
        _require_free_name(db, kind, parent.id, clean, None)
        column = getattr(kind.model, kind.parent_column)
        last = db.scalar(select(func.max(kind.model.position)).where(column == parent.id))
        row = kind.model(name=clean, position=(last or 0) + 1, **{kind.parent_column: parent.id})
        db.add(row)
        db.flush()
        audit.record(db, actor, f"{kind.word}.created", entity=kind.word, entity_id=row.id,
                     details={"name": clean, kind.parent_column: parent.id})  # fmt: skip
    return row.id


def _rename(db: Session, actor: Actor, kind: _Kind, row_id: object, name: object) -> None:
    require_admin(actor)
    key = require_id(row_id, kind.word)
    clean = require_name(name, f"{kind.word} name")
    with write_transaction(db):
        row = _locked_child(db, kind, key)
        if row.name == clean:
            raise ValidationError(f"That is already the {kind.word}'s name.")
        _require_free_name(db, kind, getattr(row, kind.parent_column), clean, row.id)
        audit.record(db, actor, f"{kind.word}.renamed", entity=kind.word, entity_id=row.id,
                     details={"name": [row.name, clean]})  # fmt: skip
        row.name = clean


def _move(db: Session, actor: Actor, kind: _Kind, row_id: object, direction: object) -> None:
    require_admin(actor)
    key = require_id(row_id, kind.word)
    if direction not in DIRECTIONS:
        raise ValidationError("Choose up or down.")
    with write_transaction(db):
        row = _locked_child(db, kind, key)
        column = getattr(kind.model, kind.parent_column)
        before = direction == "up"
        neighbour = db.scalar(
            select(kind.model)
            .where(
                column == getattr(row, kind.parent_column),
                kind.model.position < row.position
                if before
                else kind.model.position > row.position,
            )
            .order_by(kind.model.position.desc() if before else kind.model.position)
            .limit(1)
        )
        if neighbour is None:
            raise ValidationError(
                f"That {kind.word} is already the {'first' if before else 'last'}."
            )
        mine, theirs = row.position, neighbour.position
        # One position at a time through 0 (never used): the unique (parent, position)
        # index is checked row by row.
        for target, position in ((row, 0), (neighbour, mine), (row, theirs)):
            target.position = position
            db.flush()
        audit.record(db, actor, f"{kind.word}.moved", entity=kind.word, entity_id=row.id,
                     details={"position": [mine, theirs]})  # fmt: skip


def _set_archived(db: Session, actor: Actor, kind: _Kind, row_id: object, archived: object) -> None:
    require_admin(actor)
    key = require_id(row_id, kind.word)
    require_archive_choice(archived)
    with write_transaction(db):
        row = _locked_child(db, kind, key)
        apply_archived(row, archived, kind.word, db, actor)


def _locked(db: Session, model: Any, key: int, word: str) -> Any:
    row = db.get(model, key, with_for_update=True)
    if row is None:
        raise NotFound(word)
    return row


def _locked_child(db: Session, kind: _Kind, key: int) -> Any:
    """The row, after its parent: every change to one list locks the same parent row."""
    parent_id = db.scalar(
        select(getattr(kind.model, kind.parent_column)).where(kind.model.id == key)
    )
    if parent_id is None:
        raise NotFound(kind.word)
    _locked(db, kind.parent_model, parent_id, kind.parent_word)
    return _locked(db, kind.model, key, kind.word)


def _require_free_name(
    db: Session, kind: _Kind, parent_id: int, name: str, own_id: int | None
) -> None:
    taken = db.scalar(
        select(kind.model.id).where(
            getattr(kind.model, kind.parent_column) == parent_id,
            func.lower(kind.model.name) == name.lower(),
            other_than(kind.model.id, own_id),
        )
    )
    if taken is not None:
        raise ValidationError(f"Another {kind.word} of this {kind.parent_word} has that name.")
