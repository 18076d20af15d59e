"""Transactions: the family's ledger with filters, statements and receipts to download."""

from datetime import timedelta

import streamlit as st

from components.auth import current_actor
from components.documents import PDF, render_download
from components.formatting import format_date
from components.ledger_table import render_ledger_table
from components.location_picker import location_options, selected_location_id
from components.statement_downloads import render_family_documents, render_location_documents
from data.db import session_scope
from services.billing.pdf_documents import receipt_pdf
from services.billing.receipt_document import payment_receipt
from services.billing.transactions_history import (
    LEDGER_FILTERS,
    family_ledger,
    ledger_meta,
    only_kind,
    with_running_balance,
)
from services.kernel import clock
from services.kernel.reach import family_timezone
from services.kernel.settings import get_settings

actor = current_actor()
st.title("Transactions")
with session_scope() as db:
    full_history = get_settings(db).full_ledger_history
    today = clock.today_in(family_timezone(db, actor.family_id))
start = end = None
if full_history:
    chosen = st.date_input(
        "Period",
        value=(today - timedelta(days=90), today),
        max_value=today,
        key="ledger.period",
        format="YYYY-MM-DD",
    )
    if len(chosen) == 2:
        start, end = chosen
else:
    st.caption("Showing the last 30 days. Ask the front desk for older history.")
kind = st.segmented_control(
    "Show",
    list(LEDGER_FILTERS),
    format_func=LEDGER_FILTERS.get,
    default="all",
    required=True,
    key="ledger.filter",
)
with session_scope() as db:
    ledger = with_running_balance(family_ledger(db, actor, start=start, end=end))
period = ledger_meta(ledger).period
render_ledger_table(only_kind(ledger, kind))

payments = ledger.loc[ledger["type"] == "payment"]
if not payments.empty:
    with st.expander("Receipts"):
        labels = {
            int(r.entry_id): f"{format_date(r.date)} · {r.description}"
            for r in payments.itertuples()
        }
        entry_id = st.selectbox(
            "Payment", list(labels), format_func=labels.get, key="ledger.receipt"
        )
        render_download(
            "Receipt (PDF)",
            lambda db: receipt_pdf(payment_receipt(db, actor, entry_id)),
            file_name=f"receipt-{entry_id}.pdf",
            mime=PDF,
            key="docs.receipt",
        )

st.header("Statements")
location_id = selected_location_id()
names = {option.id: option.name for option in location_options(actor)}
if location_id in names:
    render_location_documents(actor, location_id, names[location_id], period, today)
render_family_documents(actor, period, today, full_history=full_history)
