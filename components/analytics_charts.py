"""Figures for the staff analytics page (plotly graph_objects, built from aggregates only)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.documents import CSV
from components.formatting import format_time
from services.billing.csv_documents import frame_csv

TEAL, AMBER, GREY, RED = "#1F7A8C", "#E9A23B", "#9AA5B1", "#C0392B"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LAYOUT = {
    "height": 300,
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "y": -0.2},
}


def weekly_rate_figure(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        go.Scatter(
            x=frame["week_start"],
            y=frame["rate"],
            mode="lines+markers",
            line={"color": TEAL},
            name="Attendance rate",
        )
    )
    return figure.update_layout(**LAYOUT, yaxis={"tickformat": ".0%", "range": [0, 1]})


def heatmap_figure(frame: pd.DataFrame) -> go.Figure:
    times = sorted(set(frame["start_time"]))
    grid = frame.pivot_table(index="start_time", columns="weekday", values="rate")
    figure = go.Figure(
        go.Heatmap(
            z=[
                [grid.at[t, d] if d in grid.columns and t in grid.index else None for d in range(7)]
                for t in times
            ],
            x=list(WEEKDAYS),
            y=[format_time(t) for t in times],
            colorscale="Teal",
            zmin=0,
            zmax=1,
            colorbar={"tickformat": ".0%"},
        )
    )
    return figure.update_layout(**LAYOUT)


def program_figure(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(go.Bar(x=frame["program"], y=frame["rate"], marker_color=TEAL))
    return figure.update_layout(**LAYOUT, yaxis={"tickformat": ".0%", "range": [0, 1]})


def absences_figure(frame: pd.DataFrame) -> go.Figure:
    figure = go.Figure(
        [
            go.Scatter(
                x=frame["week_start"],
                y=frame[column],
                name=column.capitalize(),
                mode="lines+markers",
                line={"color": color},
            )
            for column, color in (("absent", RED), ("excused", AMBER), ("makeup", TEAL))
        ]
    )
    return figure.update_layout(**LAYOUT)


def fill_figure(frame: pd.DataFrame) -> go.Figure:
    labels = [f"{c} ({loc})" for c, loc in zip(frame["class"], frame["location"], strict=True)]
    # A class over capacity shows its extra students as their own bar, never as negative
    # open seats.
    spare = frame["capacity"] - frame["enrolled"]
    figure = go.Figure(
        [
            go.Bar(
                x=labels,
                y=frame[["enrolled", "capacity"]].min(axis=1),
                name="Enrolled",
                marker_color=TEAL,
            ),
            go.Bar(x=labels, y=(-spare).clip(lower=0), name="Over capacity", marker_color=RED),
            go.Bar(x=labels, y=spare.clip(lower=0), name="Open seats", marker_color=GREY),
            go.Bar(x=labels, y=frame["waitlist"], name="Waitlist", marker_color=AMBER),
        ]
    )
    return figure.update_layout(**LAYOUT, barmode="stack")


def render_numbers(title: str, frame: pd.DataFrame, *, key: str) -> None:
    """The figures behind a chart, as a table and a CSV download."""
    with st.expander(f"{title}: the numbers"):
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            data=lambda: frame_csv(frame),
            file_name=f"{key}.csv",
            mime=CSV,
            key=f"{key}.csv",
            on_click="ignore",
            icon=":material/download:",
        )


def render_table(title: str, frame: pd.DataFrame, *, key: str) -> None:
    """A titled list of figures (no chart), with its table and CSV."""
    st.markdown(f"**{title}** ({len(frame)})")
    render_numbers(title, frame, key=key)


def render_chart(title: str, figure: go.Figure, frame: pd.DataFrame, *, key: str) -> None:
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption("No data for these filters.")
        return
    st.plotly_chart(figure, key=f"{key}.chart", config={"displayModeBar": False})
    render_numbers(title, frame, key=key)
