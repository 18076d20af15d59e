"""Future absences: report by class or by dates, list and cancel; offer a makeup at once."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import streamlit as st

from components.actions import close_panel, flash, open_panel, panel, run_action
from components.formatting import escape_markdown, format_date, format_time, format_time_range
from components.students.makeups import PANEL as MAKEUP_PANEL
from components.students.makeups import render_booking_panel
from data.db import session_scope
from services.classes.enrollments import student_enrollments
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.kernel.settings import PortalSettings
from services.makeups.absence_marking import AbsenceOutcome
from services.makeups.absences_by_class import report_absence_by_enrollment
from services.makeups.absences_by_dates import report_absence_by_dates
from services.makeups.scheduled_absences import AbsenceView, cancel_absence, future_absences

NEW_TOKEN_KEY = "students.new_token"  # noqa: S105 (a session-state key)
CANCEL_PANEL = "students.absence_cancel"


def render_absences(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    if settings.makeup_tokens_enabled:
        st.caption(
            f"Report at least {settings.makeup_notice_hours} hours before class to earn a "
            "makeup token."
        )
    _offer_makeup(actor)
    how = st.radio("Report an absence by", ["Class", "Dates"], horizontal=True, key="absence.mode")
    if how == "Class":
        _by_class(actor, student)
    else:
        _by_dates(actor, student)
    with session_scope() as db:
        scheduled = future_absences(db, actor, student.id)
    st.markdown("**Scheduled absences**")
    if not scheduled:
        st.caption("None scheduled.")
    for absence in scheduled:
        _scheduled(actor, absence)


def _scheduled(actor: Actor, absence: AbsenceView) -> None:
    line = (
        f"{format_date(absence.class_date)}, "
        f"{format_time_range(absence.start_time, absence.end_time)} · "
        f"{absence.class_name} · {absence.location_name}"
    )
    left, right = st.columns([3, 1])
    left.write(escape_markdown(line))
    if not absence.can_cancel:
        if absence.why_not:
            right.caption(escape_markdown(absence.why_not))
        return
    if right.button("Cancel", key=f"absence.{absence.id}.cancel"):
        if absence.token_id is None:  # nothing is lost: the absence can be reported again
            _cancel(actor, absence)
        else:
            open_panel(CANCEL_PANEL, absence.id)
    if panel(CANCEL_PANEL) == absence.id:
        _confirm_cancel(actor, absence)


def _confirm_cancel(actor: Actor, absence: AbsenceView) -> None:
    """Withdrawing an earned token cannot be undone (reporting again later may earn none)."""
    st.warning(
        escape_markdown(
            f"Cancel the absence from {absence.class_name} on {format_date(absence.class_date)}? "
            "The makeup token it earned is withdrawn and cannot be used any more."
        )
    )
    yes, keep = st.columns(2)
    if yes.button("Cancel the absence", type="primary", key=f"absence.{absence.id}.cancel.confirm"):
        _cancel(actor, absence)
    if keep.button("Keep the absence", key=f"absence.{absence.id}.cancel.keep"):
        close_panel(CANCEL_PANEL)
        st.rerun()


def _cancel(actor: Actor, absence: AbsenceView) -> None:
    if run_action(lambda db: _cancelled(db, actor, absence.id)) is None:
        return
    close_panel(CANCEL_PANEL)
    if absence.token_id is not None:
        _forget_token(absence.token_id)
    flash("The absence is cancelled.")
    st.rerun()


def _cancelled(db: Any, actor: Actor, absence_id: int) -> bool:
    cancel_absence(db, actor, absence_id)
    return True


def _forget_token(token_id: int) -> None:
    """The token is gone: no offer or booking panel may still refer to it."""
    if st.session_state.get(NEW_TOKEN_KEY) == token_id:
        st.session_state.pop(NEW_TOKEN_KEY, None)
    if panel(MAKEUP_PANEL) == token_id:
        close_panel(MAKEUP_PANEL)


def _by_class(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        current = student_enrollments(db, actor, student.id).current
    # Booked makeup visits are cancelled on the Makeups tab (which returns their token).
    # Labels must differ: Streamlit maps a choice back through its label.
    names = {
        v.id: f"{v.class_name} ({v.weekday_name} {format_time(v.start_time)}) · {v.location_name}"
        for v in current
        if v.type != "makeup"
    }
    if not names:
        st.caption("No current classes to report an absence for.")
        return
    with st.form("absence.by_class"):
        chosen = st.multiselect("Classes", list(names), format_func=names.__getitem__)
        day = st.date_input("Date", value=None, format="YYYY-MM-DD")
        reason = st.text_input("Reason (optional)", max_chars=500)
        sent = st.form_submit_button("Report absence", type="primary")
    if sent:
        if not chosen or day is None:
            st.error("Choose at least one class and the date.")
            return
        _report(lambda db: report_absence_by_enrollment(db, actor, student.id, chosen, day, reason))


def _by_dates(actor: Actor, student: StudentCard) -> None:
    with st.form("absence.by_dates"):
        first, last = st.columns(2)
        start_day = first.date_input("From", value=None, format="YYYY-MM-DD")
        start_time = first.time_input("From time", value=time(0, 0))
        end_day = last.date_input("Until", value=None, format="YYYY-MM-DD")
        end_time = last.time_input("Until time", value=time(23, 59))
        reason = st.text_input("Reason (optional)", max_chars=500)
        sent = st.form_submit_button("Report absence", type="primary")
    if sent:
        if start_day is None or end_day is None:
            st.error("Choose the first and the last day.")
            return
        # Wall-clock times at each class's location (the service reads naive times so).
        starts, ends = datetime.combine(start_day, start_time), datetime.combine(end_day, end_time)
        _report(lambda db: report_absence_by_dates(db, actor, student.id, starts, ends, reason))


def _report(call) -> None:  # type: ignore[no-untyped-def]
    outcome: AbsenceOutcome | None = run_action(call)
    if outcome is None:
        return
    if outcome.token_ids:
        st.session_state[NEW_TOKEN_KEY] = outcome.token_ids[0]
        open_panel(MAKEUP_PANEL, outcome.token_ids[0])
    flash(outcome.message)
    st.rerun()


def _offer_makeup(actor: Actor) -> None:
    """Absence → makeup in one flow: book with the token the report just earned."""
    token_id = st.session_state.get(NEW_TOKEN_KEY)
    if token_id is None:
        return
    if panel(MAKEUP_PANEL) != token_id:  # booked, or "Not now": the offer is over
        st.session_state.pop(NEW_TOKEN_KEY, None)
        return
    with st.container(border=True):
        st.write("Book a makeup with the token you just earned?")
        render_booking_panel(actor, token_id, key="absence_offer")
