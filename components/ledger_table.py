"""The Transaction History table: cents become money text only here, at the edge."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import format_date
from services.money import format_cents


def display_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """Newest first, with signed amounts and the running balance as money text."""
    newest = ledger.iloc[::-1]
    return pd.DataFrame(
        {
            "Date": [format_date(day) for day in newest["date"]],
            "Description": newest["description"].tolist(),
            "Student": newest["student"].tolist(),
            "Location": newest["location"].tolist(),
            "Type": [kind.capitalize() for kind in newest["type"]],
            "Amount": [format_cents(int(cents)) for cents in newest["amount_cents"]],
            "Balance": [format_cents(int(cents)) for cents in newest["balance_cents"]],
        }
    )


def render_ledger_table(ledger: pd.DataFrame) -> None:
    if ledger.empty:
        st.info("No transactions in this period.")
        return
    st.dataframe(display_frame(ledger), hide_index=True, width="stretch")
