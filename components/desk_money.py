"""The desk's Money area on a family's page: record a cash or check payment, a charge or a
credit; void a mistaken entry; refund a card payment. Each form keeps its input on a refusal
and writes nothing; void and refund ask first in an inline panel (one value in session
state, so it works on a phone and in AppTest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import streamlit as st

from components.actions import (
    close_panel,
    flash,
    open_panel,
    panel,
    run_action,
    run_then_rerun,
)
from components.formatting import escape_markdown, format_date
from components.gateway import current_gateway
from components.location_picker import selected_location_id
from components.money import entered_cents
from services.billing.desk_entries import record_credit, record_desk_payment, record_manual_charge
from services.billing.desk_money_view import MOST, PAGE, DeskEntry, DeskMoney, desk_money
from services.billing.refund_checks import RefundCheck, check_pending_refunds
from services.billing.refunds import refund_card_payment
from services.billing.voids import void_entry
from services.kernel.access import Actor
from services.kernel.money import format_cents

RECORD = ("Payment", "Charge", "Credit")
REASON_HELP = (
    "The family sees this on their Transactions, so write it for a parent to read "
    "(no staff notes here)."
)


def render_desk_money(actor: Actor, family_id: int) -> None:
    key = f"money.{family_id}"
    count = st.session_state.get(f"{key}.count", PAGE)
    view = run_action(lambda db: desk_money(db, actor, family_id, count=count))
    if view is None:
        return
    location_id = _place(view, key)
    if location_id is not None:
        record = st.radio("Record", RECORD, horizontal=True, index=None, key=f"{key}.record")
        if record == "Payment":
            _payment_form(actor, view, location_id, key)
        elif record in ("Charge", "Credit"):
            _charge_or_credit_form(actor, view, location_id, key, credit=record == "Credit")
    _recent(actor, view, key)
    if len(view.entries) == count and count + PAGE <= MOST:
        st.button(
            f"Show {PAGE} older entries",
            key=f"{key}.older",
            on_click=st.session_state.__setitem__,
            args=(f"{key}.count", count + PAGE),
        )


def _place(view: DeskMoney, key: str) -> int | None:
    """Where the entry is recorded: the location chosen at the top of the page, else a choice
    of the desk's own."""
    ids = [place.id for place in view.places]
    if not ids:
        st.info("You do not work at any location, so you cannot record money here.")
        return None
    chosen = selected_location_id()
    if chosen in ids:
        return chosen
    names = {place.id: place.name for place in view.places}
    return st.selectbox("At location", ids, format_func=names.__getitem__, key=f"{key}.place")


def _payment_form(actor: Actor, view: DeskMoney, location_id: int, key: str) -> None:
    with st.form(f"{key}.payment", clear_on_submit=False, border=True):
        method = st.radio(
            "Paid by",
            ("cash", "check"),
            horizontal=True,
            format_func=str.title,
            key=f"{key}.method",
        )
        number = st.text_input("Check number (optional)", max_chars=20, key=f"{key}.check")
        text = st.text_input("Amount", placeholder="0.00", key=f"{key}.pay_amount")
        reason = st.text_input("Reason", max_chars=200, help=REASON_HELP, key=f"{key}.pay_why")
        if st.form_submit_button("Record payment", type="primary") and (
            cents := entered_cents(text)
        ):
            _record(
                lambda db: record_desk_payment(
                    db,
                    actor,
                    view.family_id,
                    location_id,
                    method=method,
                    amount_cents=cents,
                    reason=reason,
                    check_number=number,
                    request_key=_request_key(f"{key}.payment"),
                ),
                f"Payment of {format_cents(cents, view.currency)} recorded.",
                f"{key}.payment",
                (f"{key}.check", f"{key}.pay_amount", f"{key}.pay_why"),
            )


def _charge_or_credit_form(
    actor: Actor, view: DeskMoney, location_id: int, key: str, *, credit: bool
) -> None:
    word = "credit" if credit else "charge"
    with st.form(f"{key}.{word}", clear_on_submit=False, border=True):
        if credit and not actor.is_admin:
            st.caption(
                f"Credits above {format_cents(view.credit_limit_cents, view.currency)} "
                "need an administrator."
            )
        text = st.text_input("Amount", placeholder="0.00", key=f"{key}.{word}_amount")
        reason = st.text_input("Reason", max_chars=200, help=REASON_HELP, key=f"{key}.{word}_why")
        label = "Give credit" if credit else "Record charge"
        if st.form_submit_button(label, type="primary") and (cents := entered_cents(text)):
            record = record_credit if credit else record_manual_charge
            request = _request_key(f"{key}.{word}")
            _record(
                lambda db: record(db, actor, view.family_id, location_id, cents, reason, request),
                f"{word.title()} of {format_cents(cents, view.currency)} recorded.",
                f"{key}.{word}",
                (f"{key}.{word}_amount", f"{key}.{word}_why"),
            )


def _record(call: Callable[[Any], int], message: str, form: str, fields: tuple[str, ...]) -> None:
    """Record; on success empty the form (so the next entry starts blank) and say so; on a
    refusal the error shows and the input stays."""
    if run_action(call) is None:
        return
    for name in (f"{form}.request", *fields):
        st.session_state.pop(name, None)
    flash(message)
    st.rerun()


def _request_key(form: str) -> str:
    """One key per filled-in form, kept until it records: a second click sends the same."""
    return st.session_state.setdefault(f"{form}.request", uuid4().hex)


def _recent(actor: Actor, view: DeskMoney, key: str) -> None:
    st.markdown("**Recent entries**")
    if not view.entries:
        st.caption("No entries yet.")
        return
    opened = panel(f"{key}.panel")
    for entry in view.entries:
        amount = format_cents(entry.amount_cents, view.currency)
        st.write(
            escape_markdown(
                f"{format_date(entry.day)} · {amount} · {entry.description} · {entry.location}"
            )
        )
        void, refund = st.columns(2)
        if not entry.void_refusal and void.button("Void", key=f"{key}.void.{entry.entry_id}"):
            open_panel(f"{key}.panel", {"action": "void", "entry_id": entry.entry_id})
            opened = panel(f"{key}.panel")
        if entry.refundable_cents > 0 and refund.button(
            "Refund", key=f"{key}.refund.{entry.entry_id}"
        ):
            open_panel(
                f"{key}.panel",
                {"action": "refund", "entry_id": entry.entry_id, "request_key": uuid4().hex},
            )
            opened = panel(f"{key}.panel")
        if entry.refund_pending:
            _pending_refund(actor, entry, key)
        if opened and opened["entry_id"] == entry.entry_id:
            if opened["action"] == "void":
                _void_panel(actor, view, entry, key)
            else:
                _refund_panel(actor, view, entry, key, opened["request_key"])


def _pending_refund(actor: Actor, entry: DeskEntry, key: str) -> None:
    st.caption("A refund of this payment is waiting for Stripe's answer. Do not refund again.")
    if st.button("Check the refund with Stripe", key=f"{key}.check.{entry.entry_id}"):
        run_then_rerun(
            lambda db: check_pending_refunds(db, actor, current_gateway(), entry.entry_id),
            _checked_message,
        )


def _checked_message(check: RefundCheck) -> str:
    return (
        f"Stripe checked: {check.recorded} refund(s) recorded, {check.freed} not made "
        f"(their amount can be refunded again), {check.waiting} still waiting."
    )


def _void_panel(actor: Actor, view: DeskMoney, entry: DeskEntry, key: str) -> None:
    with st.container(border=True):
        amount = format_cents(abs(entry.amount_cents), view.currency)
        st.warning(
            escape_markdown(
                f"Void {entry.kind} “{entry.description}” ({amount})? A reversing entry is "
                "added to the family's Transactions; this cannot be undone."
            )
        )
        reason = st.text_input("Reason", max_chars=200, help=REASON_HELP, key=f"{key}.void_why")
        confirm, back = st.columns(2)
        if confirm.button("Void the entry", type="primary", key=f"{key}.void_confirm"):
            run_then_rerun(
                lambda db: void_entry(db, actor, entry.entry_id, reason),
                "Entry voided.",
                close=f"{key}.panel",
            )
        back.button("Keep it", key=f"{key}.void_back", on_click=close_panel, args=(f"{key}.panel",))


def _refund_panel(
    actor: Actor, view: DeskMoney, entry: DeskEntry, key: str, request_key: str
) -> None:
    left = format_cents(entry.refundable_cents, view.currency)
    with st.container(border=True):
        st.caption(escape_markdown(f"Up to {left} of this card payment can be refunded."))
        if not actor.is_admin:
            st.caption(
                "Refunds of one payment above "
                f"{format_cents(view.refund_limit_cents, view.currency)} need an administrator."
            )
        text = st.text_input("Refund amount", placeholder="0.00", key=f"{key}.ref_amount")
        reason = st.text_input("Reason", max_chars=200, help=REASON_HELP, key=f"{key}.ref_why")
        confirm, back = st.columns(2)
        if confirm.button("Refund to the card", type="primary", key=f"{key}.ref_confirm") and (
            cents := entered_cents(text)
        ):
            run_then_rerun(
                lambda db: refund_card_payment(
                    db, actor, current_gateway(), entry.entry_id, cents, reason, request_key
                ),
                lambda outcome: outcome.message,
                close=f"{key}.panel",
            )
        back.button("Cancel", key=f"{key}.ref_back", on_click=close_panel, args=(f"{key}.panel",))
