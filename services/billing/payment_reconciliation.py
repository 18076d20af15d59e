"""Settling payment attempts whose outcome is unknown (step 4 of the flow in
services.billing.payment_attempts): a stale pending attempt is asked about at Stripe, never
repeated. One that was never confirmed charged nothing and is closed; one Stripe has no
record of is closed after a bounded wait (services.billing.payment_lookup).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import PaymentAttempt, PaymentAttemptStatus
from services.billing.payment_attempts import CLAIM_PREFIX, _cancel_quietly
from services.billing.payment_fulfilment import _move, fulfil_payment_intent
from services.billing.payment_lookup import close_lost_attempt, look_up_intent
from services.billing.payments import Gateway
from services.kernel import clock
from services.kernel.access import Actor, require_guardian, require_staff

STALE_AFTER = timedelta(minutes=2)  # an untouched pending attempt older than this is looked at


@dataclass(frozen=True)
class ReconcileReport:
    checked: int
    succeeded: int
    failed: int
    still_pending: int


def reconcile_family(db: Session, actor: Actor, gateway: Gateway) -> ReconcileReport:
    """The page's check: settle the actor's family's stale pending attempts."""
    family_id = require_guardian(actor)
    return _reconcile(db, gateway, family_id=family_id)


def reconcile_pending(db: Session, actor: Actor, gateway: Gateway) -> ReconcileReport:
    """Staff (and scripts/reconcile_payments.py): settle every stale pending attempt."""
    require_staff(actor)
    return _reconcile(db, gateway, family_id=None)


def _reconcile(db: Session, gateway: Gateway, *, family_id: int | None) -> ReconcileReport:
    cutoff = clock.now() - STALE_AFTER
    query = select(PaymentAttempt.id, PaymentAttempt.gateway_intent_id).where(
        PaymentAttempt.status == PaymentAttemptStatus.PENDING,
        PaymentAttempt.updated_at <= cutoff,
    )
    if family_id is not None:
        query = query.where(PaymentAttempt.family_id == family_id)
    checked = succeeded = failed = pending = 0
    for attempt_id, intent_id in db.execute(query.order_by(PaymentAttempt.id)).all():
        checked += 1
        if intent_id is None or intent_id.startswith(CLAIM_PREFIX):
            # Never confirmed (we confirm only after storing the intent id): nothing charged.
            if _move(
                db,
                attempt_id,
                PaymentAttemptStatus.FAILED,
                "abandoned",
                "The payment was not completed. Nothing was charged.",
                check_intent=True,
                intent_id=intent_id,
            ):
                failed += 1
            continue
        if not gateway.configured:
            pending += 1
            continue
        lookup = look_up_intent(gateway, intent_id)
        if lookup.missing and close_lost_attempt(db, attempt_id, intent_id):
            failed += 1
            continue
        state = lookup.state
        if state is not None and state.status == "requires_confirmation":
            state = _cancel_quietly(gateway, intent_id) or state
        result = fulfil_payment_intent(db, state) if state is not None else "unchanged"
        if result == "recorded":
            succeeded += 1
        elif result == "failed":
            failed += 1
        else:
            pending += 1
    return ReconcileReport(checked, succeeded, failed, pending)
