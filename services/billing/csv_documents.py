"""Statements and ledgers as CSV files for spreadsheets (the PDFs are in
`services.billing.pdf_documents`).

- UTF-8 with a byte-order mark, so Excel opens accents and CJK correctly; `\\r\\n` rows.
- Formula-safe: a text cell whose first character, or first after leading white space, is
  `=`, `+`, `-`, `@` (or their full-width forms), a tab, CR or LF gets a leading `'`.
- Amounts stay numeric: dollars and cents as plain decimals without separators or symbol,
  "12.50", with a leading minus for credits ("-5.00"); the column heading names the
  currency. Dates are ISO (2026-11-24).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date

import pandas as pd

from services.billing.statements import LedgerReport, Statement

_FORMULA_STARTS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_BOM = "\ufeff"


class _Number(str):
    """A cell we formatted as a number ourselves; never neutralised."""

    __slots__ = ()


def csv_amount(cents: int) -> str:
    """1250 → "12.50", -500 → "-5.00": numeric for spreadsheets, exact (no float)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"csv_amount needs integer cents, got {type(cents).__name__}")
    whole, part = divmod(abs(cents), 100)
    return _Number(f"{'-' if cents < 0 else ''}{whole}.{part:02d}")


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading `'` when it could start one."""
    if text[:1] in _FORMULA_STARTS or text.lstrip()[:1] in _FORMULA_STARTS:
        return "'" + text
    return text


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return safe_cell(str(value))


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return (_BOM + buffer.getvalue()).encode("utf-8")


def frame_csv(frame: pd.DataFrame) -> bytes:
    """Any table of figures as formula-safe CSV (the staff charts' "numbers" downloads)."""
    return _csv([list(frame.columns), *frame.itertuples(index=False, name=None)])


def _unit(currency: str) -> str:
    return currency.strip().upper()


def statement_csv(statement: Statement) -> bytes:
    """One row per open charge, then a "Total due" row."""
    unit = _unit(statement.header.currency)
    heading = ["Date", "Service date", "Description", "Student", "Type"]
    heading += [f"Amount ({unit})", f"Paid ({unit})", f"Due ({unit})"]
    rows: list[Sequence[object]] = [heading]
    for line in statement.lines.itertuples(index=False):
        rows.append(
            [
                line.date,
                line.service_date,
                line.description,
                line.student,
                line.type,
                csv_amount(int(line.amount_cents)),
                csv_amount(int(line.paid_cents)),
                csv_amount(int(line.due_cents)),
            ]
        )
    rows.append(["", "", "Total due", "", "", "", "", csv_amount(statement.total_due_cents)])
    return _csv(rows)


def ledger_csv(report: LedgerReport) -> bytes:
    """An "Opening balance" row, then one row per entry with the running balance. Serves
    the location ledger and the combined statement alike."""
    unit = _unit(report.header.currency)
    heading = ["Date", "Service date", "Description", "Student", "Location", "Type"]
    heading += [f"Amount ({unit})", f"Balance ({unit})"]
    rows: list[Sequence[object]] = [heading]
    opening = csv_amount(report.opening_balance_cents)
    rows.append([report.period.start, "", "Opening balance", "", "", "", "", opening])
    for line in report.lines.itertuples(index=False):
        rows.append(
            [
                line.date,
                line.service_date,
                line.description,
                line.student,
                line.location,
                line.type,
                csv_amount(int(line.amount_cents)),
                csv_amount(int(line.balance_cents)),
            ]
        )
    return _csv(rows)


combined_statement_csv = ledger_csv
