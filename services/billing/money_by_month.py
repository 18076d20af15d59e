"""Charges, payments, credits, refunds and adjustments by month, for the owner's money view.

Each entry counts in the month of its posting day at its own location. The months are the
last 12, 24 or 36 ending with this month in the business's time zone. Amounts are summed in
SQL with one GROUP BY over a CASE of month boundaries (no date functions, so SQLite and
PostgreSQL run the same statement); at most 36 × 6 rows come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind
from services.billing.csv_documents import csv_amount, frame_csv
from services.billing.money_report_scope import (
    earliest_start,
    latest_start,
    period_index,
    report_locations,
)
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings

PERIODS = (12, 24, 36)
SERIES = {  # field → heading
    "charges_cents": "Charges",
    "payments_cents": "Payments",
    "credits_cents": "Credits",
    "refunds_cents": "Refunds",
    "adjustments_cents": "Adjustments (net)",
}


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    charges_cents: int = 0
    payments_cents: int = 0
    credits_cents: int = 0
    refunds_cents: int = 0
    adjustments_cents: int = 0  # debit adjustments less credit ones: + adds to what is owed


@dataclass(frozen=True)
class MoneyByMonth:
    currency: str
    scope: str  # "All locations", or the one location's name
    months: tuple[MonthFigures, ...]  # oldest first, every month of the period

    @property
    def total(self) -> MonthFigures:
        """The whole period's sums (dated its first month)."""
        return MonthFigures(
            self.months[0].month,
            **{field: sum(getattr(m, field) for m in self.months) for field in SERIES},
        )


def money_by_month(
    db: Session, actor: Actor, months: int = 12, location_id: int | None = None
) -> MoneyByMonth:
    """Sums per month over the last `months` months (12, 24 or 36), at one location or all;
    administrators only."""
    if isinstance(months, bool) or not isinstance(months, int) or months not in PERIODS:
        raise ValidationError("Choose a period of 12, 24 or 36 months.")
    places = report_locations(db, actor, location_id)
    settings = get_settings(db)
    starts = month_starts(clock.today_in(settings.time_zone), months)
    sums: dict[int, dict[str, int]] = {}
    if places:
        month = period_index(places, lambda _zone: starts).label("month")
        entries = (
            select(month, LedgerEntry.kind, LedgerEntry.is_debit, LedgerEntry.amount_cents)
            .where(
                LedgerEntry.location_id.in_([p.id for p in places]),
                LedgerEntry.posted_at >= earliest_start(places, starts[0]),
                LedgerEntry.posted_at < latest_start(places, starts[-1]),
            )
            .subquery()
        )
        # The exact month test on the groups, not on each row (the bounds above are the
        # widest over the time zones; the last start is next month's).
        query = (
            select(
                entries.c.month,
                entries.c.kind,
                entries.c.is_debit,
                func.sum(entries.c.amount_cents),
            )
            .group_by(entries.c.month, entries.c.kind, entries.c.is_debit)
            .having(entries.c.month.between(0, months - 1))
        )
        for index, kind, is_debit, cents in db.execute(query):
            field, sign = _series(LedgerKind(kind), bool(is_debit))
            figures = sums.setdefault(int(index), {})
            figures[field] = figures.get(field, 0) + sign * int(cents)
    scope = places[0].name if location_id is not None else "All locations"
    return MoneyByMonth(
        settings.currency,
        scope,
        tuple(MonthFigures(starts[i], **sums.get(i, {})) for i in range(months)),
    )


def money_by_month_frame(report: MoneyByMonth) -> pd.DataFrame:
    """The months as a table of integer cents (a column per series), oldest first."""
    return pd.DataFrame(
        {
            "month": [m.month for m in report.months],
            **{field: [getattr(m, field) for m in report.months] for field in SERIES},
        }
    )


def money_by_month_csv(report: MoneyByMonth) -> bytes:
    unit = report.currency.strip().upper()
    frame = pd.DataFrame(
        {
            "Month": [m.month.strftime("%Y-%m") for m in report.months],
            **{
                f"{heading} ({unit})": [csv_amount(getattr(m, field)) for m in report.months]
                for field, heading in SERIES.items()
            },
        },
        dtype=object,
    )
    return frame_csv(frame)


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the `months` months ending with today's, then of the next month."""
    first = today.year * 12 + today.month - 1 - (months - 1)
    return [date(m // 12, m % 12 + 1, 1) for m in range(first, first + months + 1)]


def _series(kind: LedgerKind, is_debit: bool) -> tuple[str, int]:
    if kind is LedgerKind.ADJUSTMENT:
        return "adjustments_cents", 1 if is_debit else -1
    return f"{kind.value}s_cents", 1
