"""A receipt for one payment of the family, with what it was applied to, built as data for
the Transactions page and `receipt_pdf`. Access is checked like `family_ledger`; any entry
that is not a payment the actor reaches answers "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from data.models import LedgerAllocation, LedgerEntry, LedgerKind, Location, Student
from services.billing.document_header import DocumentHeader, _full_name, _header
from services.billing.statements import _entries_and_cents
from services.billing.transactions_history import entries_query
from services.kernel.access import Actor
from services.kernel.errors import NotFound
from services.kernel.reach import reachable_family
from services.kernel.settings import get_settings
from services.kernel.validation import require_id


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
