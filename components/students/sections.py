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
    shown: list[tuple[str, Section]] = [
        ("Enrollments", lambda actor, student: render_enrollments(actor, student, settings)),
        ("Skills", render_skills),
        ("Attendance", render_student_attendance),
    ]
    if settings.makeup_tokens_enabled or settings.makeup_requests_enabled:
        shown.append(("Makeups", lambda actor, student: render_makeups(actor, student, settings)))
    if settings.future_absences_enabled:
        shown.append(("Absences", lambda actor, student: render_absences(actor, student, settings)))
    if settings.qr_codes_enabled:
        shown.append(("QR code", render_qr_code))
    if settings.punch_passes_enabled:
        shown.append(("Passes", lambda actor, student: render_passes(actor, student, settings)))
    shown.append(("Requests", render_requests))
    return shown


TAB_KEY = "students.tab"


def render_student_tabs(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    """Stateful tabs: the chosen tab survives reruns and only its section runs."""
    sections = sections_for(settings)
    tabs = st.tabs([title for title, _ in sections], key=TAB_KEY, on_change="rerun")
    for tab, (_, render) in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                render(actor, student)
