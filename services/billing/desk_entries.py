"""Money recorded at the desk: a cash or check payment, a manual charge, a credit.

Each is one ledger entry at the chosen location, written by staff with a reason the family
reads on Transactions. Payments and credits are applied to open charges oldest first, exactly
as a card payment is (`summary.allocate_oldest_first`); a charge waits for the next payment or
Apply Credit. Front-desk staff record payments and charges of any amount; a credit above
`desk_credit_limit_cents` needs an administrator. Each form submission carries a request
key the form made once; the entry is recorded once per key (`desk_entry_requests`), so a
double-click or a rerun records nothing more.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import DeskEntryRequest, LedgerEntry, LedgerKind
from services.billing.desk_rules import (
    request_digest,
    require_admin_above,
    require_amount,
    require_desk_place,
    require_reason,
)
from services.billing.summary import allocate_oldest_first, lock_family
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_text

PAYMENT_METHODS: dict[str, str] = {"cash": "Cash payment", "check": "Check payment"}
ALREADY_RECORDED = "This was already recorded (the form was sent twice)."
_CHECK_NUMBER = re.compile(r"[A-Za-z0-9-]{1,20}")


class _Target(NamedTuple):
    family_id: int
    location_id: int
    key: str  # the submission's stored request key


def _checked(
    db: Session,
    actor: Actor,
    family_id: int,
    location_id: int,
    amount_cents: int,
    reason: str,
    request_key: str,
) -> tuple[_Target, int, str]:
    """Where, how much, why and which submission: checked as every desk entry needs them."""
    require_desk_place(db, actor, family_id, location_id)
    cents, why = require_amount(amount_cents), require_reason(reason)
    return _Target(family_id, location_id, request_digest(actor, request_key, "desk")), cents, why


def record_desk_payment(
    db: Session,
    actor: Actor,
    family_id: int,
    location_id: int,
    *,
    method: str,
    amount_cents: int,
    reason: str,
    check_number: str = "",
    request_key: str,
) -> int:
    """A cash or check payment taken at the desk; returns its ledger entry id."""
    target, cents, why = _checked(
        db, actor, family_id, location_id, amount_cents, reason, request_key
    )
    if not isinstance(method, str) or method not in PAYMENT_METHODS:
        raise ValidationError("Choose cash or check.")
    number = require_text(check_number, "check number", max_length=20).strip()
    if number and (method != "check" or not _CHECK_NUMBER.fullmatch(number)):
        raise ValidationError(
            "A check number has letters, digits and hyphens only (at most 20), "
            "and only a check payment has one."
        )
    label = PAYMENT_METHODS[method] + (f" no. {number}" if number else "")
    return _record(
        db,
        actor,
        target,
        LedgerKind.PAYMENT,
        cents,
        f"{label}: {why}",
        {"method": method, "check_number": number, "reason": why},
    )


def record_manual_charge(
    db: Session,
    actor: Actor,
    family_id: int,
    location_id: int,
    amount_cents: int,
    reason: str,
    request_key: str,
) -> int:
    """A charge entered by hand (a leotard, a late pick-up); the reason is its description."""
    target, cents, why = _checked(
        db, actor, family_id, location_id, amount_cents, reason, request_key
    )
    return _record(db, actor, target, LedgerKind.CHARGE, cents, why, {"reason": why})


def record_credit(
    db: Session,
    actor: Actor,
    family_id: int,
    location_id: int,
    amount_cents: int,
    reason: str,
    request_key: str,
) -> int:
    """A credit to the family (goodwill, a missed class); above the setting, admins only."""
    target, cents, why = _checked(
        db, actor, family_id, location_id, amount_cents, reason, request_key
    )
    require_admin_above(actor, cents, get_settings(db).desk_credit_limit_cents, "Credits")
    return _record(
        db,
        actor,
        target,
        LedgerKind.CREDIT,
        cents,
        f"Credit: {why}",
        {"reason": why},
    )


def _record(
    db: Session,
    actor: Actor,
    target: _Target,
    kind: LedgerKind,
    cents: int,
    description: str,
    details: dict[str, object],
) -> int:
    """Write the entry once per form submission; a repeat returns the first entry."""
    family_id, location_id, key = target
    with write_transaction(db, conflict=ALREADY_RECORDED):
        lock_family(db, family_id)
        earlier = db.scalar(
            select(DeskEntryRequest.entry_id).where(DeskEntryRequest.request_key == key)
        )
        if earlier is not None:
            return earlier
        entry = LedgerEntry(
            family_id=family_id,
            location_id=location_id,
            kind=kind,
            is_debit=kind is LedgerKind.CHARGE,
            amount_cents=cents,
            description=description,
            posted_at=clock.now(),
            created_by_user_id=actor.user_row_id,
        )
        db.add(entry)
        db.flush()
        db.add(DeskEntryRequest(request_key=key, entry_id=entry.id, created_at=clock.now()))
        applied = 0
        if not entry.is_debit:
            applied = allocate_oldest_first(db, family_id, only_from_entry_id=entry.id)
        audit.record(
            db,
            actor,
            f"desk.{kind.value}_recorded",
            entity="ledger_entry",
            entity_id=entry.id,
            family_id=family_id,
            details={**details, "amount_cents": cents, "applied_cents": applied},
        )
        return entry.id
