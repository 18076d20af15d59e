"""Shared by the back-office catalog tests: refusals that write nothing, and audit reads."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Level, Location, Program, Skill, Term
from services.kernel.errors import DomainError


def counts(db: Session) -> tuple[object, ...]:
    """Every row of the catalog tables and of the audit log, as plain tuples."""
    db.rollback()
    return tuple(
        tuple(tuple(row) for row in db.execute(select(*model.__table__.columns).order_by(model.id)))
        for model in (Location, Program, Level, Skill, Term, AuditEntry)
    )


def refused(db: Session, error: type[DomainError], match: str, call: Callable[[], object]) -> None:
    """`call` is refused with `error` saying `match`, and nothing was written."""
    before = counts(db)
    with pytest.raises(error, match=match):
        call()
    assert counts(db) == before


def audited(db: Session, action: str) -> list[tuple[str, dict]]:
    """(entity_id, details) of each audit entry with `action`, oldest first."""
    db.rollback()
    rows = db.execute(
        select(AuditEntry.entity_id, AuditEntry.details)
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
    )
    return [(row.entity_id, row.details) for row in rows]


def audit_count(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count(AuditEntry.id))) or 0
