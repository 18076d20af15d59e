"""Outstanding balance with Make Payment, credit with Apply Credit, and the last payment."""

from __future__ import annotations

import streamlit as st

from components.actions import open_panel, run_then_rerun
from components.formatting import format_date
from components.money import money, render_money_metric
from services.billing.summary import BillingSummary, apply_credit
from services.kernel.access import Actor

PAY_PANEL = "billing.pay"


def render_summary(actor: Actor, summary: BillingSummary) -> None:
    outstanding, credit, last = st.columns(3)
    with outstanding:
        render_money_metric("Outstanding", summary.outstanding_cents)
        if summary.can_pay_online:
            st.button(
                "Make Payment",
                type="primary",
                icon=":material/payments:",
                key="billing.make_payment",
                on_click=open_panel,
                args=(PAY_PANEL, True),
            )
    with credit:
        render_money_metric("Credit", summary.credit_cents)
        can_apply = summary.may_pay and summary.credit_cents > 0 and summary.outstanding_cents > 0
        if can_apply and st.button("Apply Credit", key="billing.apply_credit"):
            run_then_rerun(
                lambda db: apply_credit(db, actor),
                lambda done: (
                    f"Applied {money(done.applied_cents)} of credit. "
                    f"Outstanding now {money(done.outstanding_cents)}, "
                    f"credit left {money(done.credit_cents)}."
                ),
            )
    with last:
        if summary.last_payment_cents is None:
            st.metric("Last payment", "None yet")
        else:
            render_money_metric("Last payment", summary.last_payment_cents)
            st.caption(f"on {format_date(summary.last_payment_on)}")
    if summary.cannot_pay_reason and summary.outstanding_cents > 0:
        st.info(summary.cannot_pay_reason, icon=":material/info:")
