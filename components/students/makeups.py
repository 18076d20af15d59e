"""Makeups: tokens by state with booking and cancelling, or makeup requests."""

from __future__ import annotations

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_action, run_then_rerun
from components.entry_rows import Entry, render_entries
from components.formatting import escape_markdown, format_date, format_time_range
from components.location_picker import selected_location_id
from components.seats import seats_label
from components.students.makeup_requests import render_makeup_requests
from data.db import session_scope
from services.families.students import StudentCard
from services.kernel.access import Actor
from services.kernel.settings import PortalSettings
from services.makeups.makeup_meetings import MakeupOption
from services.makeups.makeup_visits import book_makeup, cancel_makeup, makeup_options
from services.makeups.tokens import TokenView, student_tokens

PANEL = "students.makeup_panel"


def option_label(option: MakeupOption) -> str:
    return (
        f"{format_date(option.class_date)}, "
        f"{format_time_range(option.start_time, option.end_time)} · {option.class_name} · "
        f"{option.instructor} · {seats_label(option.open_seats)}"
    )


def render_makeups(actor: Actor, student: StudentCard, settings: PortalSettings) -> None:
    if not settings.makeup_tokens_enabled:
        render_makeup_requests(actor, student)
        return
    with session_scope() as db:
        groups = student_tokens(db, actor, student.id, selected_location_id())
    st.markdown("**Tokens to use here**")
    if not groups.available_here:
        st.caption("No makeup tokens to use at this location.")
    for token in groups.available_here:
        _available(actor, token)
    if groups.available_elsewhere:
        st.markdown("**Tokens for other locations** (choose that location at the top of the page)")
        _token_rows(groups.available_elsewhere, "elsewhere")
    if groups.pending:
        st.markdown("**Booked makeups**")
    for token in groups.pending:
        _pending(actor, token)
    for title, tokens in (("Expired tokens", groups.expired), ("Used tokens", groups.spent)):
        if tokens and st.toggle(f"Show {title.lower()} ({len(tokens)})", key=f"makeups.{title}"):
            _token_rows(tokens, title)


def token_entries(tokens: tuple[TokenView, ...]) -> list[Entry]:
    """Each token with its expiry right-aligned, its location and issue date under where it
    came from; the makeup it booked behind a tap."""
    return [
        Entry(
            title=t.source_note or "Makeup token",
            subtitle=f"{t.location_name} · issued {format_date(t.issued_on)}",
            value=format_date(t.expires_on),
            value_note="expires",
            details=(
                (
                    "Makeup",
                    f"{t.makeup_class_name} {format_date(t.makeup_date)}" if t.makeup_date else "",
                ),
            ),
        )
        for t in tokens
    ]


def _token_rows(tokens: tuple[TokenView, ...], key: str) -> None:
    render_entries(token_entries(tokens), label="Makeup tokens", key=f"makeups.rows.{key}")


def _available(actor: Actor, token: TokenView) -> None:
    with st.container(border=True):
        st.write(escape_markdown(token.source_note or "Makeup token"))
        st.caption(
            f"Issued {format_date(token.issued_on)} · use by {format_date(token.expires_on)}"
        )
        if st.button("Book a makeup", key=f"makeup.{token.id}.open"):
            open_panel(PANEL, token.id)
        if panel(PANEL) == token.id:
            render_booking_panel(actor, token.id)


def render_booking_panel(actor: Actor, token_id: int, *, key: str = "makeup") -> None:
    """The classes this token can book, with the reason for each one it cannot. `key` keeps
    the widgets apart where the panel shows twice (Makeups tab and the absence offer)."""
    options = run_action(lambda db: makeup_options(db, actor, token_id))
    if options is None:
        return
    bookable = {(o.class_id, o.class_date): o for o in options if o.bookable}
    if not bookable:
        st.info("No class can be booked with this token right now.")
    else:
        choice = st.radio(
            "Makeup class",
            list(bookable),
            key=f"{key}.{token_id}.choice",
            format_func=lambda key: option_label(bookable[key]),
        )
        if st.button("Book this makeup", type="primary", key=f"{key}.{token_id}.book"):
            run_then_rerun(
                lambda db: book_makeup(db, actor, token_id, choice[0], choice[1]),
                lambda booked: (
                    f"Makeup booked: {booked.makeup_class_name} on "
                    f"{format_date(booked.makeup_date)}."
                ),
                close=PANEL,
            )
    for option in options:
        if not option.bookable:
            st.caption(escape_markdown(f"{option_label(option)} — {option.why_not}"))
    if st.button("Not now", key=f"{key}.{token_id}.close"):
        close_panel(PANEL)
        st.rerun()


def _pending(actor: Actor, token: TokenView) -> None:
    with st.container(border=True):
        st.write(
            escape_markdown(
                f"{token.makeup_class_name} on {format_date(token.makeup_date)}"
                f" at {token.location_name}"
            )
        )
        if token.makeup_enrollment_id and st.button(
            "Cancel makeup (the token comes back)", key=f"makeup.{token.id}.cancel"
        ):
            run_then_rerun(
                lambda db: cancel_makeup(db, actor, token.makeup_enrollment_id),
                "The makeup is cancelled and the token is back.",
            )
