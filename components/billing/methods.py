"""Saved payment methods: one card each, with View/Edit and Delete."""

from __future__ import annotations

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_then_rerun
from components.billing.ownership import others_methods, own_cards_rule, own_methods
from components.formatting import escape_markdown
from services.billing.payment_methods import (
    TYPE_LABELS,
    PaymentMethodView,
    delete_payment_method,
    update_payment_method,
)
from services.billing.payments import Gateway
from services.kernel.access import Actor

EDIT_PANEL = "billing.edit_method"
DELETE_PANEL = "billing.delete_method"
EXPIRY_NOTES = {
    "expiring": ":orange-badge[:material/warning: Expires soon]",
    "expired": ":red-badge[:material/error: Expired]",
}


def render_methods(
    actor: Actor,
    gateway: Gateway,
    methods: list[PaymentMethodView],
    *,
    recurring_locked: bool,
    bank_accounts: bool,
) -> None:
    st.header("Saved payment methods")
    own, others = own_methods(actor, methods), others_methods(actor, methods)
    if not methods:
        st.caption("No payment methods on file.")
    elif not own:
        st.caption("You have no payment methods of your own on file.")
    for method in own:
        with st.container(border=True):
            _method_card(actor, gateway, method, recurring_locked, bank_accounts)
    if others:
        # Information only: nobody may pay with, edit or delete another guardian's method.
        listing = "; ".join(f"{m.label}, saved by {m.guardian_name}" for m in others)
        st.caption(escape_markdown(f"Also on file: {listing}. {own_cards_rule(actor, methods)}"))


def _method_card(
    actor: Actor,
    gateway: Gateway,
    method: PaymentMethodView,
    recurring_locked: bool,
    bank_accounts: bool,
) -> None:
    badges = []
    if method.is_primary:
        badges.append(":blue-badge[Primary]")
    if method.recurring_authorized:
        badges.append(":green-badge[Recurring billing]")
    if method.expiry_state in EXPIRY_NOTES:
        badges.append(EXPIRY_NOTES[method.expiry_state])
    st.markdown(f"**{escape_markdown(method.label)}** {' '.join(badges)}")
    details = [method.type_label]
    if method.expiry:
        details.append(f"Expires {method.expiry}")
    st.caption(escape_markdown(" · ".join(details)))
    if not method.can_edit:
        return
    edit, delete = st.columns(2)
    edit.button(
        "View/Edit",
        key=f"billing.edit.{method.id}",
        on_click=open_panel,
        args=(EDIT_PANEL, method.id),
        width="stretch",
    )
    if method.can_delete:
        delete.button(
            "Delete",
            key=f"billing.delete.{method.id}",
            on_click=open_panel,
            args=(DELETE_PANEL, method.id),
            width="stretch",
        )
    if panel(EDIT_PANEL) == method.id:
        _edit_form(actor, method, recurring_locked, bank_accounts)
    if panel(DELETE_PANEL) == method.id and method.can_delete:
        _delete_confirm(actor, gateway, method)


def _edit_form(
    actor: Actor, method: PaymentMethodView, recurring_locked: bool, bank_accounts: bool
) -> None:
    types = ["card", "bank_account"] if bank_accounts else ["card"]
    st.selectbox(
        "Method type",
        types,
        index=types.index(method.type) if method.type in types else 0,
        format_func=TYPE_LABELS.get,
        disabled=True,
        help="To use a different kind of method, add a new one.",
        key=f"billing.type.{method.id}",
    )
    primary = st.toggle(
        "Set to Primary?", value=method.is_primary, key=f"billing.primary.{method.id}"
    )
    recurring = None
    if not recurring_locked:
        recurring = st.toggle(
            "This payment method is authorized for recurring billing",
            value=method.recurring_authorized,
            key=f"billing.recurring.{method.id}",
        )
    save, cancel = st.columns(2)
    if save.button("Save", type="primary", key=f"billing.save.{method.id}", width="stretch"):
        run_then_rerun(
            lambda db: update_payment_method(
                db, actor, method.id, make_primary=primary, recurring_authorized=recurring
            ),
            f"Saved {method.label}.",
            close=EDIT_PANEL,
        )
    cancel.button(
        "Cancel",
        key=f"billing.cancel_edit.{method.id}",
        on_click=close_panel,
        args=(EDIT_PANEL,),
        width="stretch",
    )


def _delete_confirm(actor: Actor, gateway: Gateway, method: PaymentMethodView) -> None:
    st.warning(f"Delete {method.label}? It will no longer be on file.")
    confirm, cancel = st.columns(2)
    if confirm.button("Delete it", type="primary", key=f"billing.confirm_delete.{method.id}"):
        run_then_rerun(
            lambda db: delete_payment_method(db, actor, gateway, method.id),
            f"Deleted {method.label}.",
            close=DELETE_PANEL,
        )
    cancel.button(
        "Keep it",
        key=f"billing.keep.{method.id}",
        on_click=close_panel,
        args=(DELETE_PANEL,),
    )
