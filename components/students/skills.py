"""Skills of each level the student is or was enrolled in, the current level open."""

from __future__ import annotations

import streamlit as st

from components.entry_rows import Entry, render_entries
from components.formatting import escape_markdown, format_date
from data.db import session_scope
from services.classes.evaluations import LevelProgress, student_evaluations
from services.families.students import StudentCard
from services.kernel.access import Actor

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "mastered": "Mastered"}


def level_entries(level: LevelProgress) -> list[Entry]:
    """Each skill with its state right-aligned and when and by whom it was evaluated under
    its name; the instructor's note behind a tap."""
    return [
        Entry(
            title=skill.name,
            subtitle=" · ".join(
                part
                for part in (
                    format_date(skill.evaluated_on) if skill.evaluated_on else "",
                    skill.instructor or "",
                )
                if part
            ),
            value=STATUS_LABELS.get(skill.status, skill.status),
            details=(("Note", skill.note or ""),),
        )
        for skill in level.skills
    ]


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
                render_entries(
                    level_entries(level),
                    label=f"Skills of {label}",
                    key=f"skills.{level.program}.{level.level}",
                )
