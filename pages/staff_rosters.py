"""Rosters and check-in: today's classes at your location; mark a class's attendance in one
form, or scan QR codes."""

import streamlit as st

from components.actions import render_flash, run_action
from components.auth import current_actor
from components.formatting import escape_markdown, format_date
from components.location_picker import selected_location_id
from components.roster import pick_roster, render_classes_table
from components.roster_checkin import render_checkin_box, render_roster_form
from services.desk.day_rosters import day_rosters

actor = current_actor()
st.title("Rosters and check-in")
render_flash()
location_id = selected_location_id()
if location_id is None:
    st.info("Choose a location at the top of the page to see its rosters.")
    st.stop()
render_checkin_box(actor, location_id)
st.page_link("../pages/staff_skills.py", label="Mark skills for a class", icon=":material/star:")
day = run_action(lambda db: day_rosters(db, actor, location_id))
if day is None:
    st.stop()
st.header(escape_markdown(f"{day.location_name} · {format_date(day.day)}"))
if not day.rosters:
    st.info("No classes meet here today.")
    st.stop()
render_classes_table(day)
roster = pick_roster(day, f"rosters.{day.location_id}.class")
if roster is not None:
    render_roster_form(actor, roster)
