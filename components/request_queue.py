"""One pending parent request in the staff queue, with Approve / Deny and a note."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.actions import run_then_rerun
from components.formatting import escape_markdown, format_date, format_moment
from services.desk.request_decisions import StaffRequestView, decide_request
from services.kernel.access import Actor


def request_title(request: StaffRequestView) -> str:
    what = request.kind.replace("_", " ").capitalize()
    parts = [what, request.student_name, f"{request.family_name}", request.location_name]
    if request.class_name:
        parts.append(request.class_name)
    if request.target_class_name:
        parts.append(f"→ {request.target_class_name}")
    if request.effective_date:
        parts.append(f"from {format_date(request.effective_date)}")
    if class_date := request.details.get("class_date"):
        parts.append(f"on {format_date(date.fromisoformat(class_date))}")
    return " · ".join(parts)


def render_pending_request(actor: Actor, request: StaffRequestView) -> None:
    with st.container(border=True):
        st.write(escape_markdown(request_title(request)))
        st.caption(f"Asked {format_moment(request.created_at, request.timezone)}")
        if request.parent_note:
            st.caption(escape_markdown(f"Parent's note: {request.parent_note}"))
        note = st.text_input(
            "Note to the family",
            key=f"queue.{request.id}.note",
            max_chars=500,
            placeholder="Needed when you deny",
        )
        approve, deny = st.columns(2)
        if approve.button("Approve", type="primary", key=f"queue.{request.id}.approve"):
            run_then_rerun(
                lambda db: decide_request(db, actor, request.id, approve=True, note=note),
                f"Approved and applied: {request_title(request)}.",
            )
        if deny.button("Deny", key=f"queue.{request.id}.deny"):
            run_then_rerun(
                lambda db: decide_request(db, actor, request.id, approve=False, note=note),
                f"Denied: {request_title(request)}.",
            )
