"""A student's card on the family home: name, age and current classes."""

from __future__ import annotations

import streamlit as st

from components.formatting import escape_markdown, format_time_range
from services.families.home import StudentSummary


def render_student_card(student: StudentSummary) -> None:
    with st.container(border=True):
        st.markdown(
            f"**{escape_markdown(student.first_name)} {escape_markdown(student.last_name)}**"
        )
        st.caption(f"Age {student.age}")
        if not student.current_classes:
            st.write("No current classes.")
        for lesson in student.current_classes:
            kind = "" if lesson.enrollment_type == "regular" else f" · {lesson.enrollment_type}"
            what = (
                f"{lesson.class_name} ({lesson.program}, {lesson.level}) · {lesson.location_name}"
            )
            st.write(
                f":material/event: {lesson.weekday_name} "
                f"{format_time_range(lesson.start_time, lesson.end_time)} · "
                f"{escape_markdown(what)}{kind}"
            )
