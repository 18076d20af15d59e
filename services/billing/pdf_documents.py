"""Statements, ledgers, year-end statements and receipts as PDF files: what each document
prints, drawn on `services.billing.pdf_page` (the CSV files are in
`services.billing.csv_documents`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from typing import Any

from services.billing.document_header import DocumentHeader
from services.billing.pdf_page import Column, _Pdf
from services.billing.receipt_document import Receipt
from services.billing.statements import LedgerReport, Statement
from services.billing.year_end import YearEnd
from services.kernel.money import format_cents

_STATEMENT_COLUMNS = (
    Column("Date", 22),
    Column("Description", 64),
    Column("Student", 34),
    Column("Amount", 20, numeric=True),
    Column("Paid", 20, numeric=True),
    Column("Due", 20, numeric=True),
)
_LEDGER_COLUMNS = (
    Column("Date", 22),
    Column("Service date", 22),
    Column("Description", 48),
    Column("Student", 28),
    Column("Type", 20),
    Column("Amount", 20, numeric=True),
    Column("Balance", 20, numeric=True),
)
_COMBINED_COLUMNS = (
    Column("Date", 22),
    Column("Service date", 22),
    Column("Description", 36),
    Column("Student", 24),
    Column("Location", 20),
    Column("Type", 18),
    Column("Amount", 20, numeric=True),
    Column("Balance", 20, numeric=True),
)
_YEAR_END_STUDENT_COLUMNS = (
    Column("Student", 90),
    Column("Paid", 30, numeric=True),
    Column("Refunded", 30, numeric=True),
    Column("Net", 30, numeric=True),
)
_YEAR_END_ENTRY_COLUMNS = (
    Column("Date", 22),
    Column("Description", 62),
    Column("Student", 30),
    Column("Location", 26),
    Column("Type", 20),
    Column("Amount", 20, numeric=True),
)
_RECEIPT_COLUMNS = (
    Column("Charge", 90),
    Column("Student", 40),
    Column("Service date", 25),
    Column("Amount", 25, numeric=True),
)


def _day(value: object) -> str:
    if isinstance(value, date):
        return f"{value:%b} {value.day}, {value.year}"
    return ""


def _family_facts(header: DocumentHeader) -> list[tuple[str, object]]:
    facts: list[tuple[str, object]] = [("Family", header.family_name)]
    if header.guardian_name:
        facts.append(("Guardian", header.guardian_name))
    return facts


def statement_pdf(statement: Statement) -> bytes:
    header = statement.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    facts += [
        ("Statement date", _day(header.issued_on)),
        ("Total due", money(statement.total_due_cents)),
    ]
    if statement.credit_cents:
        facts.append(("Unapplied credit", money(statement.credit_cents)))
    pdf.top(facts)
    if statement.lines.empty:
        pdf.ln(3)
        pdf.line_of("Nothing is owed at this location.")
        return pdf.finish()
    rows = [
        (
            _day(line.date),
            line.description,
            line.student,
            money(int(line.amount_cents)),
            money(int(line.paid_cents)),
            money(int(line.due_cents)),
        )
        for line in statement.lines.itertuples(index=False)
    ]
    rows.append(("", "Total due", "", "", "", money(statement.total_due_cents)))
    pdf.grid(_STATEMENT_COLUMNS, rows)
    return pdf.finish()


def ledger_pdf(report: LedgerReport) -> bytes:
    """The location ledger, or the combined statement (with a Location column)."""
    header = report.header
    money = functools.partial(format_cents, currency=header.currency)
    every_location = report.location_id is None
    pdf = _Pdf(header)
    period = f"{_day(report.period.start)} – {_day(report.period.last)}"
    if not report.full_history:
        period += " (the last 30 days)"
    facts = _family_facts(header)
    facts += [
        ("Date", _day(header.issued_on)),
        ("Period", period),
        ("Opening balance", money(report.opening_balance_cents)),
        ("Charges and refunds", money(report.debits_cents)),
        ("Payments and credits", money(-report.credits_cents)),
        ("Closing balance", money(report.closing_balance_cents)),
    ]
    pdf.top(facts)
    where: list[object] = [""] if every_location else []
    opening = money(report.opening_balance_cents)
    rows: list[Sequence[object]] = [
        [_day(report.period.start), "", "Opening balance", "", *where, "", "", opening]
    ]
    for line in report.lines.itertuples(index=False):
        where = [line.location] if every_location else []
        rows.append(
            [
                _day(line.date),
                _day(line.service_date),
                line.description,
                line.student,
                *where,
                line.type,
                money(int(line.amount_cents)),
                money(int(line.balance_cents)),
            ]
        )
    pdf.grid(_COMBINED_COLUMNS if every_location else _LEDGER_COLUMNS, rows)
    return pdf.finish()


combined_statement_pdf = ledger_pdf


def year_end_pdf(year_end: YearEnd) -> bytes:
    header = year_end.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    if header.business_tax_id:
        facts.append(("Tax id", header.business_tax_id))
    facts += [
        ("Year", str(year_end.year)),
        ("Date", _day(header.issued_on)),
        ("Paid", money(year_end.total_paid_cents)),
        ("Refunded", money(year_end.total_refunded_cents)),
        ("Net paid", money(year_end.total_net_cents)),
    ]
    pdf.top(facts)
    if year_end.entries.empty:
        pdf.ln(3)
        pdf.line_of(f"No payments or refunds in {year_end.year}.")
        return pdf.finish()
    per_student = [
        (
            row.student,
            money(int(row.paid_cents)),
            money(int(row.refunded_cents)),
            money(int(row.net_cents)),
        )
        for row in year_end.students.itertuples(index=False)
    ]
    per_student.append(
        (
            "Total",
            money(year_end.total_paid_cents),
            money(year_end.total_refunded_cents),
            money(year_end.total_net_cents),
        )
    )
    pdf.grid(_YEAR_END_STUDENT_COLUMNS, per_student)
    pdf.ln(2)
    pdf.line_of("Payments and refunds", bold=True)
    entries = [
        (
            _day(row.date),
            row.description,
            row.student,
            row.location,
            row.type,
            money(int(row.amount_cents)),
        )
        for row in year_end.entries.itertuples(index=False)
    ]
    pdf.grid(_YEAR_END_ENTRY_COLUMNS, entries)
    return pdf.finish()


def receipt_pdf(receipt: Receipt) -> bytes:
    header = receipt.header
    money = functools.partial(format_cents, currency=header.currency)
    pdf = _Pdf(header)
    facts = _family_facts(header)
    facts += [
        ("Receipt number", receipt.receipt_number),
        ("Date paid", _day(receipt.paid_on)),
        ("Amount paid", money(receipt.amount_cents)),
        ("Description", receipt.description),
    ]
    if receipt.student:
        facts.append(("Student", receipt.student))
    if receipt.reference:
        facts.append(("Reference", receipt.reference))
    if receipt.reversed:
        facts.append(("Note", "This payment was later reversed."))
    pdf.top(facts)
    if not receipt.applied.empty:
        pdf.ln(2)
        pdf.line_of("Applied to", bold=True)
        rows: list[Sequence[Any]] = [
            (row.description, row.student, _day(row.service_date), money(int(row.amount_cents)))
            for row in receipt.applied.itertuples(index=False)
        ]
        pdf.grid(_RECEIPT_COLUMNS, rows)
    if receipt.unapplied_cents:
        pdf.facts([("Credit on account", money(receipt.unapplied_cents))])
    return pdf.finish()
