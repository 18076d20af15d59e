"""Attendance: each student's attendance by week and per class."""

import streamlit as st

from components.auth import current_actor
from components.formatting import escape_markdown
from components.student_picker import render_student_picker
from components.students.attendance import render_student_attendance
from data.db import session_scope
from services.families.students import family_students

actor = current_actor()
st.title("Attendance")
with session_scope() as db:
    student = render_student_picker(family_students(db, actor))
if student is None:
    st.info("No students are on this account yet.")
    st.stop()

st.header(escape_markdown(f"{student.full_name} · last 12 weeks"))
render_student_attendance(actor, student)
