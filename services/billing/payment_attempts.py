"""Make Payment: attempts that can never charge twice, and their fulfilment.

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
3. `fulfil_payment_intent` records the outcome Stripe reports. It serves the page, the webhook
   and the reconciler alike, and is idempotent: the status moves to succeeded once (conditional
   UPDATE) and the payment entry is unique per attempt.
4. An attempt whose outcome is unknown (timeout, crash) stays pending until `reconcile_*` asks
   Stripe; it is never blindly repeated. One Stripe has no record of is closed after a bounded
   wait (services.billing.payment_lookup).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import (
    EmailAddress,
    Guardian,
    LedgerEntry,
    LedgerKind,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentMethod,
    User,
)
from services.billing.ledger import family_balance, unchecked_family_balance
from services.billing.payment_lookup import close_lost_attempt, look_up_intent
from services.billing.payments import (
    NOT_CONFIGURED,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    IntentState,
)
from services.billing.summary import (
    allocate_oldest_first,
    lock_family,
    open_entries,
    require_may_pay,
)
from services.kernel import audit, clock, outbox
from services.kernel.access import Actor, require_guardian, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.money import format_cents
from services.kernel.secrets_util import new_token
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, storable_text

log = logging.getLogger(__name__)

CLAIM_PREFIX = "claim:"
STALE_AFTER = timedelta(minutes=2)  # an untouched pending attempt older than this is looked at
IN_FLIGHT = (
    "A payment for this account is already being processed. "
    "Wait a moment and check the last payment before paying again."
)
UNKNOWN_OUTCOME = (
    "We did not hear back from the card processor, so we do not know yet whether the payment "
    "went through. Please do not pay again: this page will show the result once it is checked."
)
NEEDS_AUTHENTICATION = (
    "Your bank asked for extra verification (3-D Secure) for this card, which online payments "
    "here cannot do yet. Nothing was charged. Please use another card or pay at the front desk."
)
FAILED_STATUSES = {"requires_payment_method", "canceled"}


@dataclass(frozen=True)
class Receipt:
    attempt_id: int
    amount_cents: int
    currency: str
    paid_at: datetime
    method_label: str
    reference: str
    remaining_balance_cents: int


@dataclass(frozen=True)
class PaymentOutcome:
    attempt_id: int
    status: str  # succeeded, failed, pending, requires_action
    message: str
    receipt: Receipt | None = None


@dataclass(frozen=True)
class ReconcileReport:
    checked: int
    succeeded: int
    failed: int
    still_pending: int


# 1. Begin --------------------------------------------------------------------------------


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
                f"The most you can pay is what is owed: {format_cents(outstanding)}."
            )
        if amount_cents > settings.max_payment_cents:
            raise ValidationError(
                "The most you can pay online at once is "
                f"{format_cents(settings.max_payment_cents)}. Pay the rest in another payment."
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


# 2. Submit -------------------------------------------------------------------------------


def submit_payment(db: Session, actor: Actor, gateway: Gateway, attempt_id: int) -> PaymentOutcome:
    """Charge the attempt's card once. Safe to call again: later calls report the outcome."""
    family_id = require_guardian(actor)
    require_id(attempt_id, "payment")
    attempt = _own_attempt(db, actor, attempt_id)
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
    if claimed != 1:  # another click, tab or rerun got here first: report, never repeat
        return payment_outcome(db, actor, attempt_id)
    db.refresh(attempt)
    method = db.get(PaymentMethod, attempt.payment_method_id) if attempt.payment_method_id else None
    customer_id = db.scalar(
        select(Guardian.gateway_customer_id).where(Guardian.id == actor.guardian_id)
    )
    if method is None or customer_id is None:
        _mark_failed(db, attempt_id, "method_missing", "That payment method is no longer saved.")
        return payment_outcome(db, actor, attempt_id)
    try:
        intent = gateway.create_payment_intent(
            amount_cents=attempt.amount_cents,
            currency=attempt.currency,
            customer_id=customer_id,
            method_id=method.gateway_method_id,
            metadata={"cartwheel_attempt": str(attempt_id), "family": str(family_id)},
            idempotency_key=f"{attempt.idempotency_key}:create",
        )
    except GatewayError as exc:
        # An intent that was never confirmed charges nothing, even if one was created.
        _mark_failed(db, attempt_id, exc.code, f"The payment could not be started: {exc.message}")
        return payment_outcome(db, actor, attempt_id)
    with write_transaction(db):
        db.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id, PaymentAttempt.gateway_intent_id == claim)
            .values(gateway_intent_id=intent.id, updated_at=clock.now())
        )
    try:
        state = gateway.confirm_payment_intent(
            intent.id, idempotency_key=f"{attempt.idempotency_key}:confirm"
        )
    except GatewayUnavailable:
        log.warning("payment attempt %s: outcome unknown, left for reconciliation", attempt_id)
        return PaymentOutcome(attempt_id, "pending", UNKNOWN_OUTCOME)
    except GatewayError:
        state = look_up_intent(gateway, intent.id).state
        if state is None:
            return PaymentOutcome(attempt_id, "pending", UNKNOWN_OUTCOME)
    if state.status == "requires_action":
        _cancel_quietly(gateway, intent.id)
    fulfil_payment_intent(db, state)
    return payment_outcome(db, actor, attempt_id)


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


# 3. Fulfil -------------------------------------------------------------------------------


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
            description=f"Online payment, {label}",
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


# 4. Reconcile ----------------------------------------------------------------------------


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


# Internals -------------------------------------------------------------------------------


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


def _decline_message(state: IntentState) -> str:
    if state.status == "canceled" and not state.error_message:
        return "The payment was cancelled. Nothing was charged."
    reason = state.error_message or "Your card was declined."
    return f"{reason} Nothing was charged. Please use another card."


def _receipt(db: Session, attempt: PaymentAttempt) -> Receipt:
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.payment_attempt_id == attempt.id))
    assert entry is not None
    balance = _balance_cents(db, attempt.family_id)
    return Receipt(
        attempt_id=attempt.id,
        amount_cents=entry.amount_cents,
        currency=attempt.currency,
        paid_at=entry.posted_at,
        method_label=entry.description.removeprefix("Online payment, "),
        reference=entry.external_ref or "",
        remaining_balance_cents=balance,
    )


def _balance_cents(db: Session, family_id: int) -> int:
    return unchecked_family_balance(db, family_id).balance_cents


def _queue_receipt(db: Session, attempt: PaymentAttempt, label: str) -> None:
    """The payer's receipt, queued in the same transaction as the payment entry."""
    address = _payer_email(db, attempt.user_id)
    if not address:
        return
    remaining = _balance_cents(db, attempt.family_id)
    amount = format_cents(attempt.amount_cents, attempt.currency)
    body = "\n".join(
        [
            "Thank you for your payment.",
            "",
            f"Amount:     {amount}",
            f"Paid with:  {label}",
            f"Date:       {clock.now():%Y-%m-%d %H:%M} UTC",
            f"Reference:  {attempt.gateway_intent_id}",
            f"Balance after this payment: {format_cents(remaining, attempt.currency)}",
            "",
            "The amount charged is exactly the amount shown above; there are no added fees.",
        ]
    )
    outbox.enqueue_email(
        db,
        to_address=address,
        subject=f"Payment receipt: {amount}",
        body_text=body,
        kind="receipt",
        family_id=attempt.family_id,
    )


def _payer_email(db: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    login = db.scalar(
        select(EmailAddress.email)
        .join(Guardian, Guardian.id == EmailAddress.guardian_id)
        .where(Guardian.user_id == user_id, EmailAddress.is_login.is_(True))
    )
    if login:
        return login
    user = db.get(User, user_id)
    return user.email if user else ""
