"""The Transaction History table: cents become money text only here, at the edge.

The money columns come right after the date and description, and the description has a fixed
width, so Amount and Balance are visible without scrolling sideways on any screen (a long
description used to push them off the right edge)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import format_date
from components.money import portal_currency
from services.kernel.money import format_cents


def display_frame(ledger: pd.DataFrame, currency: str = "usd") -> pd.DataFrame:
    """Newest first, with signed amounts and the running balance as money text."""
    newest = ledger.iloc[::-1]
    return pd.DataFrame(
        {
            "Date": [format_date(day) for day in newest["date"]],
            "Description": newest["description"].tolist(),
            "Amount": [format_cents(int(cents), currency) for cents in newest["amount_cents"]],
            "Balance": [format_cents(int(cents), currency) for cents in newest["balance_cents"]],
            "Type": [kind.capitalize() for kind in newest["type"]],
            "Student": newest["student"].tolist(),
            "Location": newest["location"].tolist(),
        }
    )


COLUMNS = {
    "Date": st.column_config.TextColumn(width="small", pinned=True),
    "Description": st.column_config.TextColumn(width="medium"),
    "Amount": st.column_config.TextColumn(width="small", alignment="right"),
    "Balance": st.column_config.TextColumn(width="small", alignment="right"),
}


def render_ledger_table(ledger: pd.DataFrame) -> None:
    if ledger.empty:
        st.info("No transactions in this period.")
        return
    frame = display_frame(ledger, portal_currency())
    st.dataframe(frame, hide_index=True, width="stretch", column_config=COLUMNS)
