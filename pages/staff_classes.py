"""Classes at your location: the list with fill and waitlist; a class's waitlist in order
with "Enroll next" when a seat opens."""

import streamlit as st

from components.actions import render_flash
from components.auth import current_actor
from components.class_list import pick_class, render_class_list
from components.class_waitlist import render_class_waitlist
from components.location_picker import selected_location_id

actor = current_actor()
st.title("Classes")
render_flash()
location_id = selected_location_id()
if location_id is None:
    st.info("Choose a location at the top of the page to see its classes.")
    st.stop()
page = render_class_list(actor, location_id, "classes")
if page is not None and page.rows:
    st.header("Waitlist")
    row = pick_class(page, "classes")
    if row is not None:
        render_class_waitlist(actor, row)
    st.page_link(
        "../pages/staff_skills.py", label="Mark skills for a class", icon=":material/star:"
    )
