"""Marking a class's skills in a few taps: "everyone gets this mark for this skill" as one
form, and the whole sheet (student × skill, status and note) as one editable table saved
with one button — one rerun per save, never a widget per student per skill."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.actions import run_then_rerun
from services.classes.evaluation_marks import SkillMark, SkillSheet, mark_skills
from services.kernel.access import Actor

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "mastered": "Mastered"}
_STATUS_OF = {label: status for status, label in STATUS_LABELS.items()}
COLUMNS = ["student_id", "skill_id", "Student", "Skill", "Status", "Note"]


def sheet_frame(sheet: SkillSheet) -> pd.DataFrame:
    """One row per student and skill, the student's rows together."""
    students, skills = dict(sheet.students), dict(sheet.skills)
    return pd.DataFrame(
        [
            [m.student_id, m.skill_id, students[m.student_id], skills[m.skill_id],
             STATUS_LABELS[m.status], m.note]
            for m in sheet.marks
        ],
        columns=COLUMNS,
    )  # fmt: skip


def marks_from_frame(frame: pd.DataFrame) -> list[SkillMark]:
    """The edited table as marks; the service checks every value (a client can forge them)."""
    return [
        SkillMark(
            int(row.student_id),
            int(row.skill_id),
            _STATUS_OF.get(row.Status, str(row.Status)),
            "" if pd.isna(row.Note) else str(row.Note),
        )
        for row in frame.itertuples(index=False)
    ]


def render_skill_sheet(actor: Actor, sheet: SkillSheet) -> None:
    if not sheet.skills:
        st.info("This class's level has no skills yet.")
        return
    if not sheet.students:
        st.info("No students in this class now.")
        return
    _whole_class(actor, sheet)
    with st.form(f"skills.sheet.{sheet.class_id}"):
        edited = st.data_editor(
            sheet_frame(sheet),
            hide_index=True,
            width="stretch",
            disabled=["Student", "Skill"],
            column_order=["Student", "Skill", "Status", "Note"],
            column_config={
                "Status": st.column_config.SelectboxColumn(
                    options=list(STATUS_LABELS.values()), required=True
                ),
                "Note": st.column_config.TextColumn(max_chars=500),
            },
            num_rows="fixed",
            key=f"skills.table.{sheet.class_id}",
        )
        if st.form_submit_button("Save marks", type="primary"):
            run_then_rerun(
                lambda db: mark_skills(db, actor, sheet.class_id, marks_from_frame(edited)),
                _saved,
            )


def _whole_class(actor: Actor, sheet: SkillSheet) -> None:
    skills = dict(sheet.skills)
    with st.form(f"skills.bulk.{sheet.class_id}"):
        st.markdown("**Mark the whole class**")
        left, right = st.columns(2)
        skill_id = left.selectbox("Skill", list(skills), format_func=skills.__getitem__)
        status = right.selectbox("Mark", list(STATUS_LABELS), format_func=STATUS_LABELS.get)
        if st.form_submit_button("Mark everyone"):
            marks = [
                SkillMark(m.student_id, m.skill_id, status, m.note)
                for m in sheet.marks
                if m.skill_id == skill_id
            ]
            run_then_rerun(lambda db: mark_skills(db, actor, sheet.class_id, marks), _saved)


def _saved(count: int) -> str:
    return "Nothing changed." if count == 0 else f"Saved {count} mark{'s' if count != 1 else ''}."
