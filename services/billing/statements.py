"""Location statements, ledger reports and combined statements, built as data for the
Transactions page and for the PDF and CSV files (`services.billing.pdf_documents`,
`services.billing.csv_documents`). Year-end statements are in `services.billing.year_end`,
receipts in `services.billing.receipt_document`.

- A **location statement** lists what is still owed at one location today: every debit-side
  entry there (charge, refund, debit adjustment) with its unpaid remainder. Its total due is
  `services.billing.ledger.family_balance(..., location_id=...).outstanding_cents`; the lines are
  checked against it and a mismatch raises `LedgerInconsistent` rather than print a wrong
  number.
- A **ledger report** is every entry at one location in a period (see
  `transactions_history.ledger_period`: the last 30 days for parents unless full history is
  on), with opening and closing balance. A **combined statement** is the same across every
  location, for any period, only while "full ledger history" is on (parents get
  `FeatureDisabled` otherwise; staff are not bound by portal switches).

Every function checks access like `family_ledger`: a guardian reaches their own family, staff
a family seen at one of their locations and only their own locations; anything else answers
like a missing record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from data.models import LedgerAllocation, LedgerEntry, Location
from services.billing.document_header import DocumentHeader, _header
from services.billing.ledger import LedgerInconsistent, family_balance
from services.billing.transactions_history import (
    DateRange,
    entries_frame,
    entries_query,
    ledger_frame,
    ledger_meta,
    ledger_period,
    location_in_reach,
    period_settings,
    with_running_balance,
)
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled
from services.kernel.reach import family_timezone, reachable_family
from services.kernel.settings import PortalSettings, get_settings


# Frozen holders of data frames: eq=False, since frames do not compare as one bool.
@dataclass(frozen=True, eq=False)
class Statement:
    """Outstanding charges at one location today.

    `lines` columns: entry_id, date, service_date, description, student, type, amount_cents,
    paid_cents, due_cents (all cents int64; only lines with something due).
    """

    header: DocumentHeader
    family_id: int
    location_id: int
    lines: pd.DataFrame = field(repr=False)
    total_due_cents: int  # == family_balance(..., location_id).outstanding_cents
    credit_cents: int  # unapplied payments and credits at the location, not subtracted


@dataclass(frozen=True, eq=False)
class LedgerReport:
    """Every entry in a period, at one location (`location_id`) or all (None).

    `lines` columns: `transactions_history.LEDGER_COLUMNS` plus balance_cents (running).
    """

    header: DocumentHeader
    family_id: int
    location_id: int | None
    period: DateRange
    full_history: bool  # False: the 30-day rule chose the period; the page says so
    lines: pd.DataFrame = field(repr=False)
    opening_balance_cents: int
    closing_balance_cents: int
    debits_cents: int  # charges, refunds, debit adjustments in the period
    credits_cents: int  # payments, credits, credit adjustments in the period (positive)


def location_statement(
    db: Session, actor: Actor, location_id: int, *, family_id: int | None = None
) -> Statement:
    """What the family owes at one location today, charge by charge."""
    family_id = reachable_family(db, actor, family_id)
    place = location_in_reach(db, actor, location_id)
    balance = family_balance(db, actor, family_id, location_id=place.id)
    lines = _open_debits(db, family_id, place.id)
    listed = int(lines["due_cents"].sum())
    if listed != balance.outstanding_cents:
        raise LedgerInconsistent(
            f"Family {family_id}: the open charges at {place.name} add up to {listed} cents "
            f"but the outstanding balance is {balance.outstanding_cents} cents."
        )
    settings = get_settings(db)
    return Statement(
        header=_header(db, settings, "Statement", family_id, place),
        family_id=family_id,
        location_id=place.id,
        lines=lines,
        total_due_cents=balance.outstanding_cents,
        credit_cents=balance.credit_cents,
    )


def location_ledger(
    db: Session,
    actor: Actor,
    location_id: int,
    start: date | None,
    end: date | None,
    *,
    family_id: int | None = None,
) -> LedgerReport:
    """Every charge, payment, refund, credit and adjustment at one location in the period."""
    family_id = reachable_family(db, actor, family_id)
    place = location_in_reach(db, actor, location_id)
    settings = period_settings(db, actor)
    period = ledger_period(settings, clock.today_in(place.timezone), start, end)
    return _report(db, settings, "Ledger", family_id, place, period)


def combined_statement(
    db: Session,
    actor: Actor,
    start: date | None,
    end: date | None,
    *,
    family_id: int | None = None,
) -> LedgerReport:
    """Every entry at every location in any period, with service dates; needs full history."""
    family_id = reachable_family(db, actor, family_id)
    settings = period_settings(db, actor)
    if not settings.full_ledger_history:
        raise FeatureDisabled(
            "Statements for other periods and all locations are not available here; "
            "the ledger for each location covers the last 30 days."
        )
    period = ledger_period(settings, clock.today_in(family_timezone(db, family_id)), start, end)
    return _report(db, settings, "Combined statement", family_id, None, period)


def _report(
    db: Session,
    settings: PortalSettings,
    title: str,
    family_id: int,
    place: Location | None,
    period: DateRange,
) -> LedgerReport:
    frame = ledger_frame(
        db,
        family_id,
        location_id=None if place is None else place.id,
        period=period,
        full_history=settings.full_ledger_history,
    )
    meta = ledger_meta(frame)
    lines = with_running_balance(frame)
    amounts = lines["amount_cents"]
    return LedgerReport(
        header=_header(db, settings, title, family_id, place),
        family_id=family_id,
        location_id=None if place is None else place.id,
        period=period,
        full_history=settings.full_ledger_history,
        lines=lines,
        opening_balance_cents=meta.opening_balance_cents,
        closing_balance_cents=meta.opening_balance_cents + int(amounts.sum()),
        debits_cents=int(amounts[amounts > 0].sum()),
        credits_cents=-int(amounts[amounts < 0].sum()),
    )


def _allocated_to(family_id: int) -> Subquery:
    """Cents applied to each debit-side entry, counted as services.billing.ledger counts them."""
    return (
        select(
            LedgerAllocation.to_entry_id.label("entry_id"),
            func.sum(LedgerAllocation.amount_cents).label("cents"),
        )
        .where(LedgerAllocation.family_id == family_id)
        .group_by(LedgerAllocation.to_entry_id)
        .subquery()
    )


def _open_debits(db: Session, family_id: int, location_id: int) -> pd.DataFrame:
    allocated = _allocated_to(family_id)
    paid = func.coalesce(allocated.c.cents, 0)
    frame = _entries_and_cents(
        db,
        entries_query(paid)
        .outerjoin(allocated, allocated.c.entry_id == LedgerEntry.id)
        .where(
            LedgerEntry.family_id == family_id,
            LedgerEntry.location_id == location_id,
            LedgerEntry.is_debit.is_(True),
            LedgerEntry.amount_cents - paid > 0,
        )
        .order_by(LedgerEntry.posted_at, LedgerEntry.id),
    ).rename(columns={"cents": "paid_cents"})
    frame["due_cents"] = (frame["amount_cents"] - frame["paid_cents"]).astype("int64")
    return frame[
        [
            "entry_id",
            "date",
            "service_date",
            "description",
            "student",
            "type",
            "amount_cents",
            "paid_cents",
            "due_cents",
        ]
    ]


def _entries_and_cents(db: Session, query: Select[Any]) -> pd.DataFrame:
    """An `entries_query(one more cents column)` as a ledger frame with a `cents` column."""
    rows = db.execute(query).all()
    frame = entries_frame(row[:-1] for row in rows)
    frame["cents"] = pd.Series([int(row[-1]) for row in rows], dtype="int64")
    return frame
