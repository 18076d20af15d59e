"""Billing: outstanding balance and Make Payment, credit and Apply Credit, the last payment,
and the saved payment methods."""

import streamlit as st

from components.actions import render_flash
from components.auth import current_actor
from components.billing.add_method import render_add_method
from components.billing.autopay_note import render_autopay_note
from components.billing.make_payment import render_make_payment
from components.billing.methods import render_methods
from components.billing.summary import render_summary
from components.gateway import current_gateway
from data.db import session_scope
from services.billing.autopay_status import autopay_status
from services.billing.payment_method_setup import bank_accounts_supported
from services.billing.payment_methods import list_payment_methods
from services.billing.payment_reconciliation import reconcile_family
from services.billing.payments import NOT_CONFIGURED
from services.billing.summary import billing_summary
from services.kernel.settings import get_settings

actor = current_actor()
gateway = current_gateway()
st.title("Billing")
render_flash()
with session_scope() as db:
    reconcile_family(db, actor, gateway)  # settles this family's unknown outcomes, if any
    summary = billing_summary(db, actor, gateway)
    methods = list_payment_methods(db, actor)
    settings = get_settings(db)
    bank_accounts = bank_accounts_supported(db, gateway)
    autopay = autopay_status(db, actor, gateway)

render_summary(actor, summary)
render_autopay_note(autopay)
render_make_payment(actor, gateway, summary, methods)
render_methods(
    actor,
    gateway,
    methods,
    recurring_locked=settings.require_recurring_authorized_method,
    bank_accounts=bank_accounts,
)
if gateway.configured:
    render_add_method(
        actor,
        gateway,
        own_count=sum(1 for m in methods if m.guardian_id == actor.guardian_id),
        echecks_enabled=settings.echecks_enabled,
        recurring_locked=settings.require_recurring_authorized_method,
    )
else:
    st.info(f"{NOT_CONFIGURED} Please pay at the front desk.", icon=":material/info:")
