"""Makeup requests (when tokens are off): ask for a makeup for a missed class; past makeups."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.actions import run_action, run_then_rerun
from components.formatting import format_date, format_time
from data.db import session_scope
from services.classes.enrollments import EnrollmentView, student_enrollments
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.makeups.makeup_requests import makeup_request_options, request_makeup
from services.makeups.past_makeups import past_makeups


def render_makeup_requests(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        enrollments = student_enrollments(db, actor, student.id)
        history = past_makeups(db, actor, student.id)
    # One choice per enrollment, not per class: a student may have several enrollments in
    # classes of the same name and weekday (one per term), and a selectbox whose labels
    # repeat hands back the wrong one.
    attended = {v.id: v for v in (*enrollments.current, *enrollments.past) if v.type != "makeup"}
    st.markdown("**Request a makeup**")
    if not attended:
        st.caption("A makeup can be requested for a class the student is or was enrolled in.")
    else:
        _request_form(actor, student, attended)
    st.markdown("**Past makeups**")
    if not history:
        st.caption("No makeups yet.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Date": [format_date(m.class_date) for m in history],
                    "Time": [format_time(m.start_time) for m in history],
                    "Class": [m.class_name for m in history],
                    "Location": [m.location_name for m in history],
                    "Attendance": [m.attendance or "" for m in history],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def enrollment_label(view: EnrollmentView) -> str:
    """'Rec Gym Level 1 · Fri 5:30 PM · Northside · 21 Sep 2026 – now': unique per
    enrollment, because its dates are part of it."""
    until = format_date(view.end_date) if view.end_date else "now"
    return (
        f"{view.class_name} · {view.weekday_name[:3]} {format_time(view.start_time)} · "
        f"{view.location_name} · {format_date(view.start_date)} – {until}"
    )


def _request_form(actor: Actor, student: StudentCard, attended: dict[int, EnrollmentView]) -> None:
    chosen = attended[
        st.selectbox(
            "Missed class",
            list(attended),
            key="makeup_request.enrollment",
            format_func=lambda enrollment_id: enrollment_label(attended[enrollment_id]),
        )
    ]
    missed_class = chosen.class_id
    missed_date = st.date_input(
        "Date missed",
        value=None,
        key=f"makeup_request.missed_date.{chosen.id}",
        format="YYYY-MM-DD",
        min_value=chosen.start_date,
        max_value=chosen.end_date,
    )
    if missed_date is None:
        return
    options = run_action(
        lambda db: makeup_request_options(db, actor, student.id, missed_class, missed_date)
    )
    wanted = {(o.class_id, o.class_date): o for o in options or () if o.bookable}
    if options is not None and not wanted:
        st.info("No class has an open seat for a makeup in the booking window.")
    if not wanted:
        return
    choice = st.radio(
        "Desired class",
        list(wanted),
        key="makeup_request.choice",
        format_func=lambda key: (
            f"{format_date(key[1])} · {wanted[key].class_name} · "
            f"{format_time(wanted[key].start_time)}"
        ),
    )
    note = st.text_input(
        "Note for the front desk (optional)", key="makeup_request.note", max_chars=500
    )
    if st.button("Send makeup request", type="primary", key="makeup_request.send"):
        run_then_rerun(
            lambda db: request_makeup(
                db, actor, student.id, missed_class, missed_date, choice[0], choice[1], note
            ),
            "Your makeup request was sent. It shows as pending under Requests.",
        )
