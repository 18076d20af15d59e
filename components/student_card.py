"""A student's card on the family home: name, age, current classes, and the check-in code
one tap away (it opens the Students page on that student's QR code)."""

from __future__ import annotations

import streamlit as st

from components.formatting import escape_markdown, format_time_range
from components.student_picker import STUDENT_KEY
from components.students.sections import QR_CODE, open_section
from services.families.home import StudentSummary


def render_student_card(student: StudentSummary, *, check_in_code: bool) -> None:
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
        if check_in_code and st.button(
            "Show check-in code",
            key=f"home.checkin.{student.id}",
            icon=":material/qr_code_2:",
            help=f"{student.first_name}'s QR code for the front desk",
        ):
            st.session_state[STUDENT_KEY] = student.id
            open_section(QR_CODE)
            st.switch_page("../pages/students.py")  # from the router, components/shell.py
