"""The two views of the analytics page: one location (one chart at a time, its numbers, the
owed tokens and the two risk lists) and the compact comparison of every location."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.analytics_charts import (
    draw_absences,
    draw_fill,
    draw_heatmap,
    draw_programs,
    draw_weekly_rate,
    render_chart,
    render_download,
    render_numbers,
    render_table,
)
from services.desk import analytics
from services.desk.analytics_comparison import location_comparison
from services.desk.analytics_scope import AnalyticsFilter
from services.kernel.access import Actor

MISSED_IN_A_ROW = 3
LIST_ROWS = 100  # the risk lists show this many; their CSV holds them all

# label -> (the service function, its drawing, the key of its numbers)
CHARTS: dict[str, tuple[Callable[..., pd.DataFrame], Callable[[pd.DataFrame], None], str]] = {
    "Rate by week": (analytics.weekly_rate, draw_weekly_rate, "weekly_rate"),
    "Weekday and time": (analytics.class_heatmap, draw_heatmap, "heatmap"),
    "Programs": (analytics.program_rates, draw_programs, "programs"),
    "Absences": (analytics.absences_over_time, draw_absences, "absences"),
    "Class fill": (analytics.class_fill, draw_fill, "fill"),
}
TITLES = {
    "Rate by week": "Attendance rate by week",
    "Weekday and time": "Attendance by weekday and time",
    "Programs": "Attendance by program",
    "Absences": "Absences, excused absences and makeups",
    "Class fill": "Class fill: enrolled, open seats and waitlist",
}


def _below() -> float:
    return st.slider("Classes attending below", 0.5, 1.0, 0.8, 0.05, key="analytics.below")


def render_location_view(actor: Actor, f: AnalyticsFilter) -> None:
    """Only the chosen chart is queried and drawn (Plotly only for the two that need it)."""
    choice = st.radio("Chart", list(CHARTS), horizontal=True, key="analytics.chart")
    query, draw, key = CHARTS[choice]
    frame = run_action(lambda db: query(db, actor, f))
    if frame is not None:
        render_chart(TITLES[choice], draw, frame, key=key)
    tokens = run_action(lambda db: analytics.tokens_outstanding(db, actor, f))
    if tokens is not None:
        st.markdown("**Makeup tokens owed**")
        render_numbers("Makeup tokens owed", tokens, key="tokens")
    below = _below()
    low = run_action(lambda db: analytics.low_attendance_classes(db, actor, f, below))
    if low is not None:
        _render_list(f"Classes below {below:.0%}", low, key="low_attendance")
    dropping = run_action(lambda db: analytics.dropping_students(db, actor, f, MISSED_IN_A_ROW))
    if dropping is not None:
        title = f"Students who missed their last {MISSED_IN_A_ROW} classes"
        _render_list(title, dropping, key="dropping")


def _render_list(title: str, frame: pd.DataFrame, *, key: str) -> None:
    if len(frame) > LIST_ROWS:
        st.caption(f"{title}: the first {LIST_ROWS} of {len(frame)}; the CSV has them all.")
    render_table(title, frame.head(LIST_ROWS), key=key, csv=frame)


def render_comparison(actor: Actor, f: AnalyticsFilter) -> None:
    """One short row per location; the CSV adds the counts behind the rate."""
    below = _below()
    frame = run_action(lambda db: location_comparison(db, actor, f, below, MISSED_IN_A_ROW))
    if frame is None:
        return
    st.markdown(f"**Every location** ({len(frame)})")
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_order=["location", "rate", "enrolled", "absences", "dropping", "low_classes"],
        column_config={
            "location": st.column_config.TextColumn("Location", pinned=True, width="small"),
            "rate": st.column_config.NumberColumn("Rate", format="percent"),
            "enrolled": st.column_config.NumberColumn("Enrolled"),
            "absences": st.column_config.NumberColumn("Absent"),
            "dropping": st.column_config.NumberColumn(
                "Dropping", help=f"Students who missed their last {MISSED_IN_A_ROW} classes"
            ),
            "low_classes": st.column_config.NumberColumn(
                "Low", help=f"Classes attending below {below:.0%}"
            ),
        },
        key="analytics.comparison",
    )
    render_download(frame, key="comparison")
