"""The request tracker: every request for the student, its status and history."""

from __future__ import annotations

import streamlit as st

from components.actions import run_then_rerun
from components.formatting import escape_markdown, format_date, format_moment
from data.db import session_scope
from services.desk.request_decisions import cancel_request
from services.families.requests import RequestView, family_requests
from services.families.students import StudentCard
from services.kernel.access import Actor

STATUS_ICONS = {
    "pending": ":material/hourglass_top:",
    "approved": ":material/thumb_up:",
    "denied": ":material/block:",
    "applied": ":material/check_circle:",
    "cancelled": ":material/cancel:",
}


def _title(request: RequestView) -> str:
    what = request.kind.replace("_", " ").capitalize()
    target = f" → {request.target_class_name}" if request.target_class_name else ""
    when = f" from {format_date(request.effective_date)}" if request.effective_date else ""
    return f"{what}{target}{when} · {request.status}"


def render_requests(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        requests = family_requests(db, actor, student_id=student.id)
    if not requests:
        st.info("No requests yet. Drops, transfers, makeups and absences you report appear here.")
    for request in requests:
        icon = STATUS_ICONS.get(request.status, "")
        with st.expander(f"{icon} {escape_markdown(_title(request))}"):
            for event in request.history:
                note = f" — {event.note}" if event.note else ""
                when = format_moment(event.at, request.timezone)
                st.write(escape_markdown(f"{when} · {event.status}{note}"))
            if request.staff_note:
                st.caption(escape_markdown(f"From the gym: {request.staff_note}"))
            if request.status == "pending" and st.button(
                "Withdraw request", key=f"request.{request.id}.cancel"
            ):
                run_then_rerun(
                    lambda db, r=request: cancel_request(db, actor, r.id),
                    "Your request was withdrawn.",
                )
