"""Programs in the back office: admins create, rename, archive and restore them; staff read.
Their ordered levels and skills are in services/backoffice/program_levels.py. An archived
program leaves parents' transfer and makeup options but stays in every record naming it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Level, Program
from services.backoffice.catalog_lists import (
    Page,
    apply_archived,
    archived_filter,
    other_than,
    paged,
    require_archive_choice,
    require_name,
    search_filter,
)
from services.kernel import audit
from services.kernel.access import Actor, require_admin, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

NAME_TAKEN = "Another program already has that name."


@dataclass(frozen=True)
class ProgramRow:
    id: int
    name: str
    is_active: bool
    levels: int  # how many levels it has, archived ones included


def list_programs(
    db: Session, actor: Actor, *, search: str = "", page: int = 1, include_archived: bool = True
) -> Page[ProgramRow]:
    """Programs whose name contains `search`, active ones first (archived ones only with
    `include_archived`). Staff read; guardians and instructors are refused."""
    require_staff(actor)
    levels = select(func.count(Level.id)).where(Level.program_id == Program.id).scalar_subquery()
    query = (
        select(Program.id, Program.name, Program.is_active, levels.label("levels"))
        .where(
            search_filter(search, Program.name),
            archived_filter(include_archived, Program.is_active),
        )
        .order_by(Program.is_active.desc(), Program.name, Program.id)
    )
    rows, total, number, pages = paged(db, query, page)
    items = tuple(ProgramRow(r.id, r.name, r.is_active, r.levels) for r in rows)
    return Page(items, total, number, pages)


def create_program(db: Session, actor: Actor, name: str) -> int:
    """Admins only. Returns the new program's id."""
    require_admin(actor)
    clean = require_name(name, "program name")
    with write_transaction(db, conflict=NAME_TAKEN):
        _require_free_name(db, clean, None)
        program = Program(name=clean, description="")
        db.add(program)
        db.flush()
        audit.record(db, actor, "program.created", entity="program", entity_id=program.id,
                     details={"name": clean})  # fmt: skip
    return program.id


def rename_program(db: Session, actor: Actor, program_id: int, name: str) -> None:
    """Admins only."""
    require_admin(actor)
    clean = require_name(name, "program name")
    with write_transaction(db, conflict=NAME_TAKEN):
        program = _program(db, program_id)
        if program.name == clean:
            raise ValidationError("That is already the program's name.")
        _require_free_name(db, clean, program.id)
        audit.record(db, actor, "program.renamed", entity="program", entity_id=program.id,
                     details={"name": [program.name, clean]})  # fmt: skip
        program.name = clean


def set_program_archived(db: Session, actor: Actor, program_id: int, archived: bool) -> None:
    """Admins only: archive (True) or restore (False) a program; its levels keep their own
    state."""
    require_admin(actor)
    require_archive_choice(archived)
    with write_transaction(db):
        program = _program(db, program_id)
        apply_archived(program, archived, "program", db, actor)


def _program(db: Session, program_id: object) -> Program:
    program = db.get(Program, require_id(program_id, "program"), with_for_update=True)
    if program is None:
        raise NotFound("program")
    return program


def _require_free_name(db: Session, name: str, own_id: int | None) -> None:
    taken = db.scalar(
        select(Program.id).where(
            func.lower(Program.name) == name.lower(), other_than(Program.id, own_id)
        )
    )
    if taken is not None:
        raise ValidationError(NAME_TAKEN)
