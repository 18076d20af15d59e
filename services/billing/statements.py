"""Statements, ledger reports, year-end statements and receipts, built as data for the
Transactions page and for `services.billing.documents` (PDF and CSV).

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
- A **year-end statement** counts money actually paid in a calendar year (cash basis, by the
  day at each entry's location): payments minus refunds; a payment or refund that a later
  entry reverses (a bounced cheque, a charge-back) is left out. A payment counts for the students
  whose charges it was applied to; the unapplied rest counts for the payment's own student,
  or for the family. A refund counts for its student, or for the family. It is not bound by
  the 30-day rule: it is a tax document.
- A **receipt** is one payment of the family, with what it was applied to.

Every function checks access like `family_ledger`: a guardian reaches their own family, staff
a family seen at one of their locations and only their own locations; anything else answers
like a missing record.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Select, Subquery, exists, func, select
from sqlalchemy.orm import Session

from data.models import (
    Family,
    Guardian,
    LedgerAllocation,
    LedgerEntry,
    LedgerKind,
    Location,
    Student,
)
from services.billing.ledger import LedgerInconsistent, family_balance
from services.billing.transactions_history import (
    EARLIEST_DAY,
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
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.reach import family_timezone, reachable_family
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.validation import require_id

ALL_LOCATIONS = "All locations"
FAMILY_ACCOUNT = "Family account"  # year-end money not tied to one student


@dataclass(frozen=True)
class DocumentHeader:
    """The top of every document."""

    title: str  # "Statement", "Ledger", "Combined statement", "Year-end statement", "Receipt"
    business_name: str
    business_address: str
    business_tax_id: str
    family_name: str
    guardian_name: str  # the primary guardian; "" when the family has none
    location_name: str  # ALL_LOCATIONS when the document spans every location
    location_address: str
    issued_on: date  # today at the location (or where the family is, for all locations)
    currency: str

    def file_stem(self, *parts: object) -> str:
        """An ASCII file name without extension, e.g. "statement-northside-2026-11-24"."""
        words = [self.title, self.location_name, *parts, self.issued_on.isoformat()]
        return "-".join(filter(None, (_slug(str(w)) for w in words)))


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


@dataclass(frozen=True, eq=False)
class YearEnd:
    """Money paid in one calendar year, per student.

    `students` columns: student, paid_cents, refunded_cents, net_cents (a FAMILY_ACCOUNT row
    last when some money is not tied to a student). `entries` columns: entry_id, date,
    description, student, location, type (payment/refund), amount_cents (positive).
    """

    header: DocumentHeader
    family_id: int
    year: int
    students: pd.DataFrame = field(repr=False)
    entries: pd.DataFrame = field(repr=False)
    total_paid_cents: int
    total_refunded_cents: int

    @property
    def total_net_cents(self) -> int:
        return self.total_paid_cents - self.total_refunded_cents


@dataclass(frozen=True, eq=False)
class Receipt:
    """One payment. `applied` columns: entry_id, description, student, service_date,
    amount_cents (what this payment paid of each charge)."""

    header: DocumentHeader
    family_id: int
    entry_id: int
    receipt_number: str
    paid_on: date
    amount_cents: int
    description: str
    reference: str  # the gateway's id or cheque number; "" when none
    student: str
    applied: pd.DataFrame = field(repr=False)
    unapplied_cents: int
    reversed: bool  # a later entry reverses this payment


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


def year_end_statement(
    db: Session, actor: Actor, year: int, *, family_id: int | None = None
) -> YearEnd:
    """Payments and refunds of one calendar year, per student (tax, FSA, dependent care)."""
    family_id = reachable_family(db, actor, family_id)
    this_year = clock.today_in(family_timezone(db, family_id)).year
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationError("Choose a year.")
    if not EARLIEST_DAY.year <= year <= this_year:
        raise ValidationError(f"Choose a year from {EARLIEST_DAY.year} to {this_year}.")
    period = DateRange(date(year, 1, 1), date(year + 1, 1, 1))
    frame = ledger_frame(db, family_id, location_id=None, period=period, full_history=True)
    money = frame.loc[frame["type"].isin([LedgerKind.PAYMENT.value, LedgerKind.REFUND.value])]
    money = money.loc[~money["entry_id"].isin(_reversed(db, family_id, money["entry_id"]))]
    money = money.assign(amount_cents=money["amount_cents"].abs()).reset_index(drop=True)
    students = _per_student(db, family_id, money)
    paid = money.loc[money["type"] == LedgerKind.PAYMENT.value, "amount_cents"]
    refunded = money.loc[money["type"] == LedgerKind.REFUND.value, "amount_cents"]
    settings = get_settings(db)
    return YearEnd(
        header=_header(db, settings, "Year-end statement", family_id, None),
        family_id=family_id,
        year=year,
        students=students,
        entries=money[
            ["entry_id", "date", "description", "student", "location", "type", "amount_cents"]
        ],
        total_paid_cents=int(paid.sum()),
        total_refunded_cents=int(refunded.sum()),
    )


def payment_receipt(db: Session, actor: Actor, entry_id: int) -> Receipt:
    """The receipt for one payment of the family (any other entry answers "not found")."""
    entry_id = require_id(entry_id, "payment")
    entry = db.get(LedgerEntry, entry_id)
    if entry is None or entry.kind is not LedgerKind.PAYMENT:
        raise NotFound("payment")
    try:
        reachable_family(db, actor, entry.family_id)
    except NotFound:
        raise NotFound("payment") from None
    place = db.get(Location, entry.location_id)
    assert place is not None  # a foreign key
    student = db.get(Student, entry.student_id) if entry.student_id is not None else None
    applied = _applied(db, entry)
    reversed_ = db.scalar(select(exists().where(LedgerEntry.reverses_entry_id == entry.id)))
    settings = get_settings(db)
    return Receipt(
        header=_header(db, settings, "Receipt", entry.family_id, place),
        family_id=entry.family_id,
        entry_id=entry.id,
        receipt_number=f"R-{entry.id:08d}",
        paid_on=entry.posted_at.astimezone(ZoneInfo(place.timezone)).date(),
        amount_cents=entry.amount_cents,
        description=entry.description,
        reference=entry.external_ref or "",
        student=_full_name(student.first_name, student.last_name) if student else "",
        applied=applied,
        unapplied_cents=entry.amount_cents - int(applied["amount_cents"].sum()),
        reversed=bool(reversed_),
    )


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


def _header(
    db: Session, settings: PortalSettings, title: str, family_id: int, place: Location | None
) -> DocumentHeader:
    family = db.get(Family, family_id)
    assert family is not None  # reachable_family checked it
    guardian = db.execute(
        select(Guardian.first_name, Guardian.last_name).where(
            Guardian.family_id == family_id, Guardian.is_primary.is_(True)
        )
    ).first()
    zone = place.timezone if place is not None else family_timezone(db, family_id)
    return DocumentHeader(
        title=title,
        business_name=settings.business_name,
        business_address=settings.business_address,
        business_tax_id=settings.business_tax_id,
        family_name=family.name,
        guardian_name=" ".join(guardian).strip() if guardian else "",
        location_name=place.name if place is not None else ALL_LOCATIONS,
        location_address=_address(place) if place is not None else "",
        issued_on=clock.today_in(zone),
        currency=settings.currency,
    )


def _address(place: Location) -> str:
    region = " ".join(filter(None, (place.region, place.postal_code)))
    return ", ".join(filter(None, (place.address_line1, place.city, region)))


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


def _reversed(db: Session, family_id: int, entry_ids: pd.Series) -> list[int]:
    """Those of `entry_ids` that a later entry reverses (a bounced payment, say)."""
    if entry_ids.empty:
        return []
    return list(
        db.scalars(
            select(LedgerEntry.reverses_entry_id).where(
                LedgerEntry.family_id == family_id,
                LedgerEntry.reverses_entry_id.in_([int(i) for i in entry_ids]),
            )
        )
    )


def _applied(db: Session, payment: LedgerEntry) -> pd.DataFrame:
    frame = _entries_and_cents(
        db,
        entries_query(LedgerAllocation.amount_cents)
        .join(LedgerAllocation, LedgerAllocation.to_entry_id == LedgerEntry.id)
        .where(
            LedgerAllocation.family_id == payment.family_id,
            LedgerAllocation.from_entry_id == payment.id,
        )
        .order_by(LedgerEntry.posted_at, LedgerEntry.id, LedgerAllocation.id),
    )
    return frame[["entry_id", "description", "student", "service_date", "cents"]].rename(
        columns={"cents": "amount_cents"}
    )


def _entries_and_cents(db: Session, query: Select[Any]) -> pd.DataFrame:
    """An `entries_query(one more cents column)` as a ledger frame with a `cents` column."""
    rows = db.execute(query).all()
    frame = entries_frame(row[:-1] for row in rows)
    frame["cents"] = pd.Series([int(row[-1]) for row in rows], dtype="int64")
    return frame


def _per_student(db: Session, family_id: int, money: pd.DataFrame) -> pd.DataFrame:
    """Paid, refunded and net per student: a payment by the students of the charges it was
    applied to, its unapplied rest and every refund by their own student (else the family)."""
    names = {
        sid: _full_name(first, last)
        for sid, first, last in db.execute(
            select(Student.id, Student.first_name, Student.last_name).where(
                Student.family_id == family_id
            )
        )
    }
    payments = money.loc[money["type"] == LedgerKind.PAYMENT.value]
    refunds = money.loc[money["type"] == LedgerKind.REFUND.value]
    parts: list[tuple[int | None, int, int]] = []  # (student id, paid, refunded)
    applied: dict[int, int] = {}
    if not payments.empty:
        for source, student_id, cents in db.execute(
            select(
                LedgerAllocation.from_entry_id,
                LedgerEntry.student_id,
                func.sum(LedgerAllocation.amount_cents),
            )
            .join(LedgerEntry, LedgerEntry.id == LedgerAllocation.to_entry_id)
            .where(
                LedgerAllocation.family_id == family_id,
                LedgerAllocation.from_entry_id.in_([int(i) for i in payments["entry_id"]]),
            )
            .group_by(LedgerAllocation.from_entry_id, LedgerEntry.student_id)
        ):
            parts.append((student_id, int(cents), 0))
            applied[source] = applied.get(source, 0) + int(cents)
    for entry_id, student_id, amount in payments[
        ["entry_id", "student_id", "amount_cents"]
    ].itertuples(index=False):
        rest = int(amount) - applied.get(int(entry_id), 0)
        if rest:
            parts.append((None if pd.isna(student_id) else int(student_id), rest, 0))
    for student_id, amount in refunds[["student_id", "amount_cents"]].itertuples(index=False):
        parts.append((None if pd.isna(student_id) else int(student_id), 0, int(amount)))
    table = pd.DataFrame(parts, columns=["student_id", "paid_cents", "refunded_cents"])
    table = table.astype({"student_id": "Int64", "paid_cents": "int64", "refunded_cents": "int64"})
    sums = table.groupby("student_id", dropna=False, sort=False)[
        ["paid_cents", "refunded_cents"]
    ].sum()
    rows = [
        (FAMILY_ACCOUNT if pd.isna(sid) else names.get(int(sid), FAMILY_ACCOUNT), int(p), int(r))
        for sid, (p, r) in zip(sums.index, sums.itertuples(index=False), strict=True)
    ]
    rows.sort(key=lambda row: (row[0] == FAMILY_ACCOUNT, row[0].casefold()))
    out = pd.DataFrame(
        {
            "student": pd.Series([r[0] for r in rows], dtype="str"),
            "paid_cents": pd.Series([r[1] for r in rows], dtype="int64"),
            "refunded_cents": pd.Series([r[2] for r in rows], dtype="int64"),
        }
    )
    out["net_cents"] = (out["paid_cents"] - out["refunded_cents"]).astype("int64")
    return out


def _full_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
