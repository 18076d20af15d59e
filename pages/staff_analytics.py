"""Attendance analytics: one location at a time (the sidebar's, or the first), or a compact
comparison of every location the actor sees (issue 17)."""

from datetime import timedelta

import streamlit as st

from components.actions import run_action
from components.analytics_filters import render_filters
from components.analytics_views import render_comparison, render_location_view
from components.auth import current_actor
from components.location_picker import selected_location_id
from services.families.home import family_locations
from services.kernel.clock import now

ONE, EVERY = "One location", "Compare locations"

actor = current_actor()
st.title("Attendance analytics")
places = run_action(lambda db: family_locations(db, actor))
if places is None:
    st.stop()
if not places:
    st.info("No locations yet.")
    st.stop()
names = {place.id: place.name for place in places}
picked = selected_location_id()
location_id = picked if picked in names else places[0].id
view = ONE
if len(places) > 1:
    view = st.radio("Show", [ONE, EVERY], horizontal=True, key="analytics.view")
if view == ONE:
    more = " Choose another at the top of the page." if len(places) > 1 else ""
    st.caption(f"{names[location_id]}.{more}")
today = now().date()
f = render_filters(
    actor,
    (location_id,) if view == ONE else (),
    default_start=today - timedelta(weeks=12),
    today=today,
)
if f is None:
    st.stop()
if view == ONE:
    render_location_view(actor, f)
else:
    render_comparison(actor, f)
