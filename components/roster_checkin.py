"""Rosters with attendance marking, and the check-in box a USB QR scanner types into."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action, run_then_rerun
from components.formatting import escape_markdown, format_time_range
from services.desk.checkin import check_in_by_code
from services.desk.roster_marks import mark_all, mark_attendance
from services.desk.rosters import Roster, RosterStudent
from services.kernel.access import Actor

STATUS_LABELS = {
    "present": "Present",
    "absent": "Absent",
    "excused": "Excused",
    "makeup": "Makeup (present)",
}


def render_checkin_box(actor: Actor, location_id: int) -> None:
    """Scanners type the code and press Enter, which submits the form."""
    with st.form("checkin", clear_on_submit=True):
        code = st.text_input(
            "Check in: scan or type a student's QR code", key="checkin.code", max_chars=100
        )
        scanned = st.form_submit_button("Check in")
    if scanned and code.strip():
        result = run_action(lambda db: check_in_by_code(db, actor, location_id, code))
        if result is not None:
            (st.success if result.status == "checked_in" else st.info)(result.message)


def _flags(student: RosterStudent) -> str:
    flags = []
    if student.medical_notes:
        flags.append(f"⚠ {student.medical_notes}")
    if student.unpaid_balance:
        flags.append("unpaid balance")
    if student.future_absence:
        flags.append("reported absent")
    if student.enrollment_type != "regular":
        flags.append(student.enrollment_type.replace("_", "-"))
    return " · ".join(flags)


def render_roster(actor: Actor, roster: Roster) -> None:
    title = (
        f"{format_time_range(roster.start_time, roster.end_time)} · {roster.class_name} · "
        f"{roster.instructor} · {len(roster.students)}/{roster.capacity} · "
        f"{roster.unmarked} not marked"
    )
    with st.expander(escape_markdown(title), expanded=roster.unmarked > 0):
        if not roster.students:
            st.caption("No students on this roster.")
            return
        for student in roster.students:
            _student_row(actor, roster, student)
        if roster.unmarked and st.button(
            "Mark everyone not marked present", key=f"roster.{roster.class_id}.all"
        ):
            run_then_rerun(
                lambda db: mark_all(db, actor, roster.class_id, roster.day, "present"),
                lambda count: f"{count} marked present in {roster.class_name}.",
            )


def _student_row(actor: Actor, roster: Roster, student: RosterStudent) -> None:
    name, actions = st.columns([3, 2])
    status = STATUS_LABELS.get(student.attendance or "", "not marked")
    name.write(escape_markdown(f"{student.student_name} — {status}"))
    if flags := _flags(student):
        name.caption(escape_markdown(flags))
    buttons = actions.columns(3)
    for column, value in zip(buttons, ("present", "absent", "excused"), strict=True):
        if column.button(
            value.capitalize(), key=f"mark.{roster.class_id}.{student.student_id}.{value}"
        ):
            run_then_rerun(
                lambda db, v=value: mark_attendance(
                    db, actor, roster.class_id, roster.day, student.student_id, v
                ),
                f"{student.student_name}: {value}.",
            )
