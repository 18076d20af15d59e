"""Marking a roster: one form per class (a single rerun per save), and the check-in box a USB
QR scanner types into."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action, run_then_rerun
from components.formatting import escape_markdown
from components.roster import flags, mark_label, roster_title
from services.desk.checkin import check_in_by_code
from services.desk.roster_marks import mark_all, mark_roster
from services.desk.rosters import Roster, RosterStudent
from services.kernel.access import Actor

CHOICES = ("present", "absent", "excused")
CHOICE_LABELS = {"present": "Present", "absent": "Absent", "excused": "Excused"}
NOTHING_CHOSEN = "Choose present, absent or excused for at least one student."


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


def mark_key(roster: Roster, student: RosterStudent) -> str:
    """The student's choice; keyed by the stored mark too, so a mark saved elsewhere (a
    scan, another desk) shows here instead of an old choice being saved over it."""
    return f"mark.{roster.class_id}.{student.student_id}.{student.attendance or 'none'}"


def render_roster_form(actor: Actor, roster: Roster) -> None:
    st.markdown(f"**{escape_markdown(roster_title(roster))}**")
    if not roster.students:
        st.caption("No students on this roster.")
        return
    with st.form(f"roster.{roster.class_id}"):
        for student in roster.students:
            _student_choice(roster, student)
        saved = st.form_submit_button("Save attendance", type="primary")
    if saved:
        _save(actor, roster)
    if roster.unmarked and st.button(
        "Mark everyone not marked present", key=f"roster.{roster.class_id}.all"
    ):
        run_then_rerun(
            lambda db: mark_all(db, actor, roster.class_id, roster.day, "present"),
            lambda count: f"{count} marked present in {roster.class_name}.",
        )


def _student_choice(roster: Roster, student: RosterStudent) -> None:
    """One labelled radio per student: the full words, and the stored mark in the label as
    text and a symbol (never colour alone)."""
    label = " · ".join(
        part
        for part in (student.student_name, flags(student), mark_label(student.attendance))
        if part
    )
    stored = "present" if student.attendance == "makeup" else student.attendance
    st.radio(
        escape_markdown(label),
        CHOICES,
        index=CHOICES.index(stored) if stored in CHOICES else None,
        format_func=CHOICE_LABELS.__getitem__,
        horizontal=True,
        key=mark_key(roster, student),
    )


def _save(actor: Actor, roster: Roster) -> None:
    marks = {
        s.student_id: st.session_state.get(mark_key(roster, s))
        for s in roster.students
        if st.session_state.get(mark_key(roster, s)) is not None
    }
    if not marks:
        st.error(NOTHING_CHOSEN)
        return
    run_then_rerun(
        lambda db: mark_roster(db, actor, roster.class_id, roster.day, marks),
        lambda count: (
            f"{roster.class_name}: {count} marks saved."
            if count
            else f"{roster.class_name}: nothing changed."
        ),
    )
