"""The class list of one location: weekday and search filters, one table (a page of at most
20 classes) with fill and waitlist, a pager, and a picker for the class to work on."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.formatting import format_date, format_time_range
from components.seats import seats_label
from services.backoffice.class_list import ClassPage, ClassRow, class_list
from services.kernel.access import Actor
from services.kernel.money import format_cents
from services.kernel.schedule import WEEKDAY_NAMES

ANY_DAY = -1


def render_class_list(
    actor: Actor, location_id: int, key: str, *, archived: bool = False
) -> ClassPage | None:
    """Filters, the table and the pager; returns the page shown (None when refused)."""
    day_column, query_column = st.columns([1, 2])
    weekday = day_column.selectbox(
        "Day shown",
        [ANY_DAY, *range(7)],
        format_func=lambda d: "Every day" if d == ANY_DAY else WEEKDAY_NAMES[d],
        key=f"{key}.weekday",
    )
    query = query_column.text_input(
        "Search by class, program, level or instructor", max_chars=100, key=f"{key}.query"
    )
    page_key = f"{key}.page"
    page = run_action(
        lambda db: class_list(
            db,
            actor,
            location_id,
            weekday=None if weekday == ANY_DAY else weekday,
            query=query,
            archived=archived,
            page=st.session_state.get(page_key, 0),
        )
    )
    if page is None:
        return None
    if not page.rows:
        st.info("No classes match." if query or weekday != ANY_DAY else "No classes here yet.")
        return page
    st.dataframe(pd.DataFrame([_row(row) for row in page.rows]), hide_index=True, width="stretch")
    if page.pages > 1:
        back, where, forward = st.columns([1, 2, 1])
        if back.button("Previous", key=f"{key}.previous", disabled=page.page == 0):
            st.session_state[page_key] = page.page - 1
            st.rerun()
        where.caption(f"Page {page.page + 1} of {page.pages} · {page.total} classes")
        if forward.button("Next", key=f"{key}.next", disabled=page.page + 1 >= page.pages):
            st.session_state[page_key] = page.page + 1
            st.rerun()
    return page


def _row(row: ClassRow) -> dict[str, object]:
    youngest = "0" if row.min_age is None else str(row.min_age)
    oldest = "" if row.max_age is None else str(row.max_age)
    ages = "" if row.min_age is None and row.max_age is None else f"{youngest}–{oldest}"
    return {
        "Day": row.weekday_name,
        "Time": format_time_range(row.start_time, row.end_time),
        "Class": row.name,
        "Level": f"{row.program} · {row.level}",
        "Instructor": row.instructor,
        "Filled": f"{row.enrolled} / {row.capacity}",
        "Seats": seats_label(row.open_seats),
        "Waitlist": row.waitlist,
        "Ages": ages,
        "Tuition / month": format_cents(row.tuition_cents),
        "Term": (f"{row.term}: " if row.term else "")
        + f"{format_date(row.term_start)} – {format_date(row.term_end)}",
    }


def pick_class(page: ClassPage, key: str, label: str = "Class") -> ClassRow | None:
    """One class of the page shown (the first until another is chosen)."""
    if not page.rows:
        return None
    rows = {row.class_id: row for row in page.rows}
    chosen = st.selectbox(
        label,
        list(rows),
        format_func=lambda i: class_label(rows[i]),
        key=f"{key}.class",
    )
    return rows.get(chosen)


def class_label(row: ClassRow) -> str:
    return f"{row.weekday_name} {format_time_range(row.start_time, row.end_time)} · {row.name}"
