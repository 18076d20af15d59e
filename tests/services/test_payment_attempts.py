"""Make Payment against a real localstripe: success, declines, authentication, outages,
reconciliation, permissions, bad input, and concurrent duplicate submits on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    LedgerAllocation,
    LedgerEntry,
    LedgerKind,
    OutboxMessage,
    PaymentAttempt,
    PaymentAttemptStatus,
    User,
)
from services.billing import payment_attempts as pay
from services.billing import summary as billing
from services.billing.ledger import check_family_ledger, family_balance
from services.billing.payment_fulfilment import fulfil_payment_intent
from services.billing.payment_reconciliation import (
    STALE_AFTER,
    reconcile_family,
    reconcile_pending,
)
from services.billing.payments import Gateway, StripeConfig, StripeGateway
from services.kernel import clock
from services.kernel.errors import AccessDenied, DomainError, NotFound, ValidationError
from tests import factories as f
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.localstripe import (
    DECLINED_AT_CHARGE,
    NEEDS_AUTHENTICATION,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    LocalStripe,
    LosingProxy,
)
from tests.support.postgres import free_port


def _payments(db: Session) -> list[LedgerEntry]:
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PAYMENT)))


def _attempts(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(PaymentAttempt)) or 0)


def _pay(db: Session, actor, gateway, method_id: int, cents: int) -> pay.PaymentOutcome:  # type: ignore[no-untyped-def]
    attempt = pay.begin_payment(
        db,
        actor,
        gateway,
        amount_cents=cents,
        payment_method_id=method_id,
        request_key=request_key(),
    )
    return pay.submit_payment(db, actor, gateway, attempt)


def test_payment_succeeds_records_one_entry_allocates_oldest_first_and_queues_a_receipt(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 3000, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    outcome = _pay(db, who.actor, gateway, card.id, 4000)
    assert outcome.status == "succeeded", outcome.message
    assert outcome.receipt is not None
    assert outcome.receipt.amount_cents == 4000 and outcome.receipt.remaining_balance_cents == 4000
    assert outcome.receipt.method_label == "Visa •••• 4242"
    [entry] = _payments(db)
    assert entry.amount_cents == 4000 and entry.external_ref.startswith("pi_")
    allocations = sorted(
        (a.to_entry_id, a.amount_cents) for a in db.scalars(select(LedgerAllocation))
    )
    charges = sorted(
        db.scalars(select(LedgerEntry.id).where(LedgerEntry.kind == LedgerKind.CHARGE))
    )
    assert allocations == [(charges[0], 3000), (charges[1], 1000)]
    balance = check_family_ledger(db, who.actor, who.fam.id)
    assert (balance.outstanding_cents, balance.credit_cents) == (4000, 0)
    # Stripe charged exactly the amount the dialog showed.
    intent = localstripe.payment_intent(entry.external_ref)
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 4000, "usd")
    receipt = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "receipt"))
    payer = db.get(User, who.actor.user_id)
    assert receipt is not None and payer is not None and receipt.to_address == payer.email
    assert (
        receipt is not None
        and "$40.00" in receipt.body_text
        and "Visa •••• 4242" in receipt.body_text
    )
    summary = billing.billing_summary(db, who.actor, gateway)
    assert summary.last_payment_cents == 4000 and summary.outstanding_cents == 4000


def test_declined_at_charge_records_the_failure_and_no_payment(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe, DECLINED_AT_CHARGE)
    outcome = _pay(db, who.actor, gateway, card.id, 5000)
    assert outcome.status == "failed"
    assert "declined" in outcome.message.lower() and "Nothing was charged" in outcome.message
    attempt = db.scalar(select(PaymentAttempt))
    assert attempt is not None and attempt.status is PaymentAttemptStatus.FAILED
    assert attempt.error_code
    assert _payments(db) == []
    assert family_balance(db, who.actor, who.fam.id).outstanding_cents == 5000


def test_card_needing_authentication_is_not_charged(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    # Swap the saved card's Stripe method for a 3-D Secure one attached to the same customer,
    # as a bank might start demanding authentication for a card that was saved without it.
    from data.models import Guardian, PaymentMethod

    customer = db.scalar(
        select(Guardian.gateway_customer_id).where(Guardian.id == who.actor.guardian_id)
    )
    setup = gateway.create_setup_intent(customer_id=customer)
    assert localstripe.confirm_setup(setup.client_secret, NEEDS_AUTHENTICATION)[0] == 200
    method_id = gateway.retrieve_setup_intent(setup.id).payment_method_id
    gateway.attach_method(method_id, customer_id=customer)
    stored = db.get(PaymentMethod, card.id)
    stored.gateway_method_id = method_id
    db.commit()
    outcome = _pay(db, who.actor, gateway, card.id, 5000)
    assert outcome.status == "requires_action" and "Nothing was charged" in outcome.message
    attempt = db.scalar(select(PaymentAttempt))
    assert attempt.status is PaymentAttemptStatus.REQUIRES_ACTION
    assert localstripe.payment_intent(attempt.gateway_intent_id)["status"] == "canceled"
    assert _payments(db) == []


def test_stripe_unreachable_before_the_charge_fails_cleanly(
    db: Session, localstripe: LocalStripe
) -> None:
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, localstripe.gateway(), localstripe)
    dead = StripeGateway(
        StripeConfig(SECRET_KEY, PUBLISHABLE_KEY, api_base=f"http://127.0.0.1:{free_port()}")
    )
    outcome = _pay(db, who.actor, dead, card.id, 5000)
    assert outcome.status == "failed" and "did not answer" in outcome.message
    assert _payments(db) == []
    # The family can try again at once: nothing is left in flight.
    assert _pay(db, who.actor, localstripe.gateway(), card.id, 5000).status == "succeeded"


def test_lost_answer_is_reconciled_never_repeated(db: Session, localstripe: LocalStripe) -> None:
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, localstripe.gateway(), localstripe)
    proxy = LosingProxy(localstripe.url, lose=r"/payment_intents/\w+/confirm")
    try:
        outcome = _pay(db, who.actor, proxy.gateway(), card.id, 5000)
    finally:
        proxy.close()
    assert outcome.status == "pending" and "do not pay again" in outcome.message.lower()
    attempt = db.scalar(select(PaymentAttempt))
    assert attempt.status is PaymentAttemptStatus.PENDING
    assert localstripe.payment_intent(attempt.gateway_intent_id)["status"] == "succeeded"
    assert _payments(db) == []
    # A second payment is refused while the first is unresolved.
    with pytest.raises(ValidationError, match="already being processed"):
        pay.begin_payment(
            db,
            who.actor,
            localstripe.gateway(),
            amount_cents=5000,
            payment_method_id=card.id,
            request_key=request_key(),
        )
    # Too soon to reconcile: nothing changes.
    assert reconcile_family(db, who.actor, localstripe.gateway()).checked == 0
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    report = reconcile_family(db, who.actor, localstripe.gateway())
    assert (report.checked, report.succeeded) == (1, 1)
    assert [e.amount_cents for e in _payments(db)] == [5000]
    # Reconciling again, or the webhook arriving late, records nothing more.
    assert reconcile_family(db, who.actor, localstripe.gateway()).checked == 0
    state = localstripe.gateway().retrieve_payment_intent(attempt.gateway_intent_id)
    assert fulfil_payment_intent(db, state) == "unchanged"
    assert len(_payments(db)) == 1


def test_staff_reconciler_settles_abandoned_attempts(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=5000,
        payment_method_id=card.id,
        request_key=request_key(),
    )
    staff = f.staff(db, "admin@example.com", [who.loc], f.Role.ADMIN)
    db.commit()
    with pytest.raises(AccessDenied):
        reconcile_pending(db, who.actor, gateway)
    clock.advance(timedelta(minutes=5))
    report = reconcile_pending(db, staff, gateway)
    assert (report.checked, report.failed) == (1, 1)
    attempt = db.scalar(select(PaymentAttempt))
    assert (
        attempt.status is PaymentAttemptStatus.FAILED
        and "Nothing was charged" in attempt.error_message
    )


def test_same_request_key_is_one_attempt_and_one_charge(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    key = request_key()
    first = pay.begin_payment(
        db, who.actor, gateway, amount_cents=5000, payment_method_id=card.id, request_key=key
    )
    again = pay.begin_payment(
        db, who.actor, gateway, amount_cents=5000, payment_method_id=card.id, request_key=key
    )
    assert first == again
    assert pay.submit_payment(db, who.actor, gateway, first).status == "succeeded"
    assert pay.submit_payment(db, who.actor, gateway, first).status == "succeeded"
    assert _attempts(db) == 1 and len(_payments(db)) == 1
    # A second tab (a new request key) finds nothing left to pay.
    with pytest.raises(ValidationError, match="Nothing is owed"):
        pay.begin_payment(
            db,
            who.actor,
            gateway,
            amount_cents=5000,
            payment_method_id=card.id,
            request_key=request_key(),
        )


@pytest.mark.parametrize("same_request", [True, False], ids=["double-click", "two-tabs"])
def test_concurrent_duplicate_submits_charge_once(
    db: Session, engine: Engine, localstripe: LocalStripe, same_request: bool
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    shared_key = request_key()
    results: list[str] = []
    barrier = threading.Barrier(4)

    def click() -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                attempt = pay.begin_payment(
                    own,
                    who.actor,
                    gateway,
                    amount_cents=5000,
                    payment_method_id=card.id,
                    request_key=shared_key if same_request else request_key(),
                )
                results.append(pay.submit_payment(own, who.actor, gateway, attempt).status)
            except DomainError as refused:
                results.append(refused.message)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.rollback()  # end the test session's snapshot: read what the threads committed
    assert len(results) == 4
    assert len(_payments(db)) == 1, results
    succeeded = db.scalars(
        select(PaymentAttempt).where(PaymentAttempt.status == PaymentAttemptStatus.SUCCEEDED)
    ).all()
    assert len(succeeded) == 1
    assert localstripe.payment_intent(succeeded[0].gateway_intent_id)["amount"] == 5000
    assert family_balance(db, who.actor, who.fam.id).outstanding_cents == 0
    if same_request:
        assert _attempts(db) == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "greater than zero"),
        (-100, "greater than zero"),
        (True, "greater than zero"),
        ("50", "greater than zero"),
        (5001, "most you can pay is what is owed"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_written(
    db: Session, localstripe: LocalStripe, amount: object, message: str
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    with pytest.raises(ValidationError, match=message):
        pay.begin_payment(
            db,
            who.actor,
            gateway,
            amount_cents=amount,  # type: ignore[arg-type]
            payment_method_id=card.id,
            request_key=request_key(),
        )
    assert _attempts(db) == 0


def test_the_business_limit_applies(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 90_000)
    card = save_card(db, who.actor, gateway, localstripe)
    f.portal_settings(db, max_payment_cents=50_000)
    db.commit()
    assert billing.billing_summary(db, who.actor, gateway).max_payment_cents == 50_000
    with pytest.raises(ValidationError, match=r"most you can pay online at once is \$500.00"):
        pay.begin_payment(
            db,
            who.actor,
            gateway,
            amount_cents=50_001,
            payment_method_id=card.id,
            request_key=request_key(),
        )
    assert _attempts(db) == 0


def test_bad_request_key_and_method(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    other = owing_family(db, 5000, name="Okafor")
    theirs = save_card(db, other.actor, gateway, localstripe)
    mine = save_card(db, who.actor, gateway, localstripe)
    with pytest.raises(ValidationError, match="form has expired"):
        pay.begin_payment(
            db, who.actor, gateway, amount_cents=100, payment_method_id=mine.id, request_key="x"
        )
    with pytest.raises(ValidationError, match="Choose one of your saved payment methods"):
        pay.begin_payment(
            db,
            who.actor,
            gateway,
            amount_cents=100,
            payment_method_id=theirs.id,
            request_key=request_key(),
        )
    with pytest.raises(NotFound, match="That payment method was not found"):  # no row has it
        pay.begin_payment(
            db,
            who.actor,
            gateway,
            amount_cents=100,
            payment_method_id=-1,
            request_key=request_key(),
        )
    assert _attempts(db) == 0


def test_not_configured_gateway_refuses_payment(db: Session) -> None:
    who = owing_family(db, 5000)
    summary = billing.billing_summary(db, who.actor, Gateway())
    assert (
        not summary.can_pay_online
        and "not configured to accept online payments" in summary.cannot_pay_reason
    )
    with pytest.raises(ValidationError, match="not configured"):
        pay.begin_payment(
            db,
            who.actor,
            Gateway(),
            amount_cents=100,
            payment_method_id=1,
            request_key=request_key(),
        )
    assert _attempts(db) == 0


def test_secondary_guardian_pays_only_with_permission(
    db: Session, localstripe: LocalStripe
) -> None:
    from data.models import Guardian

    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    second = f.second_guardian(db, who.fam, "second@example.com")
    db.commit()
    card = save_card(db, second, gateway, localstripe)
    summary = billing.billing_summary(db, second, gateway)
    assert not summary.may_pay and "has not allowed you" in summary.cannot_pay_reason
    with pytest.raises(AccessDenied, match="has not allowed you"):
        pay.begin_payment(
            db,
            second,
            gateway,
            amount_cents=5000,
            payment_method_id=card.id,
            request_key=request_key(),
        )
    with pytest.raises(AccessDenied):
        billing.apply_credit(db, second)
    assert _attempts(db) == 0
    guardian = db.get(Guardian, second.guardian_id)
    guardian.may_pay = True
    db.commit()
    assert billing.billing_summary(db, second, gateway).can_pay_online
    assert _pay(db, second, gateway, card.id, 5000).status == "succeeded"


def test_attempts_of_others_are_not_found(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    other = owing_family(db, 5000, name="Okafor")
    card = save_card(db, who.actor, gateway, localstripe)
    attempt = pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=5000,
        payment_method_id=card.id,
        request_key=request_key(),
    )
    with pytest.raises(NotFound):
        pay.submit_payment(db, other.actor, gateway, attempt)
    with pytest.raises(NotFound):
        pay.payment_outcome(db, other.actor, attempt)
    staff = f.staff(db, "desk@example.com", [who.loc])
    db.commit()
    for call in (
        lambda: pay.submit_payment(db, staff, gateway, attempt),
        lambda: pay.begin_payment(
            db,
            staff,
            gateway,
            amount_cents=5000,
            payment_method_id=card.id,
            request_key=request_key(),
        ),
        lambda: reconcile_family(db, staff, gateway),
        lambda: billing.billing_summary(db, staff, gateway),
        lambda: billing.apply_credit(db, staff),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert db.scalar(select(PaymentAttempt.status)) is PaymentAttemptStatus.PENDING
