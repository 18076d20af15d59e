"""Staff home: today's classes and rosters by location, attendance, open requests."""

import streamlit as st

from components.auth import current_actor
from components.formatting import escape_markdown, format_date, format_moment, format_rate
from components.location_picker import selected_location_id
from components.roster import render_today_class
from data.db import session_scope
from services.desk.staff_home import staff_home

actor = current_actor()
with session_scope() as db:
    home = staff_home(db, actor, location_id=selected_location_id())

st.title("Today")
rate, requests, classes = st.columns(3)
rate.metric(
    "Attendance, last 4 weeks",
    format_rate(home.attendance_4w.rate),
    help=f"{home.attendance_4w.attended} of {home.attendance_4w.recorded} recorded visits "
    "attended (present or makeup).",
)
requests.metric("Open requests", home.open_requests)
classes.metric("Classes today", sum(len(day.classes) for day in home.locations))

for day in home.locations:
    st.subheader(escape_markdown(f"{day.location_name} · {format_date(day.day)}"))
    if not day.classes:
        st.caption("No classes meet here today.")
    for lesson in day.classes:
        render_today_class(lesson)

st.subheader("Newest open requests")
if not home.recent_requests:
    st.caption("No requests are waiting.")
for request in home.recent_requests:
    st.write(
        escape_markdown(
            f"{request.kind.replace('_', ' ').capitalize()} · {request.student_name} · "
            f"{request.location_name} · {format_moment(request.created_at, request.timezone)}"
        )
    )
