"""Make Payment: attempts that can never charge twice.

The flow (docs/decisions.md, "Payments"):

1. `begin_payment` commits a payment-attempt row with its own idempotency key, derived from a
   request key the page makes once per confirm dialog. A double-click or a rerun sends the same
   request key and gets the same attempt back. The family row is locked while the attempt is
   written, and a family with a payment in flight cannot start another, so two tabs cannot
   both pay; the amount is capped at what is owed, so a second tab finds nothing left to pay.
2. `submit_payment` claims the attempt with a conditional UPDATE (only one caller wins), creates
   a PaymentIntent (unconfirmed: it charges nothing), stores its id, then confirms it. A
   PaymentIntent is confirmed only after its id is committed, so an attempt without an intent
   id was never charged.
3. `fulfil_payment_intent` (services.billing.payment_fulfilment) records the outcome Stripe
   reports. It serves the page, the webhook and the reconciler alike, and is idempotent: the
   status moves to succeeded once (conditional UPDATE) and the payment entry is unique per
   attempt; the payer's receipt is in services.billing.attempt_receipts.
4. An attempt whose outcome is unknown (timeout, crash) stays pending until `reconcile_*`
   (services.billing.payment_reconciliation) asks Stripe; it is never blindly repeated. One
   Stripe has no record of is closed after a bounded wait (services.billing.payment_lookup).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import Guardian, LedgerEntry, PaymentAttempt, PaymentAttemptStatus, PaymentMethod
from services.billing.attempt_receipts import Receipt, _receipt
from services.billing.gateway_objects import IntentState
from services.billing.ledger import family_balance
from services.billing.payment_fulfilment import NEEDS_AUTHENTICATION, _move, fulfil_payment_intent
from services.billing.payment_lookup import look_up_intent
from services.billing.payments import NOT_CONFIGURED, Gateway, GatewayError, GatewayUnavailable
from services.billing.summary import lock_family, open_entries, require_may_pay
from services.kernel import audit, clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import NotFound, ValidationError
from services.kernel.money import format_cents
from services.kernel.secrets_util import new_token
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, storable_text

log = logging.getLogger(__name__)
CLAIM_PREFIX = "claim:"
IN_FLIGHT = (
    "A payment for this account is already being processed. "
    "Wait a moment and check the last payment before paying again."
)
UNKNOWN_OUTCOME = (
    "We did not hear back from the card processor, so we do not know yet whether the payment "
    "went through. Please do not pay again: this page will show the result once it is checked."
)


@dataclass(frozen=True)
class PaymentOutcome:
    attempt_id: int
    status: str  # succeeded, failed, pending, requires_action
    message: str
    receipt: Receipt | None = None


def begin_payment(
    db: Session,
    actor: Actor,
    gateway: Gateway,
    *,
    amount_cents: int,
    payment_method_id: int,
    request_key: str,
) -> int:
    """Commit a pending attempt for this request; the same request key returns the same one."""
    family_id = require_may_pay(db, actor)
    if not gateway.configured:
        raise ValidationError(NOT_CONFIGURED)
    if not storable_text(request_key) or not 16 <= len(request_key) <= 100:
        raise ValidationError("This payment form has expired. Please open it again.")
    key = _idempotency_key(actor, request_key)
    existing = _attempt_by_key(db, key)
    if existing is not None:
        return existing
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise ValidationError("Enter an amount greater than zero.")
    require_id(payment_method_id, "payment method")
    settings = get_settings(db)
    with write_transaction(db, conflict=IN_FLIGHT):
        lock_family(db, family_id)
        existing = _attempt_by_key(db, key)
        if existing is not None:  # the same request, racing itself
            return existing
        method = db.scalar(
            select(PaymentMethod).where(
                PaymentMethod.id == payment_method_id, PaymentMethod.family_id == family_id
            )
        )
        if method is None or method.guardian_id != actor.guardian_id:
            raise ValidationError("Choose one of your saved payment methods.")
        if _in_flight(db, family_id):
            raise ValidationError(IN_FLIGHT)
        outstanding = family_balance(db, actor, family_id).outstanding_cents
        if outstanding <= 0:
            raise ValidationError("Nothing is owed right now, so there is nothing to pay.")
        if amount_cents > outstanding:
            raise ValidationError(
                "The most you can pay is what is owed: "
                f"{format_cents(outstanding, settings.currency)}."
            )
        if amount_cents > settings.max_payment_cents:
            raise ValidationError(
                "The most you can pay online at once is "
                f"{format_cents(settings.max_payment_cents, settings.currency)}. "
                "Pay the rest in another payment."
            )
        now = clock.now()
        attempt = PaymentAttempt(
            family_id=family_id,
            user_id=actor.user_id,
            payment_method_id=method.id,
            location_id=_oldest_open_charge_location(db, family_id),
            amount_cents=amount_cents,
            currency=settings.currency,
            idempotency_key=key,
            status=PaymentAttemptStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        db.add(attempt)
        db.flush()
        attempt_id = attempt.id
        audit.record(
            db,
            actor,
            "payment.started",
            entity="payment_attempt",
            entity_id=attempt_id,
            details={"amount_cents": amount_cents, "method": f"{method.brand} {method.last4}"},
        )
    return attempt_id


def submit_payment(db: Session, actor: Actor, gateway: Gateway, attempt_id: int) -> PaymentOutcome:
    """Charge the attempt's card once. Safe to call again: later calls report the outcome."""
    require_guardian(actor)
    require_id(attempt_id, "payment")
    _own_attempt(db, actor, attempt_id)
    customer_id = db.scalar(
        select(Guardian.gateway_customer_id).where(Guardian.id == actor.guardian_id)
    )
    charge_attempt(db, gateway, attempt_id, customer_id=customer_id)
    return payment_outcome(db, actor, attempt_id)


def charge_attempt(
    db: Session,
    gateway: Gateway,
    attempt_id: int,
    *,
    customer_id: str | None,
    off_session: bool = False,
) -> None:
    """Charge a pending attempt's card at most once; the outcome is recorded on the attempt.

    Internal: the caller checked who may charge the attempt and whose Stripe customer pays
    (the guardian paying, or the card's guardian for autopay, which sets `off_session`)."""
    claim = CLAIM_PREFIX + new_token()[:40]
    with write_transaction(db):
        claimed = db.execute(
            update(PaymentAttempt)
            .where(
                PaymentAttempt.id == attempt_id,
                PaymentAttempt.status == PaymentAttemptStatus.PENDING,
                PaymentAttempt.gateway_intent_id.is_(None),
            )
            .values(gateway_intent_id=claim, updated_at=clock.now())
        ).rowcount
    if claimed != 1:  # another click, tab, rerun or job got here first: never repeat
        return
    attempt = db.get_one(PaymentAttempt, attempt_id)
    db.refresh(attempt)
    method = db.get(PaymentMethod, attempt.payment_method_id) if attempt.payment_method_id else None
    if method is None or customer_id is None:
        _mark_failed(db, attempt_id, "method_missing", "That payment method is no longer saved.")
        return
    try:
        intent = gateway.create_payment_intent(
            amount_cents=attempt.amount_cents,
            currency=attempt.currency,
            customer_id=customer_id,
            method_id=method.gateway_method_id,
            metadata={"cartwheel_attempt": str(attempt_id), "family": str(attempt.family_id)},
            idempotency_key=f"{attempt.idempotency_key}:create",
        )
    except GatewayError as exc:
        # An intent that was never confirmed charges nothing, even if one was created.
        _mark_failed(db, attempt_id, exc.code, f"The payment could not be started: {exc.message}")
        return
    with write_transaction(db):
        db.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id, PaymentAttempt.gateway_intent_id == claim)
            .values(gateway_intent_id=intent.id, updated_at=clock.now())
        )
    try:
        state = gateway.confirm_payment_intent(
            intent.id, idempotency_key=f"{attempt.idempotency_key}:confirm", off_session=off_session
        )
    except GatewayUnavailable:
        log.warning("payment attempt %s: outcome unknown, left for reconciliation", attempt_id)
        return
    except GatewayError:
        state = look_up_intent(gateway, intent.id).state
        if state is None:
            return
    if state.status == "requires_action":
        _cancel_quietly(gateway, intent.id)
    fulfil_payment_intent(db, state)


def payment_outcome(db: Session, actor: Actor, attempt_id: int) -> PaymentOutcome:
    """What happened to one of the actor's attempts, in words for the page."""
    attempt = _own_attempt(db, actor, attempt_id)
    db.refresh(attempt)
    status = attempt.status
    if status is PaymentAttemptStatus.SUCCEEDED:
        return PaymentOutcome(attempt_id, "succeeded", "Payment received.", _receipt(db, attempt))
    if status is PaymentAttemptStatus.FAILED:
        return PaymentOutcome(attempt_id, "failed", attempt.error_message or "Payment failed.")
    if status is PaymentAttemptStatus.REQUIRES_ACTION:
        return PaymentOutcome(attempt_id, "requires_action", NEEDS_AUTHENTICATION)
    if attempt.gateway_intent_id is None or attempt.gateway_intent_id.startswith(CLAIM_PREFIX):
        return PaymentOutcome(attempt_id, "pending", "The payment is being processed.")
    return PaymentOutcome(attempt_id, "pending", UNKNOWN_OUTCOME)


def _idempotency_key(actor: Actor, request_key: str) -> str:
    digest = hashlib.sha256(f"{actor.user_id}:{request_key}".encode()).hexdigest()
    return f"cw-pay-{digest[:48]}"


def _attempt_by_key(db: Session, key: str) -> int | None:
    return db.scalar(select(PaymentAttempt.id).where(PaymentAttempt.idempotency_key == key))


def _in_flight(db: Session, family_id: int) -> bool:
    count = db.scalar(
        select(func.count())
        .select_from(PaymentAttempt)
        .where(
            PaymentAttempt.family_id == family_id,
            PaymentAttempt.status == PaymentAttemptStatus.PENDING,
        )
    )
    return bool(count)


def _oldest_open_charge_location(db: Session, family_id: int) -> int:
    open_charges = open_entries(db, family_id, debit=True)
    entry = db.get(LedgerEntry, open_charges[0].entry_id)
    assert entry is not None
    return entry.location_id


def _own_attempt(db: Session, actor: Actor, attempt_id: int) -> PaymentAttempt:
    attempt = db.get(PaymentAttempt, require_id(attempt_id, "payment"))
    if attempt is None or attempt.family_id != actor.family_id or attempt.user_id != actor.user_id:
        raise NotFound("payment")
    return attempt


def _mark_failed(db: Session, attempt_id: int, code: str, message: str) -> None:
    """Failed before any charge could happen: the claim placeholder is cleared too."""
    _move(db, attempt_id, PaymentAttemptStatus.FAILED, code, message, clear_intent=True)


def _cancel_quietly(gateway: Gateway, intent_id: str) -> IntentState | None:
    """Cancel an intent that must not go on (needs 3-D Secure; never confirmed)."""
    try:
        return gateway.cancel_payment_intent(intent_id)
    except GatewayError:
        log.warning("could not cancel PaymentIntent %s", intent_id)
        return None
