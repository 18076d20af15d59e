"""New family: the desk registers a family (guardians, contacts, consent, students) at the
location chosen at the top of the page, then edits it and invites the primary guardian below."""

import streamlit as st

from components.actions import render_flash, run_action
from components.auth import current_actor
from components.family_overview import render_family_overview
from components.family_setup_form import CREATED, render_new_family_form
from components.location_picker import selected_location_id
from services.desk.family_lookup import family_overview

actor = current_actor()
st.title("New family")
render_flash()
location_id = selected_location_id()
if location_id is None:
    st.info("Choose the location at the top of the page where the family is registering.")
else:
    render_new_family_form(actor, location_id)
if (family_id := st.session_state.get(CREATED)) is not None:
    view = run_action(lambda db: family_overview(db, actor, family_id))
    if view is not None:
        st.divider()
        render_family_overview(actor, view)
