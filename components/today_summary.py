"""The "Today" page's parts: one summary line per location (a paged table), and one
location's classes and a roster on demand."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action
from components.formatting import escape_markdown, format_date
from components.list_pager import page_slice
from components.roster import pick_roster, render_classes_table, render_roster_table
from components.static_table import render_static_table
from services.desk.day_rosters import day_rosters
from services.desk.today_summary import LocationSummary
from services.kernel.access import Actor


def render_location_summaries(lines: tuple[LocationSummary, ...]) -> None:
    """Four short columns (they fit a 390 px phone); a location with alerts is flagged in
    the table and its alerts are spelled out under it."""
    shown = lines[page_slice("today.summary.page", len(lines), "locations")]
    rows = [
        {
            "Location": ("⚠ " if line.alerts else "") + line.location_name,
            "Classes": line.classes,
            "Students": f"{line.on_rosters}/{line.capacity}",
            "Marked": f"{line.marked}/{line.on_rosters}",
        }
        for line in shown
    ]
    render_static_table(rows, alt="Today at each location", right=("Classes", "Students", "Marked"))
    if alerts := [line for line in shown if line.alerts]:
        st.markdown(
            "\n".join(
                "- " + escape_markdown(f"⚠ {line.location_name}: {', '.join(line.alerts)}")
                for line in alerts
            )
        )


def pick_location(lines: tuple[LocationSummary, ...]) -> LocationSummary | None:
    """The location whose classes to show: the only one, else the one chosen here."""
    if len(lines) == 1:
        return lines[0]
    names = {line.location_id: line for line in lines}
    chosen = st.selectbox(
        "Classes today at",
        list(names),
        index=None,
        placeholder="Choose a location",
        format_func=lambda i: names[i].location_name,
        key="today.location",
    )
    return names.get(chosen) if chosen is not None else None


def render_location_day(actor: Actor, location_id: int) -> None:
    day = run_action(lambda db: day_rosters(db, actor, location_id))
    if day is None:
        return
    st.header(escape_markdown(f"{day.location_name} · {format_date(day.day)}"))
    if not day.rosters:
        st.caption("No classes meet here today.")
        return
    render_classes_table(day)
    roster = pick_roster(day, f"today.{day.location_id}.class")
    if roster is not None:
        render_roster_table(roster)
