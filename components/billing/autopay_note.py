"""Billing's line about autopay: the card charged on the billing day, or why none is."""

from __future__ import annotations

import streamlit as st

from components.formatting import escape_markdown, format_date
from services.billing.autopay_status import AutopayStatus


def render_autopay_note(status: AutopayStatus | None) -> None:
    if status is None:
        return
    when = format_date(status.next_run)
    if status.card is None:
        st.caption(
            "Autopay is not set up: nothing is charged automatically. On each billing day "
            f"autopay charges the primary card of {escape_markdown(status.card_owner)} (the "
            "primary guardian) when it is authorized for recurring billing."
        )
        return
    card = escape_markdown(status.card)
    if status.expired_by_then:
        st.warning(
            f"Autopay charges {card} on the billing day ({when}), but it will have expired "
            "by then. Add a new card and authorize it for recurring billing.",
            icon=":material/warning:",
        )
        return
    st.caption(f"Autopay: the balance is charged to {card} on the next billing day, {when}.")
