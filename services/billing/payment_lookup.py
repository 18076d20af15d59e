"""Asking Stripe about a payment attempt's PaymentIntent, and giving up on one Stripe has no
record of.

A retrieve can fail two ways. No answer, a Stripe 5xx, an authentication or permission
error: the outcome is still unknown, so the attempt stays pending and is asked about again.
A definite "no such PaymentIntent" (404 `resource_missing`: the keys were switched to another
account, or the test server was restarted) will not change by asking again. Such an attempt
is closed as failed once it has been pending for `LOST_AFTER` (a bounded wait, in case the
keys were switched by mistake and are switched back): nothing is recorded in the ledger, the
audit log keeps `payment.lost`, the payer gets an e-mail (which staff see in the outbox), and
the family can pay again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import PaymentAttempt, PaymentAttemptStatus, User
from services.billing.gateway_objects import IntentState
from services.billing.payments import MISSING, Gateway, GatewayError, GatewayRejected
from services.kernel import audit, clock, outbox
from services.kernel.money import format_cents
from services.kernel.transactions import write_transaction

LOST_AFTER = timedelta(minutes=15)
LOST_CODE = "not_found_at_gateway"
LOST_MESSAGE = (
    "The card processor has no record of this payment, so it was closed. Nothing was recorded "
    "on your account; you can pay again. If your card statement shows a charge, contact the "
    "front desk."
)


@dataclass(frozen=True)
class IntentLookup:
    state: IntentState | None  # None: no usable answer
    missing: bool = False  # Stripe answered that there is no such PaymentIntent


def look_up_intent(gateway: Gateway, intent_id: str) -> IntentLookup:
    try:
        return IntentLookup(gateway.retrieve_payment_intent(intent_id))
    except GatewayRejected as refused:
        return IntentLookup(None, missing=refused.code == MISSING)
    except GatewayError:
        return IntentLookup(None)


def close_lost_attempt(db: Session, attempt_id: int, intent_id: str) -> bool:
    """Pending → failed for an attempt whose intent Stripe does not know, once it has waited
    `LOST_AFTER` since it last changed; False while it should still wait (or moved on)."""
    with write_transaction(db):
        closed = db.execute(
            update(PaymentAttempt)
            .where(
                PaymentAttempt.id == attempt_id,
                PaymentAttempt.status == PaymentAttemptStatus.PENDING,
                PaymentAttempt.gateway_intent_id == intent_id,
                PaymentAttempt.updated_at <= clock.now() - LOST_AFTER,
            )
            .values(
                status=PaymentAttemptStatus.FAILED,
                error_code=LOST_CODE,
                error_message=LOST_MESSAGE,
                updated_at=clock.now(),
            )
        ).rowcount
        if closed:
            _tell(db, attempt_id, intent_id)
    return closed == 1


def _tell(db: Session, attempt_id: int, intent_id: str) -> None:
    attempt = db.get(PaymentAttempt, attempt_id)
    assert attempt is not None
    amount = format_cents(attempt.amount_cents, attempt.currency)
    audit.record(
        db,
        None,
        "payment.lost",
        entity="payment_attempt",
        entity_id=attempt_id,
        family_id=attempt.family_id,
        user_id=attempt.user_id,
        details={"code": LOST_CODE, "intent": intent_id, "amount_cents": attempt.amount_cents},
    )
    address = db.scalar(select(User.email).where(User.id == attempt.user_id))
    if address:
        outbox.enqueue_email(
            db,
            to_address=address,
            subject=f"Your payment of {amount} was not completed",
            body_text=(
                f"Your payment of {amount} (reference {intent_id}) could not be confirmed.\n\n"
                f"{LOST_MESSAGE}"
            ),
            kind="payment_lost",
            family_id=attempt.family_id,
        )
