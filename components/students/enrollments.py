"""Enrollments: current classes with Drop and Transfer, the waitlist, past enrollments."""

from __future__ import annotations

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_action, run_then_rerun
from components.formatting import escape_markdown, format_date, format_time_range
from components.students.calendar_link import render_calendar_link
from components.students.transfer import render_transfer_panel
from data.db import session_scope
from services.classes.drops import drop_enrollment, drop_preview
from services.classes.enrollment_changes import ChangeOutcome
from services.classes.enrollments import EnrollmentView, student_enrollments
from services.classes.waitlists import cancel_waitlist
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.kernel.settings import PortalSettings

PANEL = "students.enrollment_panel"
CHANGEABLE_TYPES = ("regular", "trial")


def describe(view: EnrollmentView) -> str:
    when = f"{view.weekday_name} {format_time_range(view.start_time, view.end_time)}"
    if view.type == "makeup":
        times = format_time_range(view.start_time, view.end_time)
        when = f"Makeup on {format_date(view.start_date)}, {times}"
    return f"{when} · {view.class_name} ({view.program}, {view.level}) · {view.location_name}" + (
        f" · {view.instructor}" if view.instructor else ""
    )


def render_enrollments(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    with session_scope() as db:
        enrollments = student_enrollments(db, actor, student.id)
    if not enrollments.current:
        st.caption("No current classes.")
    for view in enrollments.current:
        _current(actor, student, view, settings)
    if enrollments.waitlisted and st.toggle(
        f"Show waitlist ({len(enrollments.waitlisted)})", key="students.show_waitlist"
    ):
        for view in enrollments.waitlisted:
            _waitlisted(actor, student, view, settings)
    if enrollments.past and st.toggle(
        f"Show past enrollments ({len(enrollments.past)})", key="students.show_past"
    ):
        for view in enrollments.past:
            ended = f" · ended {format_date(view.end_date)}" if view.end_date else ""
            st.write(escape_markdown(f"{describe(view)} · {view.status}{ended}"))
    with st.expander("Add the classes to your calendar"):
        render_calendar_link(actor, student)


def _current(
    actor: Actor, student: StudentCard, view: EnrollmentView, settings: PortalSettings
) -> None:
    with st.container(border=True):
        st.write(escape_markdown(describe(view)))
        since = f"Since {format_date(view.start_date)} · {view.type}"
        if view.type == "makeup":
            since = "Makeup visit"
        elif view.end_date:
            since += f" · last class {format_date(view.end_date)}"
        st.caption(escape_markdown(since))
        if view.pending_request:
            st.info(f"{view.pending_request.replace('_', ' ').capitalize()} request pending.")
            return
        if view.type not in CHANGEABLE_TYPES or view.end_date is not None:
            return
        drop, transfer = st.columns(2)
        if settings.allow_drop and drop.button("Drop", key=f"drop.{view.id}"):
            open_panel(PANEL, ("drop", view.id))
        if settings.allow_transfer and transfer.button("Transfer", key=f"transfer.{view.id}"):
            open_panel(PANEL, ("transfer", view.id))
        if panel(PANEL) == ("drop", view.id):
            _drop_panel(actor, view)
        elif panel(PANEL) == ("transfer", view.id):
            render_transfer_panel(actor, view, student.id, panel_key=PANEL)


def _drop_panel(actor: Actor, view: EnrollmentView) -> None:
    first = run_action(lambda db: drop_preview(db, actor, view.id))
    if first is None:
        return
    chosen = st.selectbox(
        "Last day: drop from", first.choices, key=f"drop.{view.id}.date", format_func=format_date
    )
    preview = (
        first
        if chosen == first.effective_date
        else run_action(lambda db: drop_preview(db, actor, view.id, chosen))
    )
    if preview is None:
        return
    st.warning(preview.summary)
    confirm, keep = st.columns(2)
    if confirm.button("Confirm drop", type="primary", key=f"drop.{view.id}.confirm"):
        run_then_rerun(
            lambda db: drop_enrollment(db, actor, view.id, preview.effective_date),
            _message,
            close=PANEL,
        )
    if keep.button("Keep the class", key=f"drop.{view.id}.keep"):
        close_panel(PANEL)
        st.rerun()


def _waitlisted(
    actor: Actor, student: StudentCard, view: EnrollmentView, settings: PortalSettings
) -> None:
    with st.container(border=True):
        st.write(escape_markdown(describe(view)))
        st.caption(f"Waitlist position {view.waitlist_position}")
        if not settings.allow_cancel_waitlist:
            return
        if st.button("Cancel waitlist", key=f"waitlist.{view.id}.cancel"):
            open_panel(PANEL, ("cancel_waitlist", view.id))
        if panel(PANEL) == ("cancel_waitlist", view.id):
            _confirm_cancel_waitlist(actor, student, view)


def _confirm_cancel_waitlist(actor: Actor, student: StudentCard, view: EnrollmentView) -> None:
    """A waitlist place cannot be given back: joining again starts at the end."""
    st.warning(
        escape_markdown(
            f"{student.first_name} will lose position {view.waitlist_position} on the "
            f"{view.class_name} waitlist."
        )
    )
    confirm, keep = st.columns(2)
    if confirm.button(
        "Leave the waitlist", type="primary", key=f"waitlist.{view.id}.cancel.confirm"
    ):
        run_then_rerun(lambda db: cancel_waitlist(db, actor, view.id), _message, close=PANEL)
    if keep.button("Stay on the waitlist", key=f"waitlist.{view.id}.cancel.keep"):
        close_panel(PANEL)
        st.rerun()


def _message(outcome: ChangeOutcome) -> str:
    return outcome.message
