"""Stripe webhook events: verified, recorded once by event id, applied idempotently.

Handled: `payment_intent.succeeded`, `payment_intent.payment_failed`,
`payment_intent.canceled` (through the same fulfilment as the page and the reconciler), and
refunds: `charge.refunded` (a charge with its refunds) and `refund.created` / `refund.updated`
/ `charge.refund.updated` (one refund). Each refund becomes one refund ledger entry, keyed by
the refund id, so a repeated event or a second event for the same refund records nothing more.
Other event types are recorded and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import GatewayEvent, LedgerAllocation, LedgerEntry, LedgerKind, PaymentAttempt
from services.billing.gateway_objects import IntentState, RefundInfo, refund_from_dict
from services.billing.payment_fulfilment import fulfil_payment_intent
from services.billing.payments import Gateway, GatewayError
from services.billing.refund_register import fail_reported_refund, settle_reported_refund
from services.billing.summary import lock_family, open_entries
from services.kernel import audit, clock
from services.kernel.transactions import write_transaction

log = logging.getLogger(__name__)

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
}
REFUND_EVENTS = {"refund.created", "refund.updated", "charge.refund.updated"}


@dataclass(frozen=True)
class EventResult:
    event_id: str
    type: str
    outcome: str  # applied, duplicate, ignored


def handle_stripe_webhook(
    db: Session, gateway: Gateway, payload: bytes, signature: str
) -> EventResult:
    """Verify the signature (GatewayRejected if bad), then apply the event at most once."""
    event = gateway.verify_event(payload, signature)
    event_id = str(event.get("id") or "")
    event_type = str(event.get("type") or "")
    if not event_id:
        return EventResult("", event_type, "ignored")
    done = db.scalar(select(GatewayEvent.processed_at).where(GatewayEvent.event_id == event_id))
    if done is not None:
        return EventResult(event_id, event_type, "duplicate")
    obj = (event.get("data") or {}).get("object") or {}
    if event_type in INTENT_EVENTS:
        fulfil_payment_intent(db, _intent_from_event(obj))
        outcome = "applied"
    elif event_type == "charge.refunded":
        for refund in (obj.get("refunds") or {}).get("data") or []:
            record_refund(db, gateway, refund_from_dict(refund, obj))
        outcome = "applied"
    elif event_type in REFUND_EVENTS:
        record_refund(db, gateway, refund_from_dict(obj))
        outcome = "applied"
    else:
        outcome = "ignored"
    _mark_processed(db, event_id, event_type)
    return EventResult(event_id, event_type, outcome)


def record_refund(db: Session, gateway: Gateway, refund: RefundInfo) -> str:
    """One refund ledger entry per succeeded refund of one of our payments. Idempotent.

    Stripe refuses refunds beyond the payment, so amounts are taken as Stripe reports them.
    The refund's row in `card_refunds` is marked succeeded (made if the refund was not asked
    for at the desk); a desk refund's entry carries the reason the desk gave. A refund Stripe
    reports as failed or canceled frees the amount a pending desk refund held."""
    if refund.status in ("failed", "canceled"):
        with write_transaction(db):
            return "failed" if fail_reported_refund(db, refund) else "ignored"
    if refund.status != "succeeded" or refund.amount_cents <= 0:
        return "ignored"
    intent_id = refund.payment_intent_id
    if intent_id is None and refund.charge_id:
        try:
            intent_id = gateway.retrieve_charge_intent(refund.charge_id)
        except GatewayError:
            log.warning("refund %s: charge lookup failed; will apply on retry", refund.id)
            raise
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.gateway_intent_id == intent_id))
    if attempt is None:
        return "unknown"
    with write_transaction(db):
        lock_family(db, attempt.family_id)
        row = settle_reported_refund(db, attempt, refund)
        exists = db.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.kind == LedgerKind.REFUND, LedgerEntry.external_ref == refund.id
            )
        )
        if exists is not None:
            return "duplicate"
        entry = LedgerEntry(
            family_id=attempt.family_id,
            location_id=attempt.location_id,
            kind=LedgerKind.REFUND,
            is_debit=True,
            amount_cents=refund.amount_cents,
            description=(
                f"Card refund: {row.reason}"
                if row.reason
                else f"Refund of online payment {intent_id}"
            ),
            posted_at=clock.now(),
            external_ref=refund.id,
            created_by_user_id=row.created_by_user_id,
        )
        db.add(entry)
        db.flush()
        _apply_unused_payment(db, attempt.id, entry)
        audit.record(
            db,
            None,
            "payment.refunded",
            entity="payment_attempt",
            entity_id=attempt.id,
            family_id=attempt.family_id,
            details={"refund": refund.id, "amount_cents": refund.amount_cents},
        )
    return "recorded"


def _apply_unused_payment(db: Session, attempt_id: int, refund_entry: LedgerEntry) -> None:
    """A refund first takes back the part of its payment that paid no charge, so refunding
    an unapplied payment leaves nothing owed and no credit (the rest is owed again)."""
    payment_id = db.scalar(
        select(LedgerEntry.id).where(LedgerEntry.payment_attempt_id == attempt_id)
    )
    if payment_id is None:
        return
    unused = next(
        (
            o.open_cents
            for o in open_entries(db, refund_entry.family_id, debit=False)
            if o.entry_id == payment_id
        ),
        0,
    )
    if unused > 0:
        db.add(
            LedgerAllocation(
                family_id=refund_entry.family_id,
                from_entry_id=payment_id,
                to_entry_id=refund_entry.id,
                amount_cents=min(unused, refund_entry.amount_cents),
                created_at=clock.now(),
            )
        )


def _mark_processed(db: Session, event_id: str, event_type: str) -> None:
    now = clock.now()
    with write_transaction(db, conflict="duplicate event"):
        updated = db.execute(
            update(GatewayEvent).where(GatewayEvent.event_id == event_id).values(processed_at=now)
        ).rowcount
        if not updated:
            db.add(
                GatewayEvent(
                    event_id=event_id, type=event_type[:100], received_at=now, processed_at=now
                )
            )


def _intent_from_event(obj: dict[str, Any]) -> IntentState:
    error = obj.get("last_payment_error") or {}
    return IntentState(
        id=str(obj.get("id") or ""),
        status=str(obj.get("status") or ""),
        amount_cents=int(obj.get("amount") or 0),
        currency=str(obj.get("currency") or ""),
        error_code=str(error.get("decline_code") or error.get("code") or ""),
        error_message=str(error.get("message") or ""),
    )
