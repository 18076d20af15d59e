"""Rosters and check-in: today's classes at your location; mark attendance or scan QR codes."""

import streamlit as st

from components.actions import render_flash
from components.auth import current_actor
from components.formatting import escape_markdown, format_date
from components.location_picker import selected_location_id
from components.roster_checkin import render_checkin_box, render_roster
from data.db import session_scope
from services.desk.rosters import class_roster
from services.desk.staff_home import todays_classes

actor = current_actor()
st.title("Rosters and check-in")
render_flash()
location_id = selected_location_id()
if location_id is None:
    st.info("Choose a location in the sidebar to see its rosters.")
    st.stop()
render_checkin_box(actor, location_id)
st.page_link("../pages/staff_skills.py", label="Mark skills for a class", icon=":material/star:")
with session_scope() as db:
    today = todays_classes(db, actor, location_id)
    rosters = [class_roster(db, actor, lesson.class_id, today.day) for lesson in today.classes]
st.subheader(escape_markdown(f"{today.location_name} · {format_date(today.day)}"))
if not rosters:
    st.info("No classes meet here today.")
for roster in rosters:
    render_roster(actor, roster)
