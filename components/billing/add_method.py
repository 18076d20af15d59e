"""Add Payment Method: a SetupIntent opened on request, the card typed into Stripe's element."""

from __future__ import annotations

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_action, run_then_rerun
from components.card_element import render_card_element
from services.billing.payment_method_setup import (
    MAX_METHODS_PER_GUARDIAN,
    CardSetup,
    finish_card_setup,
    start_card_setup,
)
from services.billing.payments import Gateway
from services.kernel.access import Actor

PANEL = "billing.add_method"
BANK_ACCOUNTS_UNAVAILABLE = (
    "Bank accounts (eChecks) are switched on, but this payment processor connection can only "
    "save cards for now. Ask the front desk about paying from a bank account."
)


def render_add_method(
    actor: Actor,
    gateway: Gateway,
    *,
    own_count: int,
    echecks_enabled: bool,
    recurring_locked: bool,
) -> None:
    if own_count >= MAX_METHODS_PER_GUARDIAN:
        st.caption(
            f"You have {MAX_METHODS_PER_GUARDIAN} saved payment methods, the most allowed. "
            "Delete one to add another."
        )
        return
    setup: CardSetup | None = panel(PANEL)
    if setup is None:
        if st.button("Add Payment Method", icon=":material/add_card:", key="billing.add"):
            opened = run_action(lambda db: start_card_setup(db, actor, gateway))
            if opened is not None:
                open_panel(PANEL, opened)
                st.rerun()
        return
    with st.container(border=True):
        st.markdown("**Add a credit or debit card**")
        if echecks_enabled and not gateway.supports_bank_accounts:
            st.caption(BANK_ACCOUNTS_UNAVAILABLE)
        st.caption(
            "Your card number goes straight to Stripe, our payment processor; we keep only "
            "the brand, the last four digits and the expiry date."
        )
        primary = st.toggle("Set to Primary?", value=own_count == 0, key="billing.new_primary")
        recurring = True
        if not recurring_locked:
            recurring = st.toggle(
                "This payment method is authorized for recurring billing",
                value=True,
                key="billing.new_recurring",
            )
        result = render_card_element(
            publishable_key=setup.publishable_key,
            js_url=setup.js_url,
            client_secret=setup.client_secret,
            key=f"billing.card.{setup.setup_intent_id}",
        )
        if result is not None and result.setup_intent_id:
            run_then_rerun(
                lambda db: finish_card_setup(
                    db,
                    actor,
                    gateway,
                    result.setup_intent_id,
                    make_primary=primary,
                    recurring_authorized=recurring,
                ),
                lambda saved: f"Saved {saved.label}.",
                close=PANEL,
            )
        st.button("Cancel", key="billing.cancel_add", on_click=close_panel, args=(PANEL,))
