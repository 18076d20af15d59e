"""Aged receivables: what families owe, by location and by the age of each unpaid charge.

A debit-side entry (a charge, a refund, a debit adjustment) is open for its amount less what
is allocated to it, exactly as `services.billing.ledger` counts a family's outstanding; so a
family's open amounts summed over every bucket and location are its outstanding, and the
report's net (open minus unapplied credit) is the sum of the families' balances. A void or
correction reduces what is open only through the allocation that pairs it with the entry it
reverses (docs/decisions-16-moneyview.md). Ages count from the entry's posting day at its
own location: current is 0–30 days, then 31–60, 61–90 and over 90.

Everything is summed in SQL; nothing loads entries into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    and_,
    case,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from data.models import Family, LedgerAllocation, LedgerEntry
from services.billing.csv_documents import csv_amount, frame_csv
from services.billing.money_report_scope import (
    ReportLocation,
    local_start,
    period_index,
    report_locations,
)
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.paging import Page, paged, search_filter
from services.kernel.settings import get_settings
from services.kernel.validation import require_id

BUCKETS = ("current", "31_60", "61_90", "over_90")
BUCKET_LABELS = {
    "current": "Current (0–30 days)",
    "31_60": "31–60 days",
    "61_90": "61–90 days",
    "over_90": "Over 90 days",
}
ALL_BUCKETS = "all"
_AGE_STARTS = (90, 60, 30)  # days before today where the 61–90, 31–60 and current buckets begin


@dataclass(frozen=True)
class LocationReceivables:
    location_id: int | None  # None on the total row
    location_name: str
    bucket_cents: tuple[int, ...]  # in BUCKETS order
    unapplied_credit_cents: int  # payments and credits not yet applied to a charge

    @property
    def open_cents(self) -> int:
        return sum(self.bucket_cents)

    @property
    def net_cents(self) -> int:
        """Owed less unapplied credit: the sum of the families' balances here."""
        return self.open_cents - self.unapplied_credit_cents


@dataclass(frozen=True)
class AgedReceivables:
    as_of: date  # today in the business's time zone
    currency: str
    locations: tuple[LocationReceivables, ...]
    total: LocationReceivables


@dataclass(frozen=True)
class OwingFamily:
    family_id: int
    family_name: str
    owed_cents: int
    open_charges: int
    oldest_on: date  # the posting day of its oldest open charge, at the location


def aged_receivables(db: Session, actor: Actor, location_id: int | None = None) -> AgedReceivables:
    """Open amounts per location and age bucket, with unapplied credit, for administrators."""
    places = report_locations(db, actor, location_id)
    settings = get_settings(db)
    as_of = clock.today_in(settings.time_zone)
    figures = _figures(db, places) if places else {}
    rows = tuple(_location_row(place, figures) for place in places)
    return AgedReceivables(as_of, settings.currency, rows, receivables_total(rows))


def receivables_total(rows: Sequence[LocationReceivables]) -> LocationReceivables:
    """The total row: the locations' figures added up."""
    return LocationReceivables(
        None,
        "Total",
        tuple(sum(r.bucket_cents[i] for r in rows) for i in range(len(BUCKETS))),
        sum(r.unapplied_credit_cents for r in rows),
    )


def receivable_families(
    db: Session,
    actor: Actor,
    location_id: int,
    bucket: str,
    search: str = "",
    page: int = 1,
) -> Page[OwingFamily]:
    """The families with something open in one bucket (or "all") at one location, most owed
    first: for the desk to chase. Searched by family name, one page at a time."""
    place = report_locations(db, actor, require_id(location_id, "location"))[0]
    index = _require_bucket(bucket)
    match = search_filter(search, Family.name)
    # Materialized, so each entry's allocations are summed once (SQLite and PostgreSQL would
    # otherwise repeat the subqueries for the filter, the sum and the date).
    open_rows = (
        _open_rows((place,), debit=True, within=_bucket_range(place, index))
        .cte("open_entries")
        .prefix_with("MATERIALIZED")
    )
    owed = func.sum(open_rows.c.open_cents)
    query = (
        select(
            Family.id,
            Family.name,
            owed.label("owed"),
            func.count().label("charges"),
            func.min(open_rows.c.posted_at).label("oldest"),
        )
        .join(Family, Family.id == open_rows.c.family_id)
        .where(open_rows.c.open_cents > 0, match)
        .group_by(Family.id, Family.name)
        .order_by(owed.desc(), Family.name, Family.id)
    )
    rows, total, number, pages = paged(db, query, page)
    zone = ZoneInfo(place.timezone)
    items = tuple(
        OwingFamily(
            family_id=row.id,
            family_name=row.name,
            owed_cents=int(row.owed),
            open_charges=int(row.charges),
            oldest_on=row.oldest.astimezone(zone).date(),
        )
        for row in rows
    )
    return Page(items, total, number, pages)


def aged_receivables_csv(report: AgedReceivables) -> bytes:
    """One row per location and a total row; amounts as plain numbers in the currency."""
    unit = report.currency.strip().upper()
    columns = [f"{BUCKET_LABELS[b]} ({unit})" for b in BUCKETS]
    rows = [*report.locations, report.total]
    frame = pd.DataFrame(
        {
            "Location": [r.location_name for r in rows],
            **{
                column: [csv_amount(r.bucket_cents[i]) for r in rows]
                for i, column in enumerate(columns)
            },
            f"Owed ({unit})": [csv_amount(r.open_cents) for r in rows],
            f"Unapplied credit ({unit})": [csv_amount(r.unapplied_credit_cents) for r in rows],
            f"Net ({unit})": [csv_amount(r.net_cents) for r in rows],
            "As of": [report.as_of for _ in rows],
        },
        dtype=object,
    )
    return frame_csv(frame)


def _require_bucket(bucket: object) -> int | None:
    """The bucket's index in BUCKETS (None for all buckets)."""
    if bucket == ALL_BUCKETS:
        return None
    if not isinstance(bucket, str) or bucket not in BUCKETS:
        raise ValidationError("Choose an age bucket: current, 31–60, 61–90 or over 90 days.")
    return BUCKETS.index(bucket)


def _age_starts(zone: str) -> list[date]:
    today = clock.today_in(zone)
    return [today - timedelta(days=days) for days in _AGE_STARTS]


def _bucket_range(place: ReportLocation, index: int | None) -> ColumnElement[bool]:
    """Entries posted within bucket `index` at one location (all for None): a plain range
    on `posted_at`, which the (location_id, posted_at) index serves."""
    if index is None:
        return true()
    # The starts ascend: 61–90, 31–60, current; BUCKETS run current, 31–60, 61–90, over 90.
    bounds = [local_start(day, place.timezone) for day in _age_starts(place.timezone)]
    low = bounds[2 - index] if index < 3 else None
    high = bounds[3 - index] if index > 0 else None
    return and_(
        true() if low is None else LedgerEntry.posted_at >= low,
        true() if high is None else LedgerEntry.posted_at < high,
    )


def _allocated(side: ColumnElement[int]) -> ColumnElement[int]:
    """Cents allocated to (or from) the entry of the outer query, by its own family only
    (as `services.billing.ledger` counts them)."""
    return (
        select(func.coalesce(func.sum(LedgerAllocation.amount_cents), 0))
        .where(side == LedgerEntry.id, LedgerAllocation.family_id == LedgerEntry.family_id)
        .scalar_subquery()
    )


def _allocated_per_entry(side: ColumnElement[int]) -> Subquery:
    """Cents allocated to (or from) every entry, by its own family: for a hash join."""
    return (
        select(
            side.label("entry_id"),
            LedgerAllocation.family_id,
            func.sum(LedgerAllocation.amount_cents).label("cents"),
        )
        .group_by(side, LedgerAllocation.family_id)
        .subquery()
    )


def _open_rows(
    places: tuple[ReportLocation, ...],
    *,
    debit: bool | None = None,
    within: ColumnElement[bool] | None = None,
    hash_join: bool = False,
) -> Select:
    """Each entry at `places` with its open cents and its age bucket (an index into BUCKETS).

    The allocations are a correlated sum per entry (an index lookup each: best on SQLite,
    and for one location anywhere), or with `hash_join` every entry's sum at once, joined
    (PostgreSQL over several locations: about three times faster at the large scale)."""
    debit_side = LedgerEntry.is_debit.is_(True)
    source: FromClause = LedgerEntry.__table__
    if hash_join:
        to_entry = _allocated_per_entry(LedgerAllocation.to_entry_id)
        from_entry = _allocated_per_entry(LedgerAllocation.from_entry_id)
        for sums in (to_entry, from_entry):
            source = source.outerjoin(
                sums,
                and_(sums.c.entry_id == LedgerEntry.id, sums.c.family_id == LedgerEntry.family_id),
            )
        allocated = func.coalesce(case((debit_side, to_entry.c.cents), else_=from_entry.c.cents), 0)
    else:
        allocated = case(
            (debit_side, _allocated(LedgerAllocation.to_entry_id)),
            else_=_allocated(LedgerAllocation.from_entry_id),
        )
    age = period_index(places, _age_starts)
    query: Select = (
        select(
            LedgerEntry.location_id,
            LedgerEntry.family_id,
            LedgerEntry.is_debit,
            LedgerEntry.posted_at,
            # The starts ascend: before the first is over 90 (-1), then 61–90, 31–60, current.
            (2 - age).label("bucket"),
            (LedgerEntry.amount_cents - allocated).label("open_cents"),
        )
        .select_from(source)
        .where(LedgerEntry.location_id.in_([p.id for p in places]))
    )
    if debit is not None:
        query = query.where(LedgerEntry.is_debit.is_(debit))
    if within is not None:
        query = query.where(within)
    return query


def _figures(
    db: Session, places: tuple[ReportLocation, ...], *, hash_join: bool | None = None
) -> dict[tuple[int, bool, int], int]:
    """(location, debit side, bucket) → open cents. Summed over every entry, as the ledger
    sums a family's outstanding (no filter: a filter on the open amount would make SQLite
    work out each entry's allocations twice)."""
    if hash_join is None:
        hash_join = db.get_bind().dialect.name == "postgresql" and len(places) > 1
    rows = _open_rows(places, hash_join=hash_join).subquery()
    query = select(
        rows.c.location_id, rows.c.is_debit, rows.c.bucket, func.sum(rows.c.open_cents)
    ).group_by(rows.c.location_id, rows.c.is_debit, rows.c.bucket)
    # PostgreSQL's SUM over integers is numeric (a Decimal here); the values are whole cents.
    return {
        (loc, bool(debit), int(bucket)): int(cents)
        for loc, debit, bucket, cents in db.execute(query)
    }


def _location_row(
    place: ReportLocation, figures: dict[tuple[int, bool, int], int]
) -> LocationReceivables:
    return LocationReceivables(
        place.id,
        place.label,
        tuple(figures.get((place.id, True, i), 0) for i in range(len(BUCKETS))),
        sum(figures.get((place.id, False, i), 0) for i in range(len(BUCKETS))),
    )
