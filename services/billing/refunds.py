"""Refunding a card payment at the desk, in full or in part, through Stripe.

1. Under the family lock, the refund is checked against what is left of the payment (its
   amount minus every pending or succeeded refund: `refund_register.refunded_cents`) and
   against the role limit, then committed as a `pending` card_refunds row with its own
   idempotency key. Two clerks refunding one payment at once are counted one after the
   other, so together they never refund more than the payment.
2. Stripe is asked with that key and the row's id in the refund's metadata.
3. Stripe's refund is recorded by `gateway_events.record_refund`, keyed by the refund id, so
   the webhook reporting the same refund records nothing more (whichever comes first).

If Stripe refuses, the row is marked failed and nothing was refunded. If Stripe does not
answer, the row stays pending (its amount stays spoken for) and the desk is told not to
refund again; the webhook settles it when Stripe reports the refund.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import CardRefund, CardRefundStatus, LedgerEntry, PaymentAttempt
from services.billing.desk_rules import (
    entry_in_reach,
    request_digest,
    require_admin_above,
    require_amount,
    require_reason,
)
from services.billing.gateway_events import record_refund
from services.billing.gateway_objects import RefundInfo
from services.billing.payments import (
    Gateway,
    GatewayError,
    GatewayNotConfigured,
    GatewayUnavailable,
)
from services.billing.refund_register import ROW_KEY, refunded_cents
from services.billing.summary import lock_family
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.errors import DomainError, NotFound, ValidationError
from services.kernel.money import format_cents
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

NO_ANSWER = (
    "The card processor did not answer, so we do not know yet whether the refund went "
    "through. Do not refund again: it shows on the family's Transactions once Stripe "
    "reports it."
)


@dataclass(frozen=True)
class RefundOutcome:
    refund_id: int  # the card_refunds row
    amount_cents: int
    status: str  # succeeded, pending (Stripe has not finished)
    message: str


def refundable_cents(db: Session, actor: Actor, entry_id: int) -> int:
    """What is left to refund of one card payment (0 for anything else)."""
    require_staff(actor)
    payment, attempt = _card_payment(db, actor, require_id(entry_id, "payment"))
    return max(0, payment.amount_cents - refunded_cents(db, attempt.id))


def refund_card_payment(
    db: Session,
    actor: Actor,
    gateway: Gateway,
    entry_id: int,
    amount_cents: int,
    reason: str,
    request_key: str,
) -> RefundOutcome:
    """Refund `amount_cents` of the card payment `entry_id` to the card it came from."""
    require_staff(actor)
    wanted = require_id(entry_id, "payment")
    cents, why = require_amount(amount_cents), require_reason(reason)
    key = request_digest(actor, request_key, "rf")
    if not gateway.configured:
        raise GatewayNotConfigured()
    row_id, intent_id, repeat = _begin(db, actor, wanted, cents, why, key)
    if repeat is not None:
        return repeat
    try:
        refund = gateway.create_refund(
            payment_intent_id=intent_id,
            amount_cents=cents,
            metadata={ROW_KEY: str(row_id)},
            idempotency_key=key,
        )
    except GatewayUnavailable:
        raise DomainError(NO_ANSWER) from None
    except GatewayError as refused:
        _fail(db, actor, row_id, refused.message)
        raise ValidationError(
            f"The card processor refused the refund ({refused.message}) Nothing was refunded."
        ) from None
    return _finish(db, actor, gateway, row_id, refund)


def _begin(
    db: Session, actor: Actor, entry_id: int, cents: int, why: str, key: str
) -> tuple[int, str, RefundOutcome | None]:
    """Commit the pending row (or find the one this request made already)."""
    limit = get_settings(db).desk_refund_limit_cents
    with write_transaction(db):
        payment, attempt = _card_payment(db, actor, entry_id)
        lock_family(db, payment.family_id)
        earlier = db.scalar(select(CardRefund).where(CardRefund.idempotency_key == key))
        if earlier is not None:
            return earlier.id, "", _outcome(earlier)
        done = refunded_cents(db, attempt.id)
        left = payment.amount_cents - done
        if cents > left:
            raise ValidationError(
                f"Only {format_cents(max(left, 0))} of this payment can still be refunded."
            )
        require_admin_above(actor, done + cents, limit, "Refunds of one payment")
        now = clock.now()
        row = CardRefund(
            family_id=payment.family_id,
            payment_attempt_id=attempt.id,
            amount_cents=cents,
            status=CardRefundStatus.PENDING,
            idempotency_key=key,
            reason=why,
            created_by_user_id=actor.user_row_id,
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        audit.record(
            db,
            actor,
            "desk.refund_requested",
            entity="card_refund",
            entity_id=row.id,
            family_id=payment.family_id,
            details={"payment_entry_id": payment.id, "amount_cents": cents, "reason": why},
        )
        assert attempt.gateway_intent_id is not None  # a recorded card payment has one
        return row.id, attempt.gateway_intent_id, None


def _finish(
    db: Session, actor: Actor, gateway: Gateway, row_id: int, refund: RefundInfo
) -> RefundOutcome:
    with write_transaction(db):
        # The webhook may have settled the row already (it finds it by our metadata).
        db.execute(
            update(CardRefund)
            .where(CardRefund.id == row_id, CardRefund.gateway_refund_id.is_(None))
            .values(gateway_refund_id=refund.id, updated_at=clock.now())
        )
        row = db.get_one(CardRefund, row_id, populate_existing=True)
        audit.record(
            db,
            actor,
            "desk.refund_sent",
            entity="card_refund",
            entity_id=row_id,
            family_id=row.family_id,
            details={"refund": refund.id, "status": refund.status},
        )
    record_refund(db, gateway, refund)  # a pending refund is recorded when Stripe reports it
    db.expire_all()
    outcome = _outcome(db.get_one(CardRefund, row_id))
    if outcome.status == CardRefundStatus.FAILED:
        raise ValidationError(f"{outcome.message} Nothing was refunded.")
    return outcome


def _fail(db: Session, actor: Actor, row_id: int, message: str) -> None:
    with write_transaction(db):
        db.execute(
            update(CardRefund)
            .where(CardRefund.id == row_id, CardRefund.status == CardRefundStatus.PENDING)
            .values(
                status=CardRefundStatus.FAILED,
                error_message=message[:500],
                updated_at=clock.now(),
            )
        )
        row = db.get_one(CardRefund, row_id)
        audit.record(
            db,
            actor,
            "desk.refund_failed",
            entity="card_refund",
            entity_id=row_id,
            family_id=row.family_id,
            details={"error": message[:500]},
        )


def _outcome(row: CardRefund) -> RefundOutcome:
    amount = format_cents(row.amount_cents)
    if row.status is CardRefundStatus.SUCCEEDED:
        message = f"Refunded {amount} to the card."
    elif row.status is CardRefundStatus.FAILED:
        message = f"The refund of {amount} was refused: {row.error_message}"
    elif row.gateway_refund_id:
        message = f"Stripe is processing the refund of {amount}; it shows once it completes."
    else:
        message = NO_ANSWER
    return RefundOutcome(row.id, row.amount_cents, row.status.value, message)


def _card_payment(db: Session, actor: Actor, entry_id: int) -> tuple[LedgerEntry, PaymentAttempt]:
    """A card payment the actor reaches at one of their locations, with its attempt."""
    payment = entry_in_reach(db, actor, entry_id, "payment")
    attempt = (
        db.get(PaymentAttempt, payment.payment_attempt_id)
        if payment.payment_attempt_id is not None
        else None
    )
    if attempt is None or attempt.gateway_intent_id is None:
        raise NotFound("payment")
    return payment, attempt
