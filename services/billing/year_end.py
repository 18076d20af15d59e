"""Year-end statements, built as data for the Transactions page and `year_end_pdf`.

A **year-end statement** counts money actually paid in a calendar year (cash basis, by the
day at each entry's location): payments minus refunds; a payment or refund that a later
entry reverses (a bounced cheque, a charge-back) is left out. A payment counts for the students
whose charges it was applied to; the unapplied rest counts for the payment's own student,
or for the family. A refund counts for its student, or for the family. It is not bound by
the 30-day rule: it is a tax document. Access is checked like `family_ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import LedgerAllocation, LedgerEntry, LedgerKind, Student
from services.billing.document_header import DocumentHeader, _full_name, _header
from services.billing.transactions_history import EARLIEST_DAY, DateRange, ledger_frame
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.reach import family_timezone, reachable_family
from services.kernel.settings import get_settings

FAMILY_ACCOUNT = "Family account"  # year-end money not tied to one student


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
