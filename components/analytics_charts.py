"""Charts for the staff analytics page, drawn from small aggregate frames only.

Simple lines and bars are Streamlit's own charts; Plotly (a 4.7 MB bundle the browser loads
with the first Plotly chart) only draws the heatmap and the class fill, when one is chosen
(issue 17).
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.chart_colours import GREY, PRIMARY, RED, SCALE, SECONDARY
from components.documents import CSV
from components.formatting import format_time
from services.billing.csv_documents import frame_csv

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LAYOUT = {
    "height": 300,
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "y": -0.2},
}
PLOTLY_CONFIG = {"displayModeBar": False}
PERCENT = "Attendance %"


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
            colorscale=[list(stop) for stop in SCALE],
            zmin=0,
            zmax=1,
            colorbar={"tickformat": ".0%"},
        )
    )
    return figure.update_layout(**LAYOUT)


def draw_weekly_rate(frame: pd.DataFrame) -> None:
    title = "Attendance by week"
    _chart(_percent(frame), "week_start", [PERCENT], "Week", [PRIMARY], "line", title)


def draw_programs(frame: pd.DataFrame) -> None:
    title = "Attendance by program"
    _chart(_percent(frame), "program", [PERCENT], "Program", [PRIMARY], "bar", title)


def draw_absences(frame: pd.DataFrame) -> None:
    columns = ["absent", "excused", "makeup"]
    colours = [RED, SECONDARY, PRIMARY]
    _chart(frame, "week_start", columns, "Week", colours, "line", "Absences by week")


def _chart(
    frame: pd.DataFrame,
    x: str,
    columns: list[str],
    x_title: str,
    colours: list[str],
    kind: str,
    title: str,
) -> None:
    """A line or bar chart whose marks are not announced one by one (Vega gives each mark
    group an unnamed graphics role, which axe reports as an image without alternative text):
    the chart is named by its title, and its numbers are the table beside it."""
    long = frame.melt(id_vars=[x], value_vars=columns, var_name="series", value_name="value")
    x_type = "T" if kind == "line" else "N"
    mark = (
        alt.Chart(long).mark_line(point=True, aria=False)
        if kind == "line"
        else alt.Chart(long).mark_bar(aria=False)
    )
    chart = mark.encode(
        x=alt.X(f"{x}:{x_type}", title=x_title),
        y=alt.Y("value:Q", title=columns[0] if len(columns) == 1 else "Count"),
        color=alt.Color(
            "series:N",
            scale=alt.Scale(domain=columns, range=colours),
            legend=None if len(columns) == 1 else alt.Legend(orient="bottom", title=None),
        ),
    ).properties(height=300)
    st.altair_chart(chart, width="stretch", alt=title)


def draw_heatmap(frame: pd.DataFrame) -> None:
    st.plotly_chart(heatmap_figure(frame), key="heatmap.chart", config=PLOTLY_CONFIG)


def draw_fill(frame: pd.DataFrame) -> None:
    st.plotly_chart(fill_figure(frame), key="fill.chart", config=PLOTLY_CONFIG)


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    """The rate as a percentage for the axis (display only; the table keeps the share)."""
    return frame.assign(**{PERCENT: (frame["rate"] * 100).round(1)})


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
                marker_color=PRIMARY,
            ),
            go.Bar(x=labels, y=(-spare).clip(lower=0), name="Over capacity", marker_color=RED),
            go.Bar(x=labels, y=spare.clip(lower=0), name="Open seats", marker_color=GREY),
            go.Bar(x=labels, y=frame["waitlist"], name="Waitlist", marker_color=SECONDARY),
        ]
    )
    return figure.update_layout(**LAYOUT, barmode="stack")


def render_numbers(
    title: str, frame: pd.DataFrame, *, key: str, csv: pd.DataFrame | None = None
) -> None:
    """The figures behind a chart, as a table and a CSV download (of `csv` if given)."""
    with st.expander(f"{title}: the numbers"):
        st.dataframe(frame, hide_index=True, width="stretch")
        render_download(frame if csv is None else csv, key=key)


def render_download(frame: pd.DataFrame, *, key: str) -> None:
    st.download_button(
        "Download CSV",
        data=lambda: frame_csv(frame),
        file_name=f"{key}.csv",
        mime=CSV,
        key=f"{key}.csv",
        on_click="ignore",
        icon=":material/download:",
    )


def render_table(
    title: str, frame: pd.DataFrame, *, key: str, csv: pd.DataFrame | None = None
) -> None:
    """A titled list of figures (no chart), with its table and CSV; the count is the CSV's."""
    st.markdown(f"**{title}** ({len(frame if csv is None else csv)})")
    render_numbers(title, frame, key=key, csv=csv)


def render_chart(
    title: str, draw: Callable[[pd.DataFrame], None], frame: pd.DataFrame, *, key: str
) -> None:
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption("No data for these filters.")
        return
    draw(frame)
    render_numbers(title, frame, key=key)
