"""Terms (admin): the named date ranges classes run in; the class editor offers the active
ones."""

from datetime import date

import streamlit as st

from components.actions import render_flash, run_then_rerun
from components.auth import current_actor
from components.catalog_widgets import TERM_COLUMNS, render_archive_button, render_list
from components.formatting import escape_markdown
from services.backoffice.terms import (
    TermInput,
    TermRow,
    create_term,
    search_terms,
    set_term_archived,
    update_term,
)

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)

actor = current_actor()
st.title("Terms")
st.caption(
    "Named date ranges that classes run in, such as “Fall 2026”. An archived term is no "
    "longer offered for new classes; classes keep their dates. Every change is recorded."
)
render_flash()


def term_form(key: str, current: TermInput | None, submit: str) -> TermInput | None:
    """The term's fields; what was typed when submitted (the service checks it all)."""
    with st.form(key):
        name = st.text_input(
            "Name", value=current.name if current else "", max_chars=120, key=f"{key}.name"
        )
        start, end = st.columns(2)
        first = start.date_input(
            "First day", value=current.start_date if current else None,
            min_value=EARLIEST, max_value=LATEST, key=f"{key}.start", format="YYYY-MM-DD",
        )  # fmt: skip
        last = end.date_input(
            "Last day", value=current.end_date if current else None,
            min_value=EARLIEST, max_value=LATEST, key=f"{key}.end", format="YYYY-MM-DD",
        )  # fmt: skip
        if not st.form_submit_button(submit):
            return None
    return TermInput(name, first, last)  # type: ignore[arg-type]  # None: the service refuses


with st.expander("Add a term"):
    new = term_form("terms.add", None, "Add term")
    if new is not None:
        run_then_rerun(lambda db: create_term(db, actor, new), "Term added.")

opened: TermRow | None = render_list(
    "terms",
    "terms",
    lambda db, search, page: search_terms(db, actor, search=search, page=page),
    TERM_COLUMNS,
)
if opened is not None:
    st.subheader(escape_markdown(opened.name))
    current = TermInput(opened.name, opened.start_date, opened.end_date)
    changed = term_form(f"terms.edit.{opened.id}", current, "Save changes")
    if changed is not None:
        run_then_rerun(lambda db: update_term(db, actor, opened.id, changed), "Term saved.")
    archive = render_archive_button(f"terms.archive.{opened.id}", opened, "term")
    if archive is not None:
        run_then_rerun(
            lambda db: set_term_archived(db, actor, opened.id, archive),
            "Term archived." if archive else "Term restored.",
        )
