"""Staff home: a summary line per location, one location's classes and rosters on demand,
attendance, open requests."""

import streamlit as st

from components.auth import current_actor
from components.formatting import escape_markdown, format_moment, format_rate
from components.location_picker import selected_location_id
from components.today_summary import (
    pick_location,
    render_location_day,
    render_location_summaries,
)
from data.db import session_scope
from services.desk.today_summary import today_overview

actor = current_actor()
with session_scope() as db:
    home = today_overview(db, actor, location_id=selected_location_id())

st.title("Today")
rate, requests, classes = st.columns(3)
rate.metric(
    "Attendance, last 4 weeks",
    format_rate(home.attendance_4w.rate),
    help=f"{home.attendance_4w.attended} of {home.attendance_4w.recorded} recorded visits "
    "attended (present or makeup).",
)
requests.metric("Open requests", home.open_requests)
classes.metric("Classes today", home.classes)

if len(home.locations) > 1:
    st.header("Locations")
    render_location_summaries(home.locations)
if not home.locations:
    st.caption("No locations to show yet.")
elif (place := pick_location(home.locations)) is not None:
    render_location_day(actor, place.location_id)
    st.page_link("../pages/staff_rosters.py", label="Mark attendance", icon=":material/how_to_reg:")

st.header("Newest open requests")
if not home.recent_requests:
    st.caption("No requests are waiting.")
for request in home.recent_requests:
    st.write(
        escape_markdown(
            f"{request.kind.replace('_', ' ').capitalize()} · {request.student_name} · "
            f"{request.location_name} · {format_moment(request.created_at, request.timezone)}"
        )
    )
