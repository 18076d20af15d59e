"""Make Payment: amount and saved method, a confirm dialog, then the outcome or the receipt.

The dialog is driven by a session flag (so it survives reruns and AppTest can use it). The
request key is made once when the dialog opens: a double-click, a rerun or a second press of
Pay reuses it, and services.billing.payment_attempts turns it into one payment attempt.
"""

from __future__ import annotations

from uuid import uuid4

import streamlit as st

from components.actions import close_panel, run_action
from components.billing.ownership import own_cards_rule, own_methods
from components.billing.summary import PAY_PANEL
from components.formatting import escape_markdown, format_date
from components.money import entered_cents, money
from services.billing.payment_attempts import PaymentOutcome, begin_payment, submit_payment
from services.billing.payment_methods import PaymentMethodView
from services.billing.payments import Gateway
from services.billing.summary import BillingSummary
from services.kernel.access import Actor
from services.kernel.money import format_cents

CONFIRM = "billing.confirm"  # {"amount_cents", "method_id", "request_key"} while the dialog is open
OUTCOME = "billing.outcome"


def render_make_payment(
    actor: Actor, gateway: Gateway, summary: BillingSummary, methods: list[PaymentMethodView]
) -> None:
    _render_outcome()
    if not st.session_state.get(PAY_PANEL) or not summary.can_pay_online:
        return
    own = own_methods(actor, methods)
    rule = own_cards_rule(actor, methods)
    with st.container(border=True):
        st.markdown("**Make a payment**")
        if not own:
            st.info(
                escape_markdown(f"{rule} " if rule else "")
                + "Add your own card below, then make your payment."
            )
            st.button("Close", key="billing.pay_close", on_click=close_panel, args=(PAY_PANEL,))
            return
        amount_text = st.text_input(
            "Amount",
            value=f"{summary.max_payment_cents / 100:.2f}",
            key="billing.amount",
            help=f"Up to {format_cents(summary.max_payment_cents, summary.currency)}.",
        )
        primary_index = next((i for i, m in enumerate(own) if m.is_primary), 0)
        method = st.selectbox(
            "Pay with",
            own,
            index=primary_index,
            format_func=_method_label,
            key="billing.pay_method",
        )
        if rule:
            st.caption(escape_markdown(rule))
        review, cancel = st.columns(2)
        if review.button("Review payment", type="primary", key="billing.review", width="stretch"):
            amount = _checked_amount(amount_text, summary)
            if amount is not None:
                st.session_state[CONFIRM] = {
                    "amount_cents": amount,
                    "method_id": method.id,
                    "method_label": method.label,
                    "request_key": uuid4().hex,
                }
        cancel.button("Cancel", key="billing.pay_cancel", on_click=close_panel, args=(PAY_PANEL,))
    if st.session_state.get(CONFIRM):
        _confirm_dialog(actor, gateway)


def _checked_amount(text: str, summary: BillingSummary) -> int | None:
    cents = entered_cents(text, summary.currency)
    if cents is None:
        return None
    if cents > summary.max_payment_cents:
        st.error(
            "The most you can pay now is "
            f"{format_cents(summary.max_payment_cents, summary.currency)}."
        )
        return None
    return cents


def _dismiss() -> None:
    st.session_state.pop(CONFIRM, None)


@st.dialog("Confirm payment", on_dismiss=_dismiss)
def _confirm_dialog(actor: Actor, gateway: Gateway) -> None:
    pending = st.session_state[CONFIRM]
    amount = money(pending["amount_cents"])
    st.markdown(
        f"You will be charged **{amount}** on **{escape_markdown(pending['method_label'])}**."
    )
    st.caption("This is exactly the amount charged. No fees are added.")
    pay, back = st.columns(2)
    if pay.button(f"Pay {amount}", type="primary", key="billing.pay_now", width="stretch"):
        outcome = run_action(lambda db: _pay(db, actor, gateway, pending))
        st.session_state.pop(CONFIRM, None)
        if outcome is not None:
            st.session_state[OUTCOME] = outcome
            if outcome.status == "succeeded":
                close_panel(PAY_PANEL)
            st.rerun()
    # A button in a dialog reruns only the dialog: closing it takes a rerun of the whole page
    # (a callback that dropped the request left this function without one to show).
    if back.button("Back", key="billing.pay_back", width="stretch"):
        _dismiss()
        st.rerun()


def _pay(db, actor: Actor, gateway: Gateway, pending: dict) -> PaymentOutcome:  # type: ignore[no-untyped-def,type-arg]
    attempt_id = begin_payment(
        db,
        actor,
        gateway,
        amount_cents=pending["amount_cents"],
        payment_method_id=pending["method_id"],
        request_key=pending["request_key"],
    )
    return submit_payment(db, actor, gateway, attempt_id)


def _render_outcome() -> None:
    outcome: PaymentOutcome | None = st.session_state.get(OUTCOME)
    if outcome is None:
        return
    if outcome.status == "succeeded" and outcome.receipt is not None:
        receipt = outcome.receipt
        with st.container(border=True):
            st.success(f"Payment received: {format_cents(receipt.amount_cents, receipt.currency)}.")
            st.markdown(
                f"**Receipt** · {format_date(receipt.paid_at.date())} · "
                f"{escape_markdown(receipt.method_label)}  \n"
                f"Reference {escape_markdown(receipt.reference)} · Balance now "
                f"{format_cents(receipt.remaining_balance_cents, receipt.currency)}"
            )
            st.caption("A copy of this receipt is e-mailed to you.")
    elif outcome.status == "pending":
        st.warning(outcome.message, icon=":material/hourglass_top:")
    else:
        st.error(outcome.message)
    st.button(
        "Dismiss",
        key="billing.outcome_dismiss",
        on_click=st.session_state.pop,
        args=(OUTCOME, None),
    )


def _method_label(method: PaymentMethodView) -> str:
    label = method.label + (f" (expires {method.expiry})" if method.expiry else "")
    return label + (" · primary" if method.is_primary else "")
