"""Settling a card payment's pending refunds whose answer from Stripe was lost.

A refund the desk asked for stays pending when Stripe did not answer (or answered "pending").
Asking again could refund twice, so this asks Stripe which refunds the payment has, finds ours
by the card_refunds row id in the refund's metadata (or by Stripe's refund id) and records
what Stripe says through `gateway_events.record_refund`. A row Stripe has no refund for is
closed as failed once it has waited `LOST_AFTER` (the call may still be on its way before
that), so its amount can be refunded again.

The desk asks for one payment (`check_pending_refunds`); the scheduler sweeps every payment
with a refund pending for `SWEEP_AFTER` (`run_refund_checks_job`), so a lost answer is
settled even when nobody presses the button.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import CardRefund, CardRefundStatus, PaymentAttempt
from services.billing.desk_rules import entry_in_reach
from services.billing.gateway_events import record_refund
from services.billing.payment_lookup import LOST_AFTER
from services.billing.payments import Gateway, GatewayError, GatewayNotConfigured
from services.billing.refund_register import ROW_KEY
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.transactions import write_transaction

NOT_AT_STRIPE = "Stripe has no record of this refund, so nothing was refunded."
# A refund is normally settled by the desk's own call or the webhook within seconds; the sweep
# leaves younger ones alone so it never races a call still on its way.
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200


@dataclass(frozen=True)
class RefundCheck:
    recorded: int  # refunds Stripe finished, now in the ledger
    freed: int  # refunds Stripe failed or never made, their amount free again
    waiting: int  # still pending at Stripe, or too recent to call lost


def check_pending_refunds(
    db: Session, actor: Actor, gateway: Gateway, entry_id: int
) -> RefundCheck:
    """Ask Stripe about the pending refunds of one card payment and record what it says."""
    require_staff(actor)
    payment = entry_in_reach(db, actor, entry_id, "payment")
    attempt = (
        db.get(PaymentAttempt, payment.payment_attempt_id) if payment.payment_attempt_id else None
    )
    if attempt is None or attempt.gateway_intent_id is None:
        raise NotFound("payment")
    if not gateway.configured:
        raise GatewayNotConfigured()
    pending = _pending(db, attempt.id)
    if not pending:
        raise ValidationError("This payment has no refund waiting for an answer.")
    try:
        return _settle(db, actor, gateway, attempt.gateway_intent_id, pending)
    except GatewayError as failed:
        raise ValidationError(
            f"Stripe could not be asked ({failed.message}) Try again later."
        ) from None


def run_refund_checks_job(db: Session, actor: Actor, gateway: Gateway) -> dict[str, int]:
    """The scheduler (or an admin's Run now): check every card payment with a refund pending
    for at least SWEEP_AFTER. A payment Stripe cannot be asked about now is counted as
    `unreachable` and left for the next run; the others are still checked."""
    require_admin(actor)
    if not gateway.configured:
        raise GatewayNotConfigured()
    counts = {"payments": 0, "recorded": 0, "freed": 0, "waiting": 0, "unreachable": 0}
    after = 0
    while batch := _stale_attempts(db, after):
        for attempt_id, intent_id in batch:
            counts["payments"] += 1
            try:
                check = _settle(db, actor, gateway, intent_id, _pending(db, attempt_id))
            except GatewayError:
                counts["unreachable"] += 1
                continue
            counts["recorded"] += check.recorded
            counts["freed"] += check.freed
            counts["waiting"] += check.waiting
        after = batch[-1][0]
    return counts


def _stale_attempts(db: Session, after: int) -> list[tuple[int, str]]:
    """(attempt id, PaymentIntent id) of payments with a refund pending since SWEEP_AFTER
    ago, in id order after `after`."""
    rows = db.execute(
        select(PaymentAttempt.id, PaymentAttempt.gateway_intent_id)
        .where(
            PaymentAttempt.id > after,
            PaymentAttempt.gateway_intent_id.is_not(None),
            PaymentAttempt.id.in_(
                select(CardRefund.payment_attempt_id).where(
                    CardRefund.status == CardRefundStatus.PENDING,
                    CardRefund.updated_at <= clock.now() - SWEEP_AFTER,
                )
            ),
        )
        .order_by(PaymentAttempt.id)
        .limit(SWEEP_BATCH)
    ).all()
    return [(row[0], row[1]) for row in rows]


def _pending(db: Session, attempt_id: int) -> list[CardRefund]:
    return list(
        db.scalars(
            select(CardRefund).where(
                CardRefund.payment_attempt_id == attempt_id,
                CardRefund.status == CardRefundStatus.PENDING,
            )
        )
    )


def _settle(
    db: Session, actor: Actor, gateway: Gateway, intent_id: str, pending: list[CardRefund]
) -> RefundCheck:
    """Record what Stripe says about each pending row of one payment (GatewayError when
    Stripe cannot be asked)."""
    reported = gateway.list_refunds(intent_id)
    recorded = freed = waiting = 0
    for row in pending:
        found = next((r for r in reported if _is_row(r.id, r.metadata, row)), None)
        if found is not None:
            outcome = record_refund(db, gateway, found)
            recorded += outcome in ("recorded", "duplicate")
            freed += outcome == "failed"
            waiting += outcome in ("ignored", "unknown")
        elif _give_up(db, actor, row):
            freed += 1
        else:
            waiting += 1
    return RefundCheck(recorded, freed, waiting)


def _is_row(refund_id: str, metadata: dict[str, str] | None, row: CardRefund) -> bool:
    return refund_id == row.gateway_refund_id or (metadata or {}).get(ROW_KEY) == str(row.id)


def _give_up(db: Session, actor: Actor, row: CardRefund) -> bool:
    """Close a row Stripe has no refund for, once it has waited long enough (conditional:
    a webhook that settled it meanwhile wins)."""
    with write_transaction(db):
        closed = db.execute(
            update(CardRefund)
            .where(
                CardRefund.id == row.id,
                CardRefund.status == CardRefundStatus.PENDING,
                CardRefund.updated_at <= clock.now() - LOST_AFTER,
            )
            .values(
                status=CardRefundStatus.FAILED,
                error_message=NOT_AT_STRIPE,
                updated_at=clock.now(),
            )
        ).rowcount
        if closed:
            audit.record(
                db,
                actor,
                "desk.refund_lost",
                entity="card_refund",
                entity_id=row.id,
                family_id=row.family_id,
                details={"amount_cents": row.amount_cents},
            )
    return bool(closed)
