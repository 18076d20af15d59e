"""The desk's Money area for one family: balance, where the desk can record, and the recent
entries with what may be done to each (void, refund). Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data.models import LedgerEntry, Location
from services.billing.ledger import Balance, family_balance
from services.billing.refund_register import has_pending_refund, refunded_cents
from services.billing.voids import why_not_voidable
from services.kernel.access import Actor, can_see_location, require_staff
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.validation import require_int

PAGE = 15  # entries per "Show older" step
MOST = 300  # the most one page draws
OTHER_LOCATION = "This entry is at a location you do not work at."


@dataclass(frozen=True)
class Place:
    id: int
    name: str


@dataclass(frozen=True)
class DeskEntry:
    entry_id: int
    day: date  # at the entry's location
    kind: str  # charge, payment, refund, credit, adjustment
    description: str
    amount_cents: int  # debits positive, credits negative (as on Transactions)
    location: str
    void_refusal: str  # "" when this actor may void it (limits are checked on voiding)
    refundable_cents: int  # > 0 only for a card payment with something left to refund
    refund_pending: bool  # a refund of this card payment waits for Stripe's answer


@dataclass(frozen=True)
class DeskMoney:
    family_id: int
    balance: Balance
    places: tuple[Place, ...]  # where this actor records money
    entries: tuple[DeskEntry, ...]  # newest first
    currency: str
    credit_limit_cents: int
    void_limit_cents: int
    refund_limit_cents: int


def desk_money(db: Session, actor: Actor, family_id: int, *, count: int = PAGE) -> DeskMoney:
    """The family's money at the desk with its `count` newest entries (at most MOST)."""
    require_staff(actor)
    count = require_int(count, "number of entries")
    if not 1 <= count <= MOST:
        raise ValidationError(f"Show between 1 and {MOST} entries.")
    balance = family_balance(db, actor, family_id)  # checks the family is in reach
    settings = get_settings(db)
    places = db.execute(
        select(Location.id, Location.name)
        .where(Location.is_active.is_(True))
        .order_by(Location.name, Location.id)
    ).all()
    return DeskMoney(
        family_id=family_id,
        balance=balance,
        places=tuple(Place(i, n) for i, n in places if can_see_location(actor, i)),
        entries=tuple(_recent(db, actor, family_id, count)),
        currency=settings.currency,
        credit_limit_cents=settings.desk_credit_limit_cents,
        void_limit_cents=settings.desk_void_limit_cents,
        refund_limit_cents=settings.desk_refund_limit_cents,
    )


def _recent(db: Session, actor: Actor, family_id: int, count: int) -> list[DeskEntry]:
    reversal = aliased(LedgerEntry)
    rows = db.execute(
        select(LedgerEntry, Location.name, Location.timezone, reversal.id)
        .join(Location, Location.id == LedgerEntry.location_id)
        .outerjoin(reversal, reversal.reverses_entry_id == LedgerEntry.id)
        .where(LedgerEntry.family_id == family_id)
        .order_by(LedgerEntry.posted_at.desc(), LedgerEntry.id.desc())
        .limit(count)
    ).all()
    entries = []
    for entry, place, zone, reversal_id in rows:
        refusal = why_not_voidable(entry, reversal_id is not None)
        if not refusal and not can_see_location(actor, entry.location_id):
            refusal = OTHER_LOCATION
        refundable, pending = 0, False
        if entry.payment_attempt_id is not None and can_see_location(actor, entry.location_id):
            refundable = max(0, entry.amount_cents - refunded_cents(db, entry.payment_attempt_id))
            pending = has_pending_refund(db, entry.payment_attempt_id)
        entries.append(
            DeskEntry(
                entry_id=entry.id,
                day=entry.posted_at.astimezone(ZoneInfo(zone)).date(),
                kind=entry.kind.value,
                description=entry.description,
                amount_cents=entry.amount_cents if entry.is_debit else -entry.amount_cents,
                location=place,
                void_refusal=refusal,
                refundable_cents=refundable,
                refund_pending=pending,
            )
        )
    return entries
