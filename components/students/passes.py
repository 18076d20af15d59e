"""Punch passes: punches used and remaining, dates, amount paid; redeem when allowed."""

from __future__ import annotations

import streamlit as st

from components.actions import run_action, run_then_rerun
from components.entry_rows import Entry, render_entries
from components.formatting import escape_markdown, format_date, format_time_range
from components.money import portal_currency
from components.seats import seats_label
from data.db import session_scope
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.kernel.money import format_cents
from services.kernel.settings import PortalSettings
from services.makeups.passes import (
    PassView,
    PunchOption,
    family_passes,
    punch_options,
    redeem_punch,
)

STATUS_LABELS = {
    "active": "Active",
    "used_up": "Used up",
    "expired": "Expired",
    "inactive": "Inactive",
}


def status_label(view: PassView) -> str:
    if view.status == "expired" and view.expires_on is not None:
        return f"Expired on {format_date(view.expires_on)}"
    return STATUS_LABELS.get(view.status, view.status)


def pass_entries(passes: list[PassView]) -> list[Entry]:
    """Each pass with the punches left and its state right-aligned, where and when it was
    bought under its name; the rest behind a tap."""
    currency = portal_currency()
    return [
        Entry(
            title=p.name,
            subtitle=f"{p.location_name} · purchased {format_date(p.purchased_on)}",
            value=f"{p.punches_remaining} left",
            value_note=status_label(p),
            details=(
                ("Used", str(p.punches_used)),
                ("Expires", format_date(p.expires_on) if p.expires_on else "—"),
                ("Paid", format_cents(p.amount_paid_cents, currency)),
            ),
        )
        for p in passes
    ]


def render_passes(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    with session_scope() as db:
        passes = family_passes(db, actor, student.id)
    if not passes:
        st.info(f"{student.first_name} has no punch passes.")
        return
    render_entries(pass_entries(passes), label="Punch passes", key="passes.rows")
    usable = {p.id: p for p in passes if p.is_active}
    if settings.punch_pass_redemption_enabled and usable:
        _redeem(actor, student, usable)


def _redeem(actor: Actor, student: StudentCard, usable: dict[int, PassView]) -> None:
    st.markdown("**Use a punch**")
    pass_id = st.selectbox(
        "Pass",
        list(usable),
        key="punch.pass",
        format_func=lambda i: (
            f"{usable[i].name} · {usable[i].location_name} · {usable[i].punches_remaining} left"
        ),
    )
    day = st.date_input("Class date", value=None, key="punch.day", format="YYYY-MM-DD")
    if day is None:
        return
    options = run_action(lambda db: punch_options(db, actor, pass_id, day))
    if options is None:
        return
    open_classes = {o.class_id: o for o in options if o.why_not is None}
    for option in options:
        if option.why_not:
            st.caption(escape_markdown(f"{_option_label(option)} — {option.why_not}"))
    if not open_classes:
        st.info("No class with an open seat meets that day at this pass's location.")
        return
    class_id = st.radio(
        "Class",
        list(open_classes),
        key="punch.class",
        format_func=lambda i: _option_label(open_classes[i]),
    )
    if st.button("Use one punch", type="primary", key="punch.use"):
        run_then_rerun(
            lambda db: redeem_punch(db, actor, pass_id, class_id, day, student_id=student.id),
            lambda view: f"Punch used: {view.punches_remaining} left on {view.name}.",
        )


def _option_label(option: PunchOption) -> str:
    return (
        f"{format_time_range(option.start_time, option.end_time)} · {option.class_name} · "
        f"{option.instructor} · {seats_label(option.open_seats)}"
    )
