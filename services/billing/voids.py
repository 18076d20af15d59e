"""Voiding a mistaken ledger entry by a reversing entry; the ledger stays append-only.

The reversal is an adjustment on the other side for the same amount, at the same location,
naming the entry it reverses (`reverses_entry_id`, unique: an entry is voided at most once,
even by two clerks at the same moment). Allocations are never deleted either: the reversal
is applied against what the voided entry still had open, and carries the rest:

- a voided **charge** that was partly paid leaves its payment's share as credit on the
  reversal, which is applied to other open charges oldest first (what is left stays credit);
- a voided **payment or credit** that had paid charges leaves the reversal owing that part:
  the family owes again exactly what the voided payment had paid.

Either way outstanding, credit and balance come out as if the entry had never been made.
Card payments are refunded, not voided (the money is on the card); refunds, and reversals
themselves, cannot be voided. Above `desk_void_limit_cents` only an administrator voids.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from data.models import LedgerAllocation, LedgerEntry, LedgerKind
from services.billing.desk_rules import entry_in_reach, require_admin_above, require_reason
from services.billing.summary import allocate_oldest_first, lock_family
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

ALREADY_VOIDED = "This entry was already voided."
KIND_WORDS = {
    LedgerKind.CHARGE: "charge",
    LedgerKind.PAYMENT: "payment",
    LedgerKind.CREDIT: "credit",
    LedgerKind.ADJUSTMENT: "adjustment",
    LedgerKind.REFUND: "refund",
}


def why_not_voidable(entry: LedgerEntry, already_voided: bool) -> str:
    """Why this entry cannot be voided ("" when it can), in the desk's words."""
    if already_voided:
        return ALREADY_VOIDED
    if entry.reverses_entry_id is not None:
        return "This entry is itself a void. Record the entry again if it was right."
    if entry.kind is LedgerKind.REFUND:
        return "A card refund cannot be voided: the money went back to the card."
    if entry.payment_attempt_id is not None:
        return "A card payment is not voided: refund it to the card instead."
    return ""


def void_entry(db: Session, actor: Actor, entry_id: int, reason: str) -> int:
    """Reverse one entry; returns the reversing entry's id."""
    require_staff(actor)
    wanted = require_id(entry_id, "ledger entry")
    why = require_reason(reason)
    limit = get_settings(db).desk_void_limit_cents
    with write_transaction(db, conflict=ALREADY_VOIDED):
        entry = entry_in_reach(db, actor, wanted, "ledger entry")
        lock_family(db, entry.family_id)
        voided = db.scalar(select(exists().where(LedgerEntry.reverses_entry_id == entry.id)))
        refusal = why_not_voidable(entry, bool(voided))
        if refusal:
            raise ValidationError(refusal)
        require_admin_above(actor, entry.amount_cents, limit, "Voids of entries")
        reversal = LedgerEntry(
            family_id=entry.family_id,
            location_id=entry.location_id,
            student_id=entry.student_id,
            kind=LedgerKind.ADJUSTMENT,
            is_debit=not entry.is_debit,
            amount_cents=entry.amount_cents,
            description=f'Void of {KIND_WORDS[entry.kind]} "{entry.description[:80]}": {why}',
            posted_at=clock.now(),
            reverses_entry_id=entry.id,
            created_by_user_id=actor.user_row_id,
        )
        db.add(reversal)
        db.flush()
        paired = _pair(db, entry, reversal)
        reapplied = 0
        if not reversal.is_debit:
            reapplied = allocate_oldest_first(db, entry.family_id, only_from_entry_id=reversal.id)
        audit.record(
            db,
            actor,
            "desk.entry_voided",
            entity="ledger_entry",
            entity_id=entry.id,
            family_id=entry.family_id,
            details={
                "reversal_id": reversal.id,
                "amount_cents": entry.amount_cents,
                "kind": entry.kind.value,
                "reason": why,
                "paired_cents": paired,
                "reapplied_cents": reapplied,
            },
        )
        return reversal.id


def _pair(db: Session, entry: LedgerEntry, reversal: LedgerEntry) -> int:
    """Apply the reversal against what the voided entry still has open; returns the cents."""
    side = LedgerAllocation.to_entry_id if entry.is_debit else LedgerAllocation.from_entry_id
    allocated = db.scalar(
        select(func.coalesce(func.sum(LedgerAllocation.amount_cents), 0)).where(
            LedgerAllocation.family_id == entry.family_id, side == entry.id
        )
    )
    still_open = entry.amount_cents - int(allocated or 0)
    if still_open <= 0:
        return 0
    source, target = (reversal, entry) if entry.is_debit else (entry, reversal)
    db.add(
        LedgerAllocation(
            family_id=entry.family_id,
            from_entry_id=source.id,
            to_entry_id=target.id,
            amount_cents=still_open,
            created_at=clock.now(),
        )
    )
    db.flush()
    return still_open
