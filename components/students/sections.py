"""Which sections of a student the page shows: settings switch most of them on or off."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.students.absences import render_absences
from components.students.attendance import render_student_attendance
from components.students.enrollments import render_enrollments
from components.students.makeups import render_makeups
from components.students.passes import render_passes
from components.students.qr_code import render_qr_code
from components.students.requests import render_requests
from components.students.skills import render_skills
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.kernel.settings import PortalSettings

Section = Callable[[Actor, StudentCard], None]


def sections_for(settings: PortalSettings) -> list[tuple[str, Section]]:
    """In the order a parent reaches for them: classes, the check-in code for the desk, what
    they hold (passes, makeups), requests, then the records."""
    shown: list[tuple[str, Section]] = [
        ("Enrollments", lambda actor, student: render_enrollments(actor, student, settings))
    ]
    if settings.qr_codes_enabled:
        shown.append((QR_CODE, render_qr_code))
    if settings.punch_passes_enabled:
        shown.append(("Passes", lambda actor, student: render_passes(actor, student, settings)))
    if settings.makeup_tokens_enabled or settings.makeup_requests_enabled:
        shown.append(("Makeups", lambda actor, student: render_makeups(actor, student, settings)))
    shown.append(("Requests", render_requests))
    if settings.future_absences_enabled:
        shown.append(("Absences", lambda actor, student: render_absences(actor, student, settings)))
    shown.append(("Skills", render_skills))
    shown.append(("Attendance", render_student_attendance))
    return shown


QR_CODE = "QR code"
TAB_KEY = "students.tab"
OPEN_KEY = "students.open"  # a section another page asks to open (Home's check-in code)


def open_section(title: str) -> None:
    """Ask the Students page to open on this section (it takes the request once)."""
    st.session_state[OPEN_KEY] = title


def render_student_tabs(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    """The sections as one segmented control, which wraps onto a second row on a phone
    (tabs hid Passes and Requests behind a scroll arrow); the choice survives reruns and
    only the chosen section runs."""
    sections = dict(sections_for(settings))
    asked = st.session_state.pop(OPEN_KEY, None)
    if asked in sections:
        st.session_state[TAB_KEY] = asked
    elif st.session_state.get(TAB_KEY) not in sections:
        st.session_state[TAB_KEY] = next(iter(sections))
    title = st.segmented_control(
        "Section",
        list(sections),
        key=TAB_KEY,
        required=True,
        label_visibility="collapsed",
    )
    sections[title](actor, student)
