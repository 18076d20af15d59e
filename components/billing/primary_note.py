"""The family home's line about the guardian's primary payment method and its expiry."""

from __future__ import annotations

import streamlit as st

from components.formatting import escape_markdown
from services.billing.payment_methods import PrimaryMethodState


def render_primary_method_note(state: PrimaryMethodState) -> None:
    method = state.method
    if method is None:
        if state.methods_on_file:
            st.caption("None of your saved payment methods is primary. Choose one on Billing.")
        return
    text = f"Primary payment method: {escape_markdown(method.label)}"
    if method.expiry:
        text += f", expires {method.expiry}"
    if method.expiry_state == "expired":
        st.error(f"{text}. It has expired: add a new card on Billing.", icon=":material/error:")
    elif method.expiry_state == "expiring":
        st.warning(
            f"{text}. It expires soon: add a new card on Billing.", icon=":material/warning:"
        )
    else:
        st.caption(text)
