"""Choose one of the family's students (names as buttons; the choice survives reruns)."""

from __future__ import annotations

import streamlit as st

from services.families.students import StudentCard

STUDENT_KEY = "student_id"


def render_student_picker(students: list[StudentCard]) -> StudentCard | None:
    """The chosen active student, or None when the family has none."""
    active = [s for s in students if s.is_active]
    if not active:
        return None
    by_id = {s.id: s for s in active}
    chosen = st.session_state.get(STUDENT_KEY)
    # Set on every run, not only when missing: the Students and Attendance pages each draw
    # this picker under the same key, and a page switch would otherwise hand the new page's
    # widget no value (None) instead of the student chosen on the other page.
    st.session_state[STUDENT_KEY] = chosen if chosen in by_id else active[0].id
    if len(active) > 1:
        st.segmented_control(
            "Student",
            list(by_id),
            key=STUDENT_KEY,
            format_func=lambda student_id: by_id[student_id].first_name,
            required=True,
        )
    return by_id[st.session_state[STUDENT_KEY]]
