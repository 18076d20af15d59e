"""The student's attendance by week: a stacked bar chart (a Vega-Lite spec written here: no
Plotly on a parent's pages, whose 4.7 MB bundle a phone would load for one chart, and a
fraction of the server time to build), named for assistive technology, with the same numbers
as a table beside it for screen readers and keyboard users."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.chart_colours import PRIMARY, SECONDARY
from components.formatting import format_date
from components.static_table import render_static_table
from services.classes.attendance import WeekAttendance

ATTENDED, MISSED = "Attended", "Missed"


def attendance_spec(weeks: list[WeekAttendance]) -> dict[str, Any]:
    """Attended stacked under missed, one bar a week, the legend above the bars (below them
    it covered the week labels on a phone, where they stand on end)."""
    labels = [format_date(w.week_start, weekday=False, year=False) for w in weeks]
    values = [
        {"week": label, "status": status, "classes": count, "stack": order}
        for label, w in zip(labels, weeks, strict=True)
        for order, (status, count) in enumerate(
            ((ATTENDED, w.attended), (MISSED, w.recorded - w.attended))
        )
    ]
    return {
        "height": 260,
        "data": {"values": values},
        "mark": {"type": "bar", "aria": False},
        "encoding": {
            "x": {"field": "week", "type": "ordinal", "sort": labels, "title": None},
            "y": {
                "field": "classes",
                "type": "quantitative",
                "title": "Classes",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {
                "field": "status",
                "type": "nominal",
                "scale": {"domain": [ATTENDED, MISSED], "range": [PRIMARY, SECONDARY]},
                "legend": {"orient": "top", "title": None},
            },
            "order": {"field": "stack"},
        },
    }


def attendance_frame(weeks: list[WeekAttendance]) -> pd.DataFrame:
    """The chart's numbers, one row a week."""
    return pd.DataFrame(
        {
            "Week of": [format_date(w.week_start, weekday=False) for w in weeks],
            ATTENDED: [w.attended for w in weeks],
            MISSED: [w.recorded - w.attended for w in weeks],
        }
    )


def render_attendance_chart(weeks: list[WeekAttendance], *, key: str) -> None:
    title = f"Attendance by week (last {len(weeks)} weeks)"
    st.markdown(f"**Attendance by week** (last {len(weeks)} weeks)")
    st.vega_lite_chart(spec=attendance_spec(weeks), width="stretch", key=key, alt=title)
    with st.expander("Attendance by week: the numbers"):
        # Counts of one or two digits: no right alignment (a styled table costs 3 ms a run).
        render_static_table(attendance_frame(weeks), alt="Attendance by week")
