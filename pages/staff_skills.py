"""Skills: mark a class's students (the classes you teach, or those at your location)."""

import streamlit as st

from components.actions import render_flash, run_action
from components.auth import current_actor
from components.location_picker import selected_location_id
from components.skill_sheet import render_skill_sheet
from services.classes.evaluation_marks import classes_to_mark, skill_sheet

actor = current_actor()
st.title("Skills")
st.caption("Mark each student's skills; parents see the marks on their Skills tab.")
render_flash()
classes = run_action(lambda db: classes_to_mark(db, actor, selected_location_id())) or []
if not classes:
    st.info("No classes to mark here. Choose a location at the top of the page.")
    st.stop()
labels = {c.class_id: c.label for c in classes}
class_id = st.selectbox("Class", list(labels), format_func=labels.__getitem__, key="skills.class")
sheet = run_action(lambda db: skill_sheet(db, actor, class_id))
if sheet is not None:
    render_skill_sheet(actor, sheet)
