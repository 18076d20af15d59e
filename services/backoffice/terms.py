"""Terms: the named date ranges classes run in. Admins create, edit, archive and restore
them; staff read. The class editor offers `list_terms` (the active terms) to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Term
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

NAME_TAKEN = "Another term already has that name."


@dataclass(frozen=True)
class TermInput:
    """What the term form sends; every field is checked again here."""

    name: str
    start_date: date
    end_date: date


@dataclass(frozen=True)
class TermRow:
    id: int
    name: str
    start_date: date
    end_date: date  # the last day of the term
    is_active: bool

    @property
    def label(self) -> str:
        """ "Fall 2026 (1 Sep 2026 – 20 Dec 2026)": how a choice of term reads."""
        return f"{self.name} ({self.start_date:%-d %b %Y} – {self.end_date:%-d %b %Y})"


def list_terms(db: Session, actor: Actor) -> list[TermRow]:
    """The active terms, earliest first: the choices of the class editor. Staff read;
    guardians are refused."""
    require_staff(actor)
    rows = db.scalars(
        select(Term).where(Term.is_active.is_(True)).order_by(Term.start_date, Term.name, Term.id)
    )
    return [_row(term) for term in rows]


def terms_by_dates(db: Session) -> dict[tuple[date, date], TermRow]:
    """The active terms keyed by (first day, last day), the lowest id winning: how a class,
    which stores only its dates, is matched to its term (services call it; no actor)."""
    rows = db.scalars(select(Term).where(Term.is_active.is_(True)).order_by(Term.id.desc()))
    return {(term.start_date, term.end_date): _row(term) for term in rows}


def search_terms(
    db: Session, actor: Actor, *, search: str = "", page: int = 1, include_archived: bool = True
) -> Page[TermRow]:
    """Every term whose name contains `search`, active ones first, then the latest first
    (archived ones only with `include_archived`). Staff read; guardians and instructors are
    refused."""
    require_staff(actor)
    query = (
        select(Term)
        .where(search_filter(search, Term.name), archived_filter(include_archived, Term.is_active))
        .order_by(Term.is_active.desc(), Term.start_date.desc(), Term.id)
    )
    rows, total, number, pages = paged(db, query, page)
    return Page(tuple(_row(row.Term) for row in rows), total, number, pages)


def create_term(db: Session, actor: Actor, term: TermInput) -> int:
    """Admins only. Returns the new term's id."""
    require_admin(actor)
    values = _clean(term)
    with write_transaction(db, conflict=NAME_TAKEN):
        _require_free_name(db, values["name"], None)
        row = Term(**values)
        db.add(row)
        db.flush()
        audit.record(db, actor, "term.created", entity="term", entity_id=row.id,
                     details={k: _logged(v) for k, v in values.items()})  # fmt: skip
    return row.id


def update_term(db: Session, actor: Actor, term_id: int, term: TermInput) -> None:
    """Admins only. Classes keep their own dates: changing a term changes no class."""
    require_admin(actor)
    values = _clean(term)
    with write_transaction(db, conflict=NAME_TAKEN):
        row = _term(db, term_id)
        _require_free_name(db, values["name"], row.id)
        changes = {
            name: [getattr(row, name), value]
            for name, value in values.items()
            if getattr(row, name) != value
        }
        if not changes:
            raise ValidationError("Nothing changed.")
        for name, (_, value) in changes.items():
            setattr(row, name, value)
        audit.record(db, actor, "term.updated", entity="term", entity_id=row.id,
                     details={k: [_logged(old), _logged(new)]
                              for k, (old, new) in changes.items()})  # fmt: skip


def set_term_archived(db: Session, actor: Actor, term_id: int, archived: bool) -> None:
    """Admins only: archive (True) or restore (False) a term."""
    require_admin(actor)
    require_archive_choice(archived)
    with write_transaction(db):
        term = _term(db, term_id)
        apply_archived(term, archived, "term", db, actor)


def _term(db: Session, term_id: object) -> Term:
    term = db.get(Term, require_id(term_id, "term"), with_for_update=True)
    if term is None:
        raise NotFound("term")
    return term


def _require_free_name(db: Session, name: str, own_id: int | None) -> None:
    taken = db.scalar(
        select(Term.id).where(func.lower(Term.name) == name.lower(), other_than(Term.id, own_id))
    )
    if taken is not None:
        raise ValidationError(NAME_TAKEN)


def _clean(data: object) -> dict[str, object]:
    if not isinstance(data, TermInput):
        raise ValidationError("That term form is not valid.")
    name = require_name(data.name, "term name")
    start, end = data.start_date, data.end_date
    for value, what in ((start, "start date"), (end, "end date")):
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValidationError(f"Choose the term's {what}.")
    if end <= start:
        raise ValidationError("The term must end after it starts.")
    return {"name": name, "start_date": start, "end_date": end}


def _logged(value: object) -> object:
    """Dates as ISO text: the audit details are JSON."""
    return value.isoformat() if isinstance(value, date) else value


def _row(term: Term) -> TermRow:
    return TermRow(term.id, term.name, term.start_date, term.end_date, term.is_active)
