"""The back office's catalog widgets: a searched, paged list with a row to open, a name
form, an archive/restore button and up/down buttons for ordered rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.formatting import escape_markdown
from services.backoffice.catalog_lists import Page
from services.backoffice.program_levels import OrderedRow


class Row(Protocol):
    id: int
    name: str
    is_active: bool


R = TypeVar("R", bound=Row)


def state_word(row: Row) -> str:
    return "Active" if row.is_active else "Archived"


TERM_COLUMNS: dict[str, Callable[[Any], object]] = {
    "Term": lambda r: r.name,
    "First day": lambda r: r.start_date.strftime("%-d %b %Y"),
    "Last day": lambda r: r.end_date.strftime("%-d %b %Y"),
    "State": state_word,
}


def render_list(
    key: str,
    what: str,
    fetch: Callable[[Any, str, int], Page[R]],
    columns: dict[str, Callable[[R], object]],
) -> R | None:
    """Search box, one page of rows as a table, the page number and a row to open (the
    opened row is returned; None when the list is empty or refused)."""
    search = st.text_input(f"Search {what}", key=f"{key}.search", max_chars=100)
    number = st.number_input("Page", min_value=1, max_value=10_000, step=1, key=f"{key}.page")
    page = run_action(lambda db: fetch(db, search, int(number)))
    if page is None:
        return None
    if not page.items:
        st.info(f"No {what} match that search." if search.strip() else f"No {what} yet.")
        return None
    st.dataframe(
        pd.DataFrame({title: [get(row) for row in page.items] for title, get in columns.items()}),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Page {page.page} of {page.pages} · {page.total} in all")
    rows = {row.id: row for row in page.items}
    chosen = st.selectbox(
        f"Open one of these {what}",
        list(rows),
        key=f"{key}.open",
        format_func=lambda i: rows[i].name + ("" if rows[i].is_active else " (archived)"),
    )
    return rows.get(chosen)


def render_archived_toggle(key: str, what: str) -> bool:
    """Off by default: the desk's read-only lists show archived rows only when asked."""
    return st.toggle(f"Show archived {what}", key=f"{key}.archived")


def render_name_form(key: str, label: str, submit: str, value: str = "") -> str | None:
    """A one-field form; the typed name when submitted (checked by the service)."""
    with st.form(key):
        name = st.text_input(label, value=value, max_chars=120, key=f"{key}.name")
        return name if st.form_submit_button(submit) else None


def render_archive_button(key: str, row: Row, word: str) -> bool | None:
    """True to archive, False to restore, when clicked."""
    if row.is_active:
        help_text = f"An archived {word} leaves parents' choices but stays in their history."
        if st.button(f"Archive this {word}", key=key, help=help_text):
            return True
    elif st.button(f"Restore this {word}", key=key):
        return False
    return None


def render_ordered(key: str, rows: list[OrderedRow], word: str) -> tuple[int, str] | None:
    """Rows in order, each with up and down buttons: (row id, "up" or "down") when clicked."""
    if not rows:
        st.caption(f"No {word}s yet.")
        return None
    clicked = None
    for row in rows:
        name, up, down = st.columns([6, 1, 1])
        archived = "" if row.is_active else " · archived"
        name.write(f"{row.position}. {escape_markdown(row.name)}{archived}")
        if up.button("Up", key=f"{key}.up.{row.id}", icon=":material/arrow_upward:"):
            clicked = (row.id, "up")
        if down.button("Down", key=f"{key}.down.{row.id}", icon=":material/arrow_downward:"):
            clicked = (row.id, "down")
    return clicked


def render_ordered_names(rows: list[OrderedRow], word: str) -> None:
    """Rows in order, read-only (the desk's view of levels and skills)."""
    if not rows:
        st.caption(f"No {word}s yet.")
        return
    st.markdown(
        "\n".join(
            f"{row.position}. {escape_markdown(row.name)}"
            + ("" if row.is_active else " · archived")
            for row in rows
        )
    )


def choose_ordered(key: str, rows: list[OrderedRow], word: str) -> OrderedRow | None:
    if not rows:
        return None
    by_id = {row.id: row for row in rows}
    chosen = st.selectbox(
        f"Open a {word}", list(by_id), key=key, format_func=lambda i: by_id[i].name
    )
    return by_id.get(chosen)
