"""The Transaction History: cents become money text only here, at the edge.

A wide screen gets the table (a plain HTML table: components/static_table.py; with its CSV
download); a phone gets rows instead, the
amount and the balance right-aligned beside the date and description, paged (components/
entry_rows.py; both are drawn and a CSS media query shows one)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.entry_rows import Entry, phone_only, render_entries, wide_only
from components.formatting import format_date
from components.money import portal_currency
from components.static_table import render_static_table
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


def render_ledger_table(ledger: pd.DataFrame) -> None:
    if ledger.empty:
        st.info("No transactions in this period.")
        return
    frame = display_frame(ledger, portal_currency())
    with wide_only("ledger"):
        render_static_table(frame, alt="Transactions", right=("Amount", "Balance"))
    with phone_only("ledger"):
        render_entries(ledger_entries(frame), label="Transactions", key="ledger.rows")


def ledger_entries(frame: pd.DataFrame) -> list[Entry]:
    """The display frame's rows as phone rows, newest first like the table."""
    return [
        Entry(
            title=row.Description,
            subtitle=row.Date,
            value=row.Amount,
            value_note=f"Balance {row.Balance}",
            details=(("Type", row.Type), ("Student", row.Student), ("Location", row.Location)),
        )
        for row in frame.itertuples(index=False)
    ]
