"""A student's class places at the desk: what they hold, and one action at a time — enroll
(a regular place or a one-day trial, from the location's classes with an open seat), put on
a waitlist (the full ones), drop, transfer. Every action is the service parents use, with
the staff member as the actor; only the chosen action's form is drawn."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action, run_then_rerun
from components.formatting import escape_markdown, format_date, format_time_range
from components.location_picker import selected_location_id
from components.seats import seats_label
from services.classes.drops import drop_enrollment, drop_preview
from services.classes.enroll import REGULAR, TRIAL, enroll_student
from services.classes.enroll_choices import EnrollChoice, enroll_choices
from services.classes.enrollments import EnrollmentView, student_enrollments
from services.classes.transfers import transfer_enrollment, transfer_options
from services.classes.waitlists import join_waitlist
from services.families.students import StudentCard
from services.kernel.access import Actor

ACTIONS = ("Enroll", "Waitlist", "Drop", "Transfer")


def render_student_places(actor: Actor, student: StudentCard) -> None:
    with st.expander(escape_markdown(f"Classes: {student.first_name}")):
        places = run_action(lambda db: student_enrollments(db, actor, student.id))
        if places is None:
            return
        for view in places.current:
            st.write(escape_markdown(_place(view)))
        for view in places.waitlisted:
            st.write(escape_markdown(f"{_place(view)} · waitlist #{view.waitlist_position}"))
        if not places.current and not places.waitlisted:
            st.caption("No classes now.")
        location_id = selected_location_id()
        if location_id is None:
            st.info("Choose a location at the top of the page to enroll, waitlist or transfer.")
            return
        key = f"places.{student.id}"
        action = st.radio("Action", ACTIONS, horizontal=True, key=f"{key}.action", index=None)
        if action in ("Enroll", "Waitlist"):
            _join(actor, student, location_id, key, waitlist=action == "Waitlist")
        elif action == "Drop":
            _drop(actor, key, [v for v in places.current if v.type != "makeup"])
        elif action == "Transfer":
            _transfer(actor, key, location_id, [v for v in places.current if v.type == "regular"])


def _place(view: EnrollmentView) -> str:
    when = format_time_range(view.start_time, view.end_time)
    ends = f" · until {format_date(view.end_date)}" if view.end_date else ""
    kind = "" if view.type == "regular" else f" · {view.type}"
    return f"{view.class_name} · {view.weekday_name} {when} · {view.location_name}{kind}{ends}"


def _choice_label(choice: EnrollChoice) -> str:
    when = format_time_range(choice.start_time, choice.end_time)
    return (
        f"{choice.weekday_name} {when} · {choice.class_name} · {choice.level} · "
        f"{seats_label(choice.seats_left)}"
    )


def _join(
    actor: Actor, student: StudentCard, location_id: int, key: str, *, waitlist: bool
) -> None:
    choices = run_action(lambda db: enroll_choices(db, actor, student.id, location_id)) or []
    offered = {
        c.class_id: c
        for c in choices
        if not c.already_in and ((c.seats_left <= 0) if waitlist else (c.seats_left > 0))
    }
    if not offered:
        st.caption("No full class to wait for here." if waitlist else "No class here has a seat.")
        return
    class_id = st.selectbox(
        "Class",
        list(offered),
        format_func=lambda i: _choice_label(offered[i]),
        key=f"{key}.class.{'wait' if waitlist else 'enroll'}",
    )
    choice = offered[class_id]
    with st.form(f"{key}.join.{waitlist}"):
        if waitlist:
            st.caption("The student joins the end of this class's waitlist.")
        else:
            day = st.selectbox("First class", choice.start_dates, format_func=format_date)
            kind = st.radio("Place", (REGULAR, TRIAL), horizontal=True, format_func=_kind)
        if st.form_submit_button("Add to the waitlist" if waitlist else "Enroll"):
            if waitlist:
                run_then_rerun(
                    lambda db: join_waitlist(db, actor, student.id, class_id),
                    lambda v: f"{student.first_name} is #{v.waitlist_position} on the waitlist.",
                )
            else:
                run_then_rerun(
                    lambda db: enroll_student(db, actor, student.id, class_id, day, kind),
                    f"{student.first_name} is enrolled in {choice.class_name}.",
                )


def _kind(kind: str) -> str:
    return "Regular place" if kind == REGULAR else "One-day trial"


def _drop(actor: Actor, key: str, places: list[EnrollmentView]) -> None:
    droppable = {v.id: v for v in places if v.end_date is None or v.type == "trial"}
    if not droppable:
        st.caption("No class place to drop.")
        return
    enrollment_id = st.selectbox(
        "Class place", list(droppable), format_func=lambda i: _place(droppable[i]), key=f"{key}.d"
    )
    preview = run_action(lambda db: drop_preview(db, actor, enrollment_id))
    if preview is None:
        return
    with st.form(f"{key}.drop"):
        day = st.selectbox("Leaves from", preview.choices, format_func=format_date)
        if st.form_submit_button("Drop"):
            run_then_rerun(
                lambda db: drop_enrollment(db, actor, enrollment_id, day),
                lambda outcome: outcome.message,
            )


def _transfer(actor: Actor, key: str, location_id: int, places: list[EnrollmentView]) -> None:
    movable = {v.id: v for v in places if v.end_date is None}
    if not movable:
        st.caption("No regular class place to move.")
        return
    enrollment_id = st.selectbox(
        "Class place", list(movable), format_func=lambda i: _place(movable[i]), key=f"{key}.t"
    )
    options = run_action(lambda db: transfer_options(db, actor, enrollment_id, location_id)) or []
    open_ones = {o.class_id: o for o in options if o.available}
    if not open_ones:
        st.caption("No other class of this program here has a seat.")
        return
    target = st.selectbox(
        "Move to",
        list(open_ones),
        format_func=lambda i: (
            f"{open_ones[i].weekday_name} {open_ones[i].class_name} · "
            f"{seats_label(open_ones[i].seats_left)}"
        ),
        key=f"{key}.target",
    )
    with st.form(f"{key}.transfer"):
        day = st.selectbox("From", open_ones[target].start_dates, format_func=format_date)
        if st.form_submit_button("Transfer"):
            run_then_rerun(
                lambda db: transfer_enrollment(db, actor, enrollment_id, target, day),
                lambda outcome: outcome.message,
            )
