"""Statement, ledger, combined and year-end downloads for the selected location."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.documents import CSV, PDF, render_download
from components.formatting import format_date
from services.billing import csv_documents, pdf_documents, statements, year_end
from services.billing.transactions_history import DateRange
from services.kernel.access import Actor


def render_location_documents(
    actor: Actor, location_id: int, location_name: str, period: DateRange, today: date
) -> None:
    slug = "".join(c if c.isalnum() else "-" for c in location_name.lower()).strip("-")
    st.markdown(f"**Statement for {location_name}** — what is owed there today")
    pdf, csv = st.columns(2)
    with pdf:
        render_download(
            "Statement (PDF)",
            lambda db: pdf_documents.statement_pdf(
                statements.location_statement(db, actor, location_id)
            ),
            file_name=f"statement-{slug}-{today}.pdf",
            mime=PDF,
            key="docs.statement_pdf",
        )
    with csv:
        render_download(
            "Statement (CSV)",
            lambda db: csv_documents.statement_csv(
                statements.location_statement(db, actor, location_id)
            ),
            file_name=f"statement-{slug}-{today}.csv",
            mime=CSV,
            key="docs.statement_csv",
        )
    first, last = format_date(period.start), format_date(period.last)
    st.markdown(f"**Ledger for {location_name}** — {first} to {last}")
    pdf, csv = st.columns(2)
    with pdf:
        render_download(
            "Ledger (PDF)",
            lambda db: pdf_documents.ledger_pdf(
                statements.location_ledger(db, actor, location_id, period.start, period.last)
            ),
            file_name=f"ledger-{slug}-{today}.pdf",
            mime=PDF,
            key="docs.ledger_pdf",
        )
    with csv:
        render_download(
            "Ledger (CSV)",
            lambda db: csv_documents.ledger_csv(
                statements.location_ledger(db, actor, location_id, period.start, period.last)
            ),
            file_name=f"ledger-{slug}-{today}.csv",
            mime=CSV,
            key="docs.ledger_csv",
        )


def render_family_documents(
    actor: Actor, period: DateRange, today: date, *, full_history: bool
) -> None:
    if full_history:
        st.markdown("**Combined statement, all locations**, with service dates")
        render_download(
            "Combined statement (PDF)",
            lambda db: pdf_documents.ledger_pdf(
                statements.combined_statement(db, actor, period.start, period.last)
            ),
            file_name=f"combined-statement-{today}.pdf",
            mime=PDF,
            key="docs.combined_pdf",
        )
    st.markdown("**Year-end statement** (tax, FSA, dependent care)")
    year = st.selectbox("Year", list(range(today.year, today.year - 6, -1)), key="docs.year")
    render_download(
        "Year-end statement (PDF)",
        lambda db: pdf_documents.year_end_pdf(year_end.year_end_statement(db, actor, year)),
        file_name=f"year-end-{year}.pdf",
        mime=PDF,
        key="docs.year_end_pdf",
    )
