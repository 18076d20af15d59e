"""The student's attendance by week (plotly graph_objects: ~1 ms to build, not express), with a
title and the same numbers as a table for screen readers and keyboard users (a chart image has
no text alternative of its own)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.chart_colours import PRIMARY, SECONDARY
from components.formatting import format_date
from services.classes.attendance import WeekAttendance


def attendance_figure(weeks: list[WeekAttendance]) -> go.Figure:
    labels = [format_date(w.week_start, weekday=False, year=False) for w in weeks]
    figure = go.Figure(
        [
            go.Bar(
                name="Attended",
                x=labels,
                y=[w.attended for w in weeks],
                marker_color=PRIMARY,
            ),
            go.Bar(
                name="Missed",
                x=labels,
                y=[w.recorded - w.attended for w in weeks],
                marker_color=SECONDARY,
            ),
        ]
    )
    figure.update_layout(
        barmode="stack",
        height=260,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        # The legend above the bars: below them it covered the week labels on a phone,
        # where they stand on end.
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        xaxis={"automargin": True},
        yaxis={"title": "Classes", "dtick": 1},
    )
    return figure


def attendance_frame(weeks: list[WeekAttendance]) -> pd.DataFrame:
    """The chart's numbers, one row a week."""
    return pd.DataFrame(
        {
            "Week of": [format_date(w.week_start, weekday=False) for w in weeks],
            "Attended": [w.attended for w in weeks],
            "Missed": [w.recorded - w.attended for w in weeks],
        }
    )


def render_attendance_chart(weeks: list[WeekAttendance], *, key: str) -> None:
    st.markdown(f"**Attendance by week** (last {len(weeks)} weeks)")
    st.plotly_chart(attendance_figure(weeks), key=key, config={"displayModeBar": False})
    with st.expander("Attendance by week: the numbers"):
        st.dataframe(attendance_frame(weeks), hide_index=True, width="stretch")
