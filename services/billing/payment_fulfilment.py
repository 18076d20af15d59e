"""Recording what Stripe says about a payment attempt's PaymentIntent, for the page, the
webhook and the reconciler alike (step 3 of the flow in services.billing.payment_attempts).

Idempotent: the status moves to succeeded once (conditional UPDATE), the payment entry is
unique per attempt, and a pending attempt moves to a failed state once (`_move`); a succeeded
attempt is never downgraded.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind, PaymentAttempt, PaymentAttemptStatus, PaymentMethod
from services.billing.attempt_receipts import _queue_receipt, payment_description
from services.billing.gateway_objects import IntentState
from services.billing.summary import allocate_oldest_first, lock_family
from services.kernel import audit, clock
from services.kernel.transactions import write_transaction

log = logging.getLogger(__name__)

NEEDS_AUTHENTICATION = (
    "Your bank asked for extra verification (3-D Secure) for this card, which online payments "
    "here cannot do yet. Nothing was charged. Please use another card or pay at the front desk."
)
FAILED_STATUSES = {"requires_payment_method", "canceled"}


def fulfil_payment_intent(db: Session, state: IntentState) -> str:
    """Record what Stripe says about a PaymentIntent. Idempotent; used by the page, the
    webhook and the reconciler. Returns what it did: recorded, failed, unchanged, unknown."""
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.gateway_intent_id == state.id))
    if attempt is None:
        return "unknown"
    if state.status == "succeeded":
        return _record_success(db, attempt.id, state)
    if state.status == "requires_action":
        moved = _move(
            db,
            attempt.id,
            PaymentAttemptStatus.REQUIRES_ACTION,
            "authentication_required",
            NEEDS_AUTHENTICATION,
        )
        return "failed" if moved else "unchanged"
    if state.status in FAILED_STATUSES:
        message = _decline_message(state)
        moved = _move(
            db, attempt.id, PaymentAttemptStatus.FAILED, state.error_code or state.status, message
        )
        return "failed" if moved else "unchanged"
    return "unchanged"  # processing, requires_confirmation: wait


def _record_success(db: Session, attempt_id: int, state: IntentState) -> str:
    with write_transaction(db):
        attempt = db.get(PaymentAttempt, attempt_id)
        assert attempt is not None
        lock_family(db, attempt.family_id)
        if state.amount_cents != attempt.amount_cents:
            log.error(
                "payment attempt %s: Stripe amount %s differs from %s; not recorded",
                attempt_id,
                state.amount_cents,
                attempt.amount_cents,
            )
            return "unchanged"
        moved = db.execute(
            update(PaymentAttempt)
            .where(
                PaymentAttempt.id == attempt_id,
                PaymentAttempt.status != PaymentAttemptStatus.SUCCEEDED,
            )
            .values(
                status=PaymentAttemptStatus.SUCCEEDED,
                error_code="",
                error_message="",
                updated_at=clock.now(),
            )
        ).rowcount
        if moved != 1:
            return "unchanged"
        method = (
            db.get(PaymentMethod, attempt.payment_method_id) if attempt.payment_method_id else None
        )
        label = f"{method.brand.title()} •••• {method.last4}" if method else "card"
        payment = LedgerEntry(
            family_id=attempt.family_id,
            location_id=attempt.location_id,
            kind=LedgerKind.PAYMENT,
            is_debit=False,
            amount_cents=attempt.amount_cents,
            description=payment_description(attempt, label),
            posted_at=clock.now(),
            external_ref=state.id,
            payment_attempt_id=attempt.id,
            created_by_user_id=attempt.user_id,
        )
        db.add(payment)
        db.flush()
        allocate_oldest_first(db, attempt.family_id, only_from_entry_id=payment.id)
        _queue_receipt(db, attempt, label)
        audit.record(
            db,
            None,
            "payment.succeeded",
            entity="payment_attempt",
            entity_id=attempt.id,
            family_id=attempt.family_id,
            user_id=attempt.user_id,
            details={"amount_cents": attempt.amount_cents, "method": label},
        )
    return "recorded"


def _move(
    db: Session,
    attempt_id: int,
    status: PaymentAttemptStatus,
    code: str,
    message: str,
    *,
    check_intent: bool = False,
    intent_id: str | None = None,
    clear_intent: bool = False,
) -> bool:
    """Pending → a final failed state, once. A succeeded attempt is never downgraded."""
    with write_transaction(db):
        query = update(PaymentAttempt).where(
            PaymentAttempt.id == attempt_id,
            PaymentAttempt.status == PaymentAttemptStatus.PENDING,
        )
        if check_intent:  # only if no one has moved the attempt on since we looked
            query = query.where(
                PaymentAttempt.gateway_intent_id.is_(None)
                if intent_id is None
                else PaymentAttempt.gateway_intent_id == intent_id
            )
        values: dict[str, object] = {
            "status": status,
            "error_code": code[:64],
            "error_message": message[:500],
            "updated_at": clock.now(),
        }
        if clear_intent:
            values["gateway_intent_id"] = None
        moved = db.execute(query.values(**values)).rowcount
        if moved:
            family_id = db.scalar(
                select(PaymentAttempt.family_id).where(PaymentAttempt.id == attempt_id)
            )
            audit.record(
                db,
                None,
                f"payment.{status.value}",
                entity="payment_attempt",
                entity_id=attempt_id,
                family_id=family_id,
                details={"code": code},
            )
    return moved == 1


def _decline_message(state: IntentState) -> str:
    if state.status == "canceled" and not state.error_message:
        return "The payment was cancelled. Nothing was charged."
    reason = state.error_message or "Your card was declined."
    return f"{reason} Nothing was charged. Please use another card."
