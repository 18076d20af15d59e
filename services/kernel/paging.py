"""A searched, paged list: what every list a person pages through shares (the back office's
catalog lists, the money view's families in a bucket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session

from services.kernel.validation import require_int, require_text

T = TypeVar("T")
PAGE_SIZE = 20
SEARCH_LENGTH = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: `page` is 1-based and already clamped to 1..pages."""

    items: tuple[T, ...]
    total: int
    page: int
    pages: int


def search_filter(search: object, *columns: ColumnElement[Any]) -> ColumnElement[bool]:
    """Rows where any of `columns` contains `search` (case-insensitive); blank matches all."""
    text = require_text(search, "search", max_length=SEARCH_LENGTH).strip().lower()
    if not text:
        return true()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


def paged(db: Session, query: Select[Any], page: object) -> tuple[list[Any], int, int, int]:
    """Run `query` (already filtered and ordered) for one page: rows, total, page, pages."""
    number = require_int(page, "page")
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(number, 1), pages)
    rows = db.execute(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), total, number, pages
