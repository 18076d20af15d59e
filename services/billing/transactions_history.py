"""A family's transaction history: ledger entries as a pandas frame, and the period rule.

The SQL query narrows to one family (and one location) and the period, on the
`ix_ledger_entries_family_posted` / `ix_ledger_entries_family_location` indexes; pandas then
does the rest with small pure `df -> df` functions (`with_running_balance`, `only_kind`).

Rules:

- **Dates.** `posted_at` is UTC. An entry's date is the day it was posted *at its own
  location* (that location's time zone), both for display and for period filters: a payment
  taken at 9 pm in Chicago on 1 March belongs to 1 March, not 2 March. The SQL bound is
  widened by a day on each side (no zone is more than 14 hours from UTC) and the frame keeps
  the rows whose local date is inside the period.
- **Periods.** `DateRange` is half-open, `[start, end)`, as in fava: `end` is the first day
  *after* the period. People pick inclusive days (a first and a last day); `DateRange.inclusive`
  and `DateRange.last` convert. With the "full ledger history" setting off, a parent always
  gets the last 30 days ending today (today included), whatever was asked; with it on, the
  range asked for (at most ten years, not after today). Staff at the desk are not bound by
  the switch (as for every portal switch).
- **Signs.** `amount_cents` is signed: debit-side entries (charges, refunds, debit
  adjustments) positive, credit-side entries (payments, credits, credit adjustments)
  negative, so a running sum is the balance (what the family owes) exactly as
  `services.billing.ledger.Balance.balance_cents` counts it.
- **Running balance.** It starts from the balance of everything before the period (the
  frame's `LedgerMeta.opening_balance_cents`) and runs over every entry of the period in
  posting order. Compute it *before* filtering by type (`with_running_balance` refuses a
  filtered frame), so "Payments only" still shows the true balance after each payment.
- **Staff.** Staff who may see the family (`services.kernel.reach.reachable_family`) see all of its
  entries; a location filter must be one of their locations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind, Location, Student
from services.kernel import clock
from services.kernel.access import Actor, require_location
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import family_timezone, reachable_family
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.validation import require_id

RECENT_DAYS = 30  # the period parents get while "full ledger history" is off
MAX_PERIOD_YEARS = 10
EARLIEST_DAY = date(2000, 1, 1)

LedgerFilter = Literal["all", "charges", "payments", "refunds"]
LEDGER_FILTERS: Mapping[LedgerFilter, str] = MappingProxyType(
    {"all": "All", "charges": "Charges", "payments": "Payments", "refunds": "Refunds"}
)
_FILTER_KINDS: Mapping[LedgerFilter, frozenset[str]] = MappingProxyType(
    {
        "charges": frozenset({LedgerKind.CHARGE.value}),
        "payments": frozenset({LedgerKind.PAYMENT.value}),
        "refunds": frozenset({LedgerKind.REFUND.value}),
    }
)

# The frame's columns, in order, with their dtypes; `balance_cents` comes from
# `with_running_balance`. Cents are int64, never float.
LEDGER_DTYPES: Mapping[str, str] = MappingProxyType(
    {
        "entry_id": "int64",
        "date": "object",  # datetime.date, the day at the entry's location
        "service_date": "object",  # datetime.date or None: the period a charge is for
        "description": "str",
        "student": "str",  # "" when the entry is for the whole family
        "student_id": "Int64",
        "location": "str",
        "location_id": "int64",
        "type": "str",  # charge, payment, refund, credit, adjustment
        "amount_cents": "int64",  # debits positive, credits negative
    }
)
LEDGER_COLUMNS = tuple(LEDGER_DTYPES)
_META = "ledger"
_ZONE_MARGIN = timedelta(days=1)  # wider than any UTC offset


@dataclass(frozen=True)
class DateRange:
    """Half-open `[start, end)`: `start` is the first day in it, `end` the first day after."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError(f"empty DateRange {self.start}..{self.end}")

    @classmethod
    def inclusive(cls, first: date, last: date) -> DateRange:
        """The days from `first` to `last`, both included."""
        return cls(first, last + timedelta(days=1))

    @property
    def last(self) -> date:
        """The last day in the range (for display: "1 Nov – 30 Nov")."""
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end


@dataclass(frozen=True)
class LedgerMeta:
    """What a ledger frame covers; kept in `df.attrs` (read it with `ledger_meta`)."""

    family_id: int
    location_id: int | None
    period: DateRange
    full_history: bool  # False: the 30-day rule chose the period, whatever was asked
    opening_balance_cents: int  # the balance before `period.start`
    kind_filter: LedgerFilter = "all"


def ledger_period(
    settings: PortalSettings, today: date, start: date | None, end: date | None
) -> DateRange:
    """The period a ledger covers. `start` and `end` are the days picked, both included.

    Full history off: the last 30 days ending today, whatever was asked (the arguments are
    only type-checked). On: the days asked, defaulting to ten years back and to today.
    """
    if not isinstance(settings, PortalSettings):
        raise TypeError("ledger_period needs the PortalSettings")
    today = require_day(today, "today")
    start = None if start is None else require_day(start, "start date")
    end = None if end is None else require_day(end, "end date")
    if not settings.full_ledger_history:
        return DateRange.inclusive(today - timedelta(days=RECENT_DAYS - 1), today)
    last = today if end is None else end
    earliest_start = _first_day_of_years_ending(last, MAX_PERIOD_YEARS)
    if start is None:
        start = max(EARLIEST_DAY, earliest_start)
    if start > last:
        raise ValidationError("The start date must be on or before the end date.")
    if last > today:
        raise ValidationError(f"The end date cannot be after today ({long_date(today)}).")
    if start < EARLIEST_DAY:
        raise ValidationError(f"Choose a start date on or after {long_date(EARLIEST_DAY)}.")
    if start < earliest_start:
        raise ValidationError(f"Choose a period of at most {MAX_PERIOD_YEARS} years.")
    return DateRange.inclusive(start, last)


def _first_day_of_years_ending(last: date, years: int) -> date:
    """The first day of the `years` years that end on `last` (2026-11-24 → 2016-11-25)."""
    try:
        same_day = last.replace(year=last.year - years)
    except ValueError:  # 29 February
        same_day = last.replace(year=last.year - years, day=28)
    return same_day + timedelta(days=1)


def long_date(day: date) -> str:
    """24 November 2026 → "November 24, 2026" (the way statements print dates)."""
    return f"{day:%B} {day.day}, {day.year}"


def require_day(value: object, what: str) -> date:
    """A calendar day: a `date`, not a `datetime` (a subclass) nor text from a client."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ValidationError(f"The {what} is not a valid date.")
    return value


def location_in_reach(db: Session, actor: Actor, location_id: object) -> Location:
    """A location the actor may ask about: any existing one for guardians (their entries
    scope the answer), one of their own for staff (admins: all). Else "not found"."""
    location_id = require_id(location_id, "location")
    if actor.is_staff:
        require_location(actor, location_id)
    place = db.get(Location, location_id)
    if place is None:
        raise NotFound("location")
    return place


def family_ledger(
    db: Session,
    actor: Actor,
    *,
    family_id: int | None = None,
    location_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> pd.DataFrame:
    """The family's ledger entries in the period (see `ledger_period`), oldest first, with
    `LEDGER_COLUMNS`; `ledger_meta(df)` tells the period and the opening balance."""
    family_id = reachable_family(db, actor, family_id)
    place = None if location_id is None else location_in_reach(db, actor, location_id)
    settings = period_settings(db, actor)
    zone = place.timezone if place is not None else family_timezone(db, family_id)
    period = ledger_period(settings, clock.today_in(zone), start, end)
    return ledger_frame(
        db,
        family_id,
        location_id=None if place is None else place.id,
        period=period,
        full_history=settings.full_ledger_history,
    )


def period_settings(db: Session, actor: Actor) -> PortalSettings:
    """The settings as the period rule sees them: staff are never bound by the 30 days."""
    settings = get_settings(db)
    if actor.is_staff and not settings.full_ledger_history:
        return replace(settings, full_ledger_history=True)
    return settings


def ledger_frame(
    db: Session,
    family_id: int,
    *,
    location_id: int | None,
    period: DateRange,
    full_history: bool,
) -> pd.DataFrame:
    """The frame for a family already checked by the caller. Two indexed queries."""
    low = datetime.combine(period.start, time(), UTC) - _ZONE_MARGIN
    high = datetime.combine(period.end, time(), UTC) + _ZONE_MARGIN
    scope = [LedgerEntry.family_id == family_id]
    if location_id is not None:
        scope.append(LedgerEntry.location_id == location_id)
    signed = case((LedgerEntry.is_debit, LedgerEntry.amount_cents), else_=-LedgerEntry.amount_cents)
    before = int(
        db.scalar(
            select(func.coalesce(func.sum(signed), 0)).where(*scope, LedgerEntry.posted_at < low)
        )
        or 0
    )
    rows = db.execute(
        entries_query()
        .where(*scope, LedgerEntry.posted_at >= low, LedgerEntry.posted_at < high)
        .order_by(LedgerEntry.posted_at, LedgerEntry.id)
    ).all()
    # The SQL bounds are a day wider than the period; each entry's local day decides.
    zones: dict[str, ZoneInfo] = {}
    opening = before
    kept = []
    for row in rows:
        day = _local_day(row[1], row[12], zones)
        if day < period.start:
            opening += row[11] if row[10] else -row[11]
        elif day < period.end:
            kept.append((row, day))
    frame = _frame(kept)
    frame.attrs[_META] = LedgerMeta(
        family_id=family_id,
        location_id=location_id,
        period=period,
        full_history=full_history,
        opening_balance_cents=opening,
    )
    return frame


def entries_query(*extra: ColumnElement[Any]) -> Select[Any]:
    """The columns `entries_frame` reads, with their location and student, then `extra`."""
    return (
        select(
            LedgerEntry.id,
            LedgerEntry.posted_at,
            LedgerEntry.service_date,
            LedgerEntry.description,
            Student.first_name,
            Student.last_name,
            LedgerEntry.student_id,
            Location.name,
            LedgerEntry.location_id,
            LedgerEntry.kind,
            LedgerEntry.is_debit,
            LedgerEntry.amount_cents,
            Location.timezone,
            *extra,
        )
        .join(Location, Location.id == LedgerEntry.location_id)
        .outerjoin(Student, Student.id == LedgerEntry.student_id)
    )


def entries_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Rows of `entries_query()` (without extra columns) as a typed ledger frame."""
    zones: dict[str, ZoneInfo] = {}
    return _frame([(row, _local_day(row[1], row[12], zones)) for row in rows])


def _frame(items: Sequence[tuple[Sequence[Any], date]]) -> pd.DataFrame:
    """(entries_query row, its local day) pairs as the typed frame. Built column by column
    from Python lists: a page shows one family's entries, where pandas' own parsing and
    time-zone conversion cost several times the query."""
    rows = [row for row, _ in items]
    values: dict[str, list[Any]] = {
        "entry_id": [row[0] for row in rows],
        "date": [day for _, day in items],
        "service_date": [row[2] for row in rows],
        "description": [row[3] for row in rows],
        "student": [_name(row[4], row[5]) for row in rows],
        "student_id": [row[6] for row in rows],
        "location": [row[7] for row in rows],
        "location_id": [row[8] for row in rows],
        "type": [LedgerKind(row[9]).value for row in rows],
        "amount_cents": [row[11] if row[10] else -row[11] for row in rows],
    }
    return pd.DataFrame({c: _column(values[c], t) for c, t in LEDGER_DTYPES.items()}, copy=False)


def _column(values: list[Any], dtype: str) -> Any:
    """One column as an array of its dtype (a third of the cost of typed Series)."""
    if dtype == "int64":
        return np.array(values, dtype=np.int64)
    if dtype == "object":
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return pd.array(values, dtype=dtype)


def ledger_meta(df: pd.DataFrame) -> LedgerMeta:
    meta = df.attrs.get(_META)
    if not isinstance(meta, LedgerMeta):
        raise ValueError("not a ledger frame (build it with family_ledger)")
    return meta


def with_running_balance(df: pd.DataFrame) -> pd.DataFrame:
    """Adds `balance_cents`: the opening balance plus every entry up to and including the row.

    Call it on the whole period, before `only_kind`, so a filtered view keeps true balances.
    """
    meta = df.attrs.get(_META)
    opening = 0
    if isinstance(meta, LedgerMeta):
        if meta.kind_filter != "all":
            raise ValueError("compute the running balance before filtering by type")
        opening = meta.opening_balance_cents
    out = df.copy()
    out["balance_cents"] = (opening + df["amount_cents"].cumsum()).astype("int64")
    return out


def only_kind(df: pd.DataFrame, filter: LedgerFilter) -> pd.DataFrame:
    """The rows one Transaction History filter shows: All (every entry), Charges, Payments
    or Refunds. Credits and adjustments appear under All only."""
    if not isinstance(filter, str) or filter not in get_args(LedgerFilter):
        raise ValidationError("Choose All, Charges, Payments or Refunds.")
    out = df if filter == "all" else df.loc[df["type"].isin(_FILTER_KINDS[filter])]
    out = out.reset_index(drop=True)
    meta = df.attrs.get(_META)
    if isinstance(meta, LedgerMeta):
        out.attrs[_META] = replace(meta, kind_filter=filter)
    return out


def _local_day(posted: datetime, zone: str, zones: dict[str, ZoneInfo]) -> date:
    """A UTC timestamp as the calendar day at its own location."""
    where = zones.get(zone)
    if where is None:
        where = zones[zone] = ZoneInfo(zone)
    return posted.astimezone(where).date()


def _name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()
