"""Choose one of the family's students (names as buttons; the choice survives reruns)."""

from __future__ import annotations

import streamlit as st

from services.students import StudentCard

STUDENT_KEY = "student_id"


def render_student_picker(students: list[StudentCard]) -> StudentCard | None:
    """The chosen active student, or None when the family has none."""
    active = [s for s in students if s.is_active]
    if not active:
        return None
    by_id = {s.id: s for s in active}
    if st.session_state.get(STUDENT_KEY) not in by_id:
        st.session_state[STUDENT_KEY] = active[0].id
    if len(active) > 1:
        st.segmented_control(
            "Student",
            list(by_id),
            key=STUDENT_KEY,
            format_func=lambda student_id: by_id[student_id].first_name,
            required=True,
        )
    return by_id[st.session_state[STUDENT_KEY]]
