"""The family's billing summary, Apply Credit, and oldest-first allocation of payments.

Who may do what: every guardian of the family sees the summary; guardians who may pay (the
primary guardian, or a secondary one the primary has allowed) apply credit and make payments.
The permission is read from the database on each call, so a revoked permission takes effect
at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Family, Guardian, LedgerAllocation, LedgerEntry, LedgerKind
from services.billing.ledger import Balance, family_balance
from services.billing.payments import NOT_CONFIGURED, Gateway
from services.kernel import audit, clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import AccessDenied, ValidationError
from services.kernel.reach import family_timezone
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

NO_PERMISSION = (
    "The primary guardian has not allowed you to make payments. Ask them to turn it on in Account."
)


@dataclass(frozen=True)
class BillingSummary:
    outstanding_cents: int
    credit_cents: int
    last_payment_cents: int | None
    last_payment_on: date | None
    currency: str
    may_pay: bool  # this guardian may pay and apply credit
    can_pay_online: bool  # may pay, a gateway is configured and something is owed
    cannot_pay_reason: str  # why not, when can_pay_online is False ("" otherwise)
    max_payment_cents: int  # the most one online payment may be: owed, capped by the setting
    gateway_configured: bool


@dataclass(frozen=True)
class CreditApplied:
    applied_cents: int
    outstanding_cents: int
    credit_cents: int


@dataclass(frozen=True)
class _Open:
    entry_id: int
    open_cents: int


def billing_summary(db: Session, actor: Actor, gateway: Gateway) -> BillingSummary:
    family_id = require_guardian(actor)
    balance = family_balance(db, actor, family_id)
    settings = get_settings(db)
    last = db.execute(
        select(LedgerEntry.amount_cents, LedgerEntry.posted_at)
        .where(LedgerEntry.family_id == family_id, LedgerEntry.kind == LedgerKind.PAYMENT)
        .order_by(LedgerEntry.posted_at.desc(), LedgerEntry.id.desc())
        .limit(1)
    ).first()
    last_on = None
    if last is not None:
        zone = family_timezone(db, family_id)
        last_on = last.posted_at.astimezone(ZoneInfo(zone)).date()
    may_pay = guardian_may_pay(db, actor)
    reason = ""
    if not gateway.configured:
        reason = NOT_CONFIGURED
    elif not may_pay:
        reason = NO_PERMISSION
    elif balance.outstanding_cents <= 0:
        reason = "Nothing is owed right now."
    return BillingSummary(
        outstanding_cents=balance.outstanding_cents,
        credit_cents=balance.credit_cents,
        last_payment_cents=last.amount_cents if last else None,
        last_payment_on=last_on,
        currency=settings.currency,
        may_pay=may_pay,
        can_pay_online=reason == "",
        cannot_pay_reason=reason,
        max_payment_cents=min(balance.outstanding_cents, settings.max_payment_cents),
        gateway_configured=gateway.configured,
    )


def guardian_may_pay(db: Session, actor: Actor) -> bool:
    """The primary guardian, or a secondary guardian the primary has allowed (read fresh)."""
    require_guardian(actor)
    row = db.execute(
        select(Guardian.is_primary, Guardian.may_pay).where(
            Guardian.id == actor.guardian_id, Guardian.family_id == actor.family_id
        )
    ).first()
    return row is not None and (row.is_primary or row.may_pay)


def require_may_pay(db: Session, actor: Actor) -> int:
    family_id = require_guardian(actor)
    if not guardian_may_pay(db, actor):
        raise AccessDenied(NO_PERMISSION)
    return family_id


def apply_credit(db: Session, actor: Actor) -> CreditApplied:
    """Apply the family's unapplied payments and credits to open charges, oldest first."""
    family_id = require_may_pay(db, actor)
    with write_transaction(db):
        lock_family(db, family_id)
        applied = allocate_oldest_first(db, family_id)
        if applied == 0:
            raise ValidationError("There is no credit to apply, or nothing is owed.")
        audit.record(
            db,
            actor,
            "billing.credit_applied",
            entity="family",
            entity_id=family_id,
            details={"applied_cents": applied},
        )
    balance: Balance = family_balance(db, actor, family_id)
    return CreditApplied(applied, balance.outstanding_cents, balance.credit_cents)


def lock_family(db: Session, family_id: int) -> None:
    """Serialise ledger writes per family (PostgreSQL row lock; SQLite's write lock does it)."""
    db.execute(select(Family.id).where(Family.id == family_id).with_for_update())


def allocate_oldest_first(
    db: Session, family_id: int, *, only_from_entry_id: int | None = None
) -> int:
    """Allocate open credit-side entries to open charges, both oldest first; returns the cents
    allocated. Call inside a write transaction after lock_family. With `only_from_entry_id`,
    only that payment is applied (a new payment pays charges, it does not move old credit)."""
    sources = open_entries(db, family_id, debit=False)
    if only_from_entry_id is not None:
        sources = [s for s in sources if s.entry_id == only_from_entry_id]
    targets = open_entries(db, family_id, debit=True)
    now = clock.now()
    total = 0
    target_index = 0
    remaining_target = targets[0].open_cents if targets else 0
    for source in sources:
        left = source.open_cents
        while left > 0 and target_index < len(targets):
            amount = min(left, remaining_target)
            db.add(
                LedgerAllocation(
                    family_id=family_id,
                    from_entry_id=source.entry_id,
                    to_entry_id=targets[target_index].entry_id,
                    amount_cents=amount,
                    created_at=now,
                )
            )
            total += amount
            left -= amount
            remaining_target -= amount
            if remaining_target == 0:
                target_index += 1
                if target_index < len(targets):
                    remaining_target = targets[target_index].open_cents
    db.flush()
    return total


def open_entries(db: Session, family_id: int, *, debit: bool) -> list[_Open]:
    """Entries of one side with their unallocated cents, oldest first."""
    side = LedgerAllocation.to_entry_id if debit else LedgerAllocation.from_entry_id
    allocated = (
        select(side.label("entry_id"), func.sum(LedgerAllocation.amount_cents).label("cents"))
        .where(LedgerAllocation.family_id == family_id)
        .group_by(side)
        .subquery()
    )
    open_cents = LedgerEntry.amount_cents - func.coalesce(allocated.c.cents, 0)
    rows = db.execute(
        select(LedgerEntry.id, open_cents)
        .outerjoin(allocated, allocated.c.entry_id == LedgerEntry.id)
        .where(
            LedgerEntry.family_id == family_id,
            LedgerEntry.is_debit.is_(debit),
            open_cents > 0,
        )
        .order_by(LedgerEntry.posted_at, LedgerEntry.id)
    ).all()
    return [_Open(entry_id, int(cents)) for entry_id, cents in rows]
