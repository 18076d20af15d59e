"""Today's class rosters on the staff home."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import escape_markdown, format_time_range
from services.desk.staff_home import TodayClass


def roster_frame(lesson: TodayClass) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Student": [line.student_name for line in lesson.roster],
            "Type": [line.enrollment_type for line in lesson.roster],
            "Medical / allergy": ["⚠" if line.has_medical_notes else "" for line in lesson.roster],
            "Attendance": [line.attendance or "not marked" for line in lesson.roster],
        }
    )


def render_today_class(lesson: TodayClass) -> None:
    title = (
        f"{format_time_range(lesson.start_time, lesson.end_time)} · {lesson.name} "
        f"({lesson.program}, {lesson.level}) · {lesson.instructor} · "
        f"{len(lesson.roster)}/{lesson.capacity}"
    )
    with st.expander(escape_markdown(title)):
        if lesson.roster:
            st.dataframe(roster_frame(lesson), hide_index=True, width="stretch")
        else:
            st.write("No students on this roster.")
