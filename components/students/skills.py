"""Skills of each level the student is or was enrolled in, the current level open."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import escape_markdown, format_date
from data.db import session_scope
from services.classes.evaluations import LevelProgress, student_evaluations
from services.families.students import StudentCard
from services.kernel.access import Actor

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "mastered": "Mastered"}


def level_frame(level: LevelProgress) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Skill": [skill.name for skill in level.skills],
            "Status": [STATUS_LABELS.get(skill.status, skill.status) for skill in level.skills],
            "Date": [format_date(s.evaluated_on) if s.evaluated_on else "" for s in level.skills],
            "Instructor": [skill.instructor for skill in level.skills],
            "Note": [skill.note for skill in level.skills],
        }
    )


def render_skills(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        levels = student_evaluations(db, actor, student.id)
    if not levels:
        st.info("No skills have been evaluated yet.")
    for level in levels:
        label = f"{level.program} · {level.level}"
        if level.is_current:
            label += " (current)"
        # Current levels open, the others collapsed: a phone shows one level, not seven.
        with st.expander(escape_markdown(label), expanded=level.is_current):
            st.progress(
                level.mastered / level.total if level.total else 0.0,
                text=f"{level.mastered} of {level.total} skills mastered",
            )
            if level.skills:
                st.dataframe(level_frame(level), hide_index=True, width="stretch")
