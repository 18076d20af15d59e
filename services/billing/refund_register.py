"""The refunds of each card payment (`card_refunds`): how much is spoken for, and which row a
refund Stripe reports belongs to. Called inside a write transaction holding the family lock
(`summary.lock_family`), so two refunds of one payment are counted one after the other."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import CardRefund, CardRefundStatus, PaymentAttempt
from services.billing.gateway_objects import RefundInfo
from services.kernel import clock

ROW_KEY = "cartwheel_refund"  # the refund's metadata: the card_refunds row that asked for it
HELD = (CardRefundStatus.PENDING, CardRefundStatus.SUCCEEDED)


def refunded_cents(db: Session, payment_attempt_id: int) -> int:
    """Refunded or being refunded (pending: Stripe may have done it) on one payment."""
    total = db.scalar(
        select(func.coalesce(func.sum(CardRefund.amount_cents), 0)).where(
            CardRefund.payment_attempt_id == payment_attempt_id, CardRefund.status.in_(HELD)
        )
    )
    return int(total or 0)


def has_pending_refund(db: Session, payment_attempt_id: int) -> bool:
    """A refund of this payment is waiting for Stripe's answer."""
    found = db.scalar(
        select(CardRefund.id)
        .where(
            CardRefund.payment_attempt_id == payment_attempt_id,
            CardRefund.status == CardRefundStatus.PENDING,
        )
        .limit(1)
    )
    return found is not None


def settle_reported_refund(db: Session, attempt: PaymentAttempt, refund: RefundInfo) -> CardRefund:
    """The row of a refund Stripe reports as succeeded, marked succeeded: the desk's own row
    (found by refund id, or by our metadata when the webhook beats the desk's own update), or
    a new row for a refund made outside Cartwheel (the Stripe dashboard)."""
    row = db.scalar(select(CardRefund).where(CardRefund.gateway_refund_id == refund.id))
    if row is None:
        row = _asked_by_us(db, attempt, refund)
    now = clock.now()
    if row is None:
        row = CardRefund(
            family_id=attempt.family_id,
            payment_attempt_id=attempt.id,
            amount_cents=refund.amount_cents,
            status=CardRefundStatus.SUCCEEDED,
            idempotency_key=f"stripe:{refund.id}"[:64],
            gateway_refund_id=refund.id,
            created_at=now,
            updated_at=now,
        )
        db.add(row)
    else:
        row.gateway_refund_id = refund.id
        row.amount_cents = refund.amount_cents  # what Stripe did is what happened
        row.status = CardRefundStatus.SUCCEEDED
        row.error_message = ""
        row.updated_at = now
    db.flush()
    return row


def fail_reported_refund(db: Session, refund: RefundInfo) -> bool:
    """A pending row of a refund Stripe reports as failed or canceled becomes failed, so its
    amount can be refunded again. A refund already recorded in the ledger is left as it is."""
    row = db.scalar(select(CardRefund).where(CardRefund.gateway_refund_id == refund.id))
    raw = (refund.metadata or {}).get(ROW_KEY, "")
    if row is None and raw.isdigit():
        row = db.get(CardRefund, int(raw))
    if row is None or row.status is not CardRefundStatus.PENDING:
        return False
    if row.gateway_refund_id not in (None, refund.id):
        return False
    row.status = CardRefundStatus.FAILED
    row.gateway_refund_id = refund.id
    row.error_message = f"Stripe reports the refund {refund.status}."
    row.updated_at = clock.now()
    db.flush()
    return True


def _asked_by_us(db: Session, attempt: PaymentAttempt, refund: RefundInfo) -> CardRefund | None:
    raw = (refund.metadata or {}).get(ROW_KEY, "")
    if not raw.isdigit():
        return None
    row = db.get(CardRefund, int(raw))
    if row is None or row.payment_attempt_id != attempt.id or row.gateway_refund_id:
        return None
    return row
