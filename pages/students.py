"""Your students: enrollments, skills, attendance, makeups, absences, QR code, passes."""

import streamlit as st

from components.actions import render_flash
from components.auth import current_actor
from components.formatting import escape_markdown
from components.student_picker import render_student_picker
from components.students.sections import render_student_tabs
from components.students.student_form import render_student_form
from data.db import session_scope
from services.families.students import family_students
from services.kernel.settings import get_settings

actor = current_actor()
with session_scope() as db:
    settings = get_settings(db)
    students = family_students(db, actor)

st.title("Your students")
render_flash()
student = render_student_picker(students)
if student is None:
    st.info("No students are on this account yet. Add one below.")
else:
    st.header(escape_markdown(f"{student.full_name} · age {student.age}"))
    if student.medical_notes:
        st.caption(escape_markdown(f"Medical notes: {student.medical_notes}"))
    render_student_tabs(actor, student, settings)
    with st.expander("Edit student"):
        render_student_form(actor, student, key=f"edit_student.{student.id}")
with st.expander("Add a student"):
    render_student_form(actor, None, key="add_student")
