"""Attendance analytics: rates by week, class and program; absences; tokens; fill; risks."""

from datetime import timedelta

import streamlit as st

from components.actions import run_action
from components.analytics_charts import (
    absences_figure,
    fill_figure,
    heatmap_figure,
    program_figure,
    render_chart,
    render_numbers,
    render_table,
    weekly_rate_figure,
)
from components.analytics_filters import render_filters
from components.auth import current_actor
from services.desk import analytics
from services.kernel.clock import now

actor = current_actor()
st.title("Attendance analytics")
today = now().date()
f = render_filters(actor, default_start=today - timedelta(weeks=12), today=today)
if f is None:
    st.stop()


def load(db):  # type: ignore[no-untyped-def]
    return {
        name: getattr(analytics, name)(db, actor, f)
        for name in (
            "weekly_rate",
            "class_heatmap",
            "program_rates",
            "absences_over_time",
            "tokens_outstanding",
            "class_fill",
        )
    }


data = run_action(load)
if data is None:
    st.stop()
render_chart(
    "Attendance rate by week",
    weekly_rate_figure(data["weekly_rate"]),
    data["weekly_rate"],
    key="weekly_rate",
)
render_chart(
    "Attendance by weekday and time",
    heatmap_figure(data["class_heatmap"]),
    data["class_heatmap"],
    key="heatmap",
)
render_chart(
    "Attendance by program",
    program_figure(data["program_rates"]),
    data["program_rates"],
    key="programs",
)
render_chart(
    "Absences, excused absences and makeups",
    absences_figure(data["absences_over_time"]),
    data["absences_over_time"],
    key="absences",
)
render_chart(
    "Class fill: enrolled, open seats and waitlist",
    fill_figure(data["class_fill"]),
    data["class_fill"],
    key="fill",
)
st.markdown("**Makeup tokens owed**")
render_numbers("Makeup tokens owed", data["tokens_outstanding"], key="tokens")
below = st.slider("Classes attending below", 0.5, 1.0, 0.8, 0.05, key="analytics.below")
if (
    low := run_action(lambda db: analytics.low_attendance_classes(db, actor, f, below))
) is not None:
    render_table(f"Classes below {below:.0%}", low, key="low_attendance")
if (dropping := run_action(lambda db: analytics.dropping_students(db, actor, f, 3))) is not None:
    render_table("Students who missed their last 3 classes", dropping, key="dropping")
