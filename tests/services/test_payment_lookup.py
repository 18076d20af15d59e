"""A payment whose PaymentIntent Stripe has no record of (keys switched, test server
restarted) is closed after a bounded wait, and the family can pay again; a transient failure
never closes it. Against a real localstripe, emptied with `DELETE /_config/data`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, LedgerEntry, OutboxMessage, PaymentAttempt, PaymentAttemptStatus
from services.billing import payment_attempts as pay
from services.billing.payment_lookup import LOST_AFTER, LOST_CODE, look_up_intent
from services.billing.payment_reconciliation import STALE_AFTER, reconcile_family
from services.billing.payments import StripeConfig, StripeGateway
from services.kernel import clock
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.localstripe import (
    PUBLISHABLE_KEY,
    SECRET_KEY,
    LocalStripe,
    LosingProxy,
    running_localstripe,
)
from tests.support.postgres import free_port


@pytest.fixture
def stripe_server() -> Iterator[LocalStripe]:
    """A server of this test's own: emptying it must not disturb the other payment tests."""
    yield from running_localstripe()


def _pending_attempt(db: Session, stripe: LocalStripe):  # type: ignore[no-untyped-def]
    """An attempt whose confirm answer was lost: pending, with a real PaymentIntent id."""
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, stripe.gateway(), stripe)
    proxy = LosingProxy(stripe.url, lose=r"/payment_intents/\w+/confirm")
    try:
        attempt_id = pay.begin_payment(
            db,
            who.actor,
            proxy.gateway(),
            amount_cents=5000,
            payment_method_id=card.id,
            request_key=request_key(),
        )
        assert pay.submit_payment(db, who.actor, proxy.gateway(), attempt_id).status == "pending"
    finally:
        proxy.close()
    return who, card, attempt_id


def _status(db: Session, attempt_id: int) -> PaymentAttemptStatus:
    db.expire_all()
    return db.get(PaymentAttempt, attempt_id).status  # type: ignore[union-attr]


def test_a_payment_stripe_does_not_know_is_closed_after_a_bounded_wait(
    db: Session, stripe_server: LocalStripe
) -> None:
    who, card, attempt_id = _pending_attempt(db, stripe_server)
    intent_id = db.get(PaymentAttempt, attempt_id).gateway_intent_id  # type: ignore[union-attr]
    requests.delete(f"{stripe_server.url}/_config/data", timeout=10).raise_for_status()
    gateway = stripe_server.gateway()
    assert look_up_intent(gateway, intent_id).missing

    # Soon after: a definite "not found", but the wait is not over yet.
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    report = reconcile_family(db, who.actor, gateway)
    assert (report.checked, report.still_pending) == (1, 1)
    assert _status(db, attempt_id) is PaymentAttemptStatus.PENDING

    # Long after, but Stripe does not answer: unknown is not "not found", it stays pending.
    clock.advance(LOST_AFTER)
    silent = StripeGateway(
        StripeConfig(SECRET_KEY, PUBLISHABLE_KEY, api_base=f"http://127.0.0.1:{free_port()}")
    )
    assert not look_up_intent(silent, intent_id).missing
    assert reconcile_family(db, who.actor, silent).still_pending == 1
    assert _status(db, attempt_id) is PaymentAttemptStatus.PENDING

    # Long after, and Stripe says for sure it has no such payment: closed, nothing recorded.
    report = reconcile_family(db, who.actor, gateway)
    assert (report.checked, report.failed) == (1, 1)
    attempt = db.get(PaymentAttempt, attempt_id)
    assert attempt.status is PaymentAttemptStatus.FAILED and attempt.error_code == LOST_CODE
    assert (
        db.scalars(select(LedgerEntry).where(LedgerEntry.payment_attempt_id.is_not(None))).all()
        == []
    )
    # Staff see it: in the audit log and, as the e-mail to the payer, in the outbox.
    lost = db.scalar(select(AuditEntry).where(AuditEntry.action == "payment.lost"))
    assert lost is not None and lost.family_id == who.fam.id
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "payment_lost"))
    assert mail is not None and "$50.00" in mail.subject and intent_id in mail.body_text
    assert "no record of this payment" in pay.payment_outcome(db, who.actor, attempt_id).message
    # The family is no longer blocked: a new payment can begin.
    assert pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=5000,
        payment_method_id=card.id,
        request_key=request_key(),
    )
