"""Add student / Edit student: one form for both, validated by services.families.students."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.actions import run_then_rerun
from services.families.students import StudentCard, StudentInput, add_student, update_student
from services.kernel.access import Actor

EARLIEST_BIRTH = date(1900, 1, 1)


def render_student_form(actor: Actor, student: StudentCard | None, *, key: str) -> None:
    """Edit `student`, or add a new one when it is None. Input is kept after a refusal."""
    with st.form(key):
        first = st.text_input(
            "First name", value=student.first_name if student else "", max_chars=60
        )
        last = st.text_input("Last name", value=student.last_name if student else "", max_chars=60)
        birth = st.date_input(
            "Birth date",
            value=student.birth_date if student else None,
            min_value=EARLIEST_BIRTH,
            format="YYYY-MM-DD",
        )
        gender = st.text_input(
            "Gender (optional)", value=student.gender if student else "", max_chars=40
        )
        medical = st.text_area(
            "Medical notes / allergies",
            value=student.medical_notes if student else "",
            max_chars=1000,
        )
        saved = st.form_submit_button("Save student" if student else "Add student", type="primary")
    if not saved:
        return
    if birth is None:
        st.error("Enter the birth date.")
        return
    data = StudentInput(
        first_name=first, last_name=last, birth_date=birth, gender=gender, medical_notes=medical
    )
    if student is None:
        run_then_rerun(lambda db: add_student(db, actor, data), _saved)
    else:
        run_then_rerun(lambda db: update_student(db, actor, student.id, data), _saved)


def _saved(result: StudentCard) -> str:
    return f"{result.full_name} is saved."
