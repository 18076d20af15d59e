"""The Transfer panel: pick a location, a class with an open seat and a start date."""

from __future__ import annotations

import streamlit as st

from components.actions import close_panel, run_action, run_then_rerun
from components.formatting import escape_markdown, format_date, format_time_range
from components.seats import seats_label
from data.db import session_scope
from services.classes.enrollments import EnrollmentView
from services.classes.transfers import TransferOption, transfer_enrollment, transfer_options
from services.classes.waitlists import join_waitlist
from services.families.home import open_locations
from services.kernel.access import Actor


def _label(option: TransferOption) -> str:
    return (
        f"{option.weekday_name} {format_time_range(option.start_time, option.end_time)} · "
        f"{option.class_name} ({option.level}) · {option.instructor} · "
        f"{seats_label(option.seats_left)}"
    )


def render_transfer_panel(
    actor: Actor, view: EnrollmentView, student_id: int, *, panel_key: str
) -> None:
    with session_scope() as db:
        locations = open_locations(db, actor)
    names = {location.id: location.name for location in locations}
    location_id = st.selectbox(
        "Location",
        list(names),
        key=f"transfer.{view.id}.location",
        index=list(names).index(view.location_id) if view.location_id in names else 0,
        format_func=lambda option: names[option],
    )
    options = run_action(lambda db: transfer_options(db, actor, view.id, location_id))
    if options is None:
        return
    open_classes = {o.class_id: o for o in options if o.available}
    for option in options:
        if not option.available:
            st.caption(escape_markdown(f"{_label(option)} — {option.reason}"))
            if option.reason == "class full" and st.button(
                "Join the waitlist", key=f"transfer.{view.id}.waitlist.{option.class_id}"
            ):
                run_then_rerun(
                    lambda db, o=option: join_waitlist(db, actor, student_id, o.class_id),
                    lambda joined: (
                        f"On the waitlist for {joined.class_name} at position "
                        f"{joined.waitlist_position}."
                    ),
                    close=panel_key,
                )
    if not open_classes:
        st.info("No class of this program has an open seat at this location.")
        return
    target = st.radio(
        "Move to",
        list(open_classes),
        key=f"transfer.{view.id}.target",
        format_func=lambda class_id: _label(open_classes[class_id]),
    )
    start = st.selectbox(
        "Starting",
        open_classes[target].start_dates,
        key=f"transfer.{view.id}.start",
        format_func=format_date,
    )
    confirm, keep = st.columns(2)
    if confirm.button("Confirm transfer", type="primary", key=f"transfer.{view.id}.confirm"):
        run_then_rerun(
            lambda db: transfer_enrollment(db, actor, view.id, target, start),
            lambda outcome: outcome.message,
            close=panel_key,
        )
    if keep.button("Keep the class", key=f"transfer.{view.id}.keep"):
        close_panel(panel_key)
        st.rerun()
