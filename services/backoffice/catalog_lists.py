"""What the back office's catalog lists share: a searched, paged list (from
`services.kernel.paging`), the name rule and archiving or restoring a row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session

from services.kernel import audit
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.paging import PAGE_SIZE as PAGE_SIZE
from services.kernel.paging import SEARCH_LENGTH as SEARCH_LENGTH
from services.kernel.paging import Page as Page
from services.kernel.paging import paged as paged
from services.kernel.paging import search_filter as search_filter
from services.kernel.validation import require_text

NAME_LENGTH = 120


def require_name(value: object, what: str, *, max_length: int = NAME_LENGTH) -> str:
    """A name from a form: text, trimmed, not blank, not too long."""
    name = require_text(value, what, max_length=max_length).strip()
    if not name:
        raise ValidationError(f"Please enter a {what}.")
    return name


def other_than(id_column: ColumnElement[int], own_id: int | None) -> ColumnElement[bool]:
    """For "is this name taken by another row": every row but `own_id` (all for a new one)."""
    return true() if own_id is None else id_column != own_id


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
