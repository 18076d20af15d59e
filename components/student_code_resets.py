"""The two resets for one student: check-in code (QR) and calendar link. Shown to staff and to
the primary guardian (services.families.code_resets decides; a secondary guardian sees no
button)."""

from __future__ import annotations

import streamlit as st

from components.reset_button import render_reset_button
from services.families.code_resets import reset_calendar_link, reset_checkin_code
from services.families.students import StudentCard
from services.kernel.access import Actor


def may_reset(actor: Actor) -> bool:
    return actor.is_staff or actor.is_primary


def render_checkin_code_reset(actor: Actor, student_id: int, first_name: str) -> None:
    if may_reset(actor):
        render_reset_button(
            key=f"reset.checkin_code.{student_id}",
            label="Reset this code",
            warning=(
                f"{first_name}'s current QR code stops working at once, printed or saved "
                "copies included. Show or print the new code at the front desk."
            ),
            call=lambda db: reset_checkin_code(db, actor, student_id),
            done=f"{first_name} has a new check-in code; the old one no longer works.",
        )


def render_calendar_link_reset(actor: Actor, student_id: int, first_name: str) -> None:
    if may_reset(actor):
        render_reset_button(
            key=f"reset.calendar_link.{student_id}",
            label="Reset this link",
            warning=(
                f"Calendars subscribed to {first_name}'s current link stop updating at once. "
                "Subscribe again with the new link."
            ),
            call=lambda db: reset_calendar_link(db, actor, student_id),
            done=f"{first_name} has a new calendar link; the old one no longer works.",
        )


def render_student_resets(actor: Actor, student: StudentCard) -> None:
    """Staff on a family's account: both resets of an active student, side by side."""
    if not student.is_active:
        return
    code, link = st.columns(2)
    with code:
        render_checkin_code_reset(actor, student.id, student.first_name)
    with link:
        render_calendar_link_reset(actor, student.id, student.first_name)
