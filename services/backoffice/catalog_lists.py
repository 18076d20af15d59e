"""What the back office's catalog lists share: a searched, paged list, the name rule and
archiving or restoring a row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from services.kernel import audit
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.validation import require_int, require_text

T = TypeVar("T")
PAGE_SIZE = 20
NAME_LENGTH = 120
SEARCH_LENGTH = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: `page` is 1-based and already clamped to 1..pages."""

    items: tuple[T, ...]
    total: int
    page: int
    pages: int


def require_name(value: object, what: str, *, max_length: int = NAME_LENGTH) -> str:
    """A name from a form: text, trimmed, not blank, not too long."""
    name = require_text(value, what, max_length=max_length).strip()
    if not name:
        raise ValidationError(f"Please enter a {what}.")
    return name


def search_filter(search: object, *columns: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows where any of `columns` contains `search` (case-insensitive); blank matches all."""
    text = require_text(search, "search", max_length=SEARCH_LENGTH).strip().lower()
    if not text:
        return true()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


def other_than(id_column: ColumnElement[int], own_id: int | None) -> ColumnElement[bool]:
    """For "is this name taken by another row": every row but `own_id` (all for a new one)."""
    return true() if own_id is None else id_column != own_id


def paged(db: Session, query: Select[Any], page: object) -> tuple[list[Any], int, int, int]:
    """Run `query` (already filtered and ordered) for one page: rows, total, page, pages."""
    number = require_int(page, "page")
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = db.execute(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), total, number, pages


def archived_filter(
    include_archived: object, is_active: ColumnElement[bool]
) -> ColumnElement[bool]:
    """Every row when `include_archived` is True, else only active ones (the desk's read-only
    lists leave archived rows out unless asked)."""
    if not isinstance(include_archived, bool):
        raise ValidationError("Choose whether to show archived items.")
    return true() if include_archived else is_active.is_(True)


def require_archive_choice(archived: object) -> bool:
    if not isinstance(archived, bool):
        raise ValidationError("Choose archive or restore.")
    return archived


def apply_archived(row: Any, archived: bool, word: str, db: Session, actor: Actor) -> None:
    """Archive (True) or restore (False) a locked row with `is_active`, inside the caller's
    transaction, audited as `<word>.archived` / `<word>.restored`; a row already in that
    state is refused."""
    if row.is_active is not archived:
        raise ValidationError(f"That {word} is already {'archived' if archived else 'active'}.")
    row.is_active = not archived
    action = f"{word}.{'archived' if archived else 'restored'}"
    audit.record(db, actor, action, entity=word, entity_id=row.id)
