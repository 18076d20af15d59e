"""The student's private calendar feed link (an iCal URL served by routes/calendar.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from components.student_code_resets import render_calendar_link_reset
from data.db import session_scope
from services.classes.calendar_feed import student_calendar_url_token
from services.families.students import StudentCard
from services.kernel.access import Actor


def render_calendar_link(actor: Actor, student: StudentCard) -> None:
    """The student's private calendar feed (classes, makeups, absences) to subscribe to."""
    with session_scope() as db:
        token = student_calendar_url_token(db, actor, student.id)
    st.caption(
        "Subscribe to this private link in your calendar app. Anyone with the link sees "
        f"{student.first_name}'s schedule, so share it only with family."
    )
    st.code(f"{_origin()}/calendar/{token}.ics", language=None)
    render_calendar_link_reset(actor, student.id, student.first_name)


def _origin() -> str:
    """The app's scheme and host as the browser sees them (empty when unknown)."""
    url = st.context.url
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
