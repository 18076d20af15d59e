"""`POST /webhooks/stripe`: signature checked, each event applied once, payments and refunds
recorded idempotently through the same fulfilment as the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from data.db import engine_for
from data.models import GatewayEvent, LedgerEntry, LedgerKind, PaymentAttempt, PaymentAttemptStatus
from routes import ROUTES
from services.billing import payment_attempts as pay
from services.billing.ledger import check_family_ledger
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.localstripe import LocalStripe, signed_event

BASE = "http://cartwheel.test"


@pytest.fixture
def client(
    db_url: str, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    for key, value in localstripe.env().items():
        monkeypatch.setenv(key, value)
    with TestClient(Starlette(routes=ROUTES), base_url=BASE) as test_client:
        yield test_client
    engine_for(db_url).dispose()


def _entries(db: Session, kind: LedgerKind) -> list[LedgerEntry]:
    db.rollback()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind)))


def _fresh(db: Session, attempt_id: int) -> PaymentAttempt:
    """The attempt as the route left it (not the test session's cached copy)."""
    db.rollback()
    db.expire_all()
    attempt = db.get(PaymentAttempt, attempt_id)
    assert attempt is not None
    return attempt


def _post(client: TestClient, payload: bytes, signature: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def _begun_and_charged(db: Session, localstripe: LocalStripe) -> tuple[object, PaymentAttempt]:
    """A payment whose answer we never processed: Stripe charged it, our row is pending."""
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    attempt_id = pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=5000,
        payment_method_id=card.id,
        request_key=request_key(),
    )
    attempt = db.get(PaymentAttempt, attempt_id)
    intent = gateway.create_payment_intent(
        amount_cents=5000,
        currency="usd",
        customer_id=_customer(db, who),
        method_id=_method(db, card.id),
        metadata={},
        idempotency_key="test",
    )
    attempt.gateway_intent_id = intent.id
    db.commit()
    assert gateway.confirm_payment_intent(intent.id, idempotency_key="t").status == "succeeded"
    return who, attempt


def _customer(db: Session, who) -> str:  # type: ignore[no-untyped-def]
    from data.models import Guardian

    return db.scalar(
        select(Guardian.gateway_customer_id).where(Guardian.id == who.actor.guardian_id)
    )


def _method(db: Session, method_id: int) -> str:
    from data.models import PaymentMethod

    return db.scalar(select(PaymentMethod.gateway_method_id).where(PaymentMethod.id == method_id))


def test_payment_succeeded_event_records_the_payment_once(
    db: Session, client: TestClient, localstripe: LocalStripe
) -> None:
    who, attempt = _begun_and_charged(db, localstripe)
    intent = localstripe.payment_intent(attempt.gateway_intent_id)
    payload, signature = signed_event("payment_intent.succeeded", intent, event_id="evt_1")
    first = _post(client, payload, signature)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert [e.amount_cents for e in _entries(db, LedgerKind.PAYMENT)] == [5000]
    # The same event again, and a different event about the same payment: nothing more.
    assert _post(client, payload, signature).json()["outcome"] == "duplicate"
    payload2, signature2 = signed_event("payment_intent.succeeded", intent, event_id="evt_2")
    assert _post(client, payload2, signature2).json()["outcome"] == "applied"
    assert len(_entries(db, LedgerKind.PAYMENT)) == 1
    assert _fresh(db, attempt.id).status is PaymentAttemptStatus.SUCCEEDED
    assert db.scalar(select(func.count()).select_from(GatewayEvent)) == 2
    check_family_ledger(db, who.actor, who.fam.id)


def test_bad_signature_is_refused_and_changes_nothing(
    db: Session, client: TestClient, localstripe: LocalStripe
) -> None:
    _who, attempt = _begun_and_charged(db, localstripe)
    intent = localstripe.payment_intent(attempt.gateway_intent_id)
    payload, signature = signed_event("payment_intent.succeeded", intent, event_id="evt_bad")
    tampered = payload.replace(b'"amount": 5000', b'"amount": 1')
    for body, header in ((tampered, signature), (payload, "t=1,v1=deadbeef"), (payload, "")):
        assert _post(client, body, header).status_code == 400
    assert _entries(db, LedgerKind.PAYMENT) == []
    assert db.scalar(select(func.count()).select_from(GatewayEvent)) == 0


def test_refund_events_record_one_refund_entry_each(
    db: Session, client: TestClient, localstripe: LocalStripe
) -> None:
    who, attempt = _begun_and_charged(db, localstripe)
    intent = localstripe.payment_intent(attempt.gateway_intent_id)
    payload, signature = signed_event("payment_intent.succeeded", intent, event_id="evt_pay")
    _post(client, payload, signature)
    # A real partial refund made at Stripe (localstripe does not send refund events itself).
    refund = localstripe.refund(attempt.gateway_intent_id, 1500)
    payload, signature = signed_event("refund.created", refund, event_id="evt_refund")
    assert _post(client, payload, signature).json()["outcome"] == "applied"
    payload, signature = signed_event("refund.updated", refund, event_id="evt_refund_2")
    _post(client, payload, signature)
    # charge.refunded carries the same refund inside the charge: still one entry.
    charge = {
        "id": refund["charge"],
        "payment_intent": attempt.gateway_intent_id,
        "refunds": {"data": [refund]},
    }
    payload, signature = signed_event("charge.refunded", charge, event_id="evt_charge")
    _post(client, payload, signature)
    refunds = _entries(db, LedgerKind.REFUND)
    assert [(r.amount_cents, r.external_ref) for r in refunds] == [(1500, refund["id"])]
    balance = check_family_ledger(db, who.actor, who.fam.id)
    assert balance.balance_cents == 1500  # the family owes the refunded part again


def test_failed_event_marks_a_pending_attempt_failed(
    db: Session, client: TestClient, localstripe: LocalStripe
) -> None:
    _who, attempt = _begun_and_charged(db, localstripe)
    intent = localstripe.payment_intent(attempt.gateway_intent_id)
    failed = {
        **intent,
        "id": attempt.gateway_intent_id,
        "status": "requires_payment_method",
        "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
    }
    attempt_id = attempt.id
    payload, signature = signed_event("payment_intent.payment_failed", failed, event_id="evt_f")
    assert _post(client, payload, signature).status_code == 200
    stored = _fresh(db, attempt_id)
    assert stored.status is PaymentAttemptStatus.FAILED and "declined" in stored.error_message
    # Stripe is the truth: the later success event still records the money it took.
    payload, signature = signed_event("payment_intent.succeeded", intent, event_id="evt_s")
    _post(client, payload, signature)
    assert len(_entries(db, LedgerKind.PAYMENT)) == 1
    # …and a failure event arriving after that cannot undo the success.
    payload, signature = signed_event("payment_intent.payment_failed", failed, event_id="evt_f2")
    _post(client, payload, signature)
    assert _fresh(db, attempt_id).status is PaymentAttemptStatus.SUCCEEDED


def test_unknown_events_are_recorded_and_ignored(
    db: Session, client: TestClient, localstripe: LocalStripe
) -> None:
    payload, signature = signed_event("customer.created", {"id": "cus_x"}, event_id="evt_c")
    assert _post(client, payload, signature).json()["outcome"] == "ignored"
    assert _post(client, payload, signature).json()["outcome"] == "duplicate"


def test_not_configured_answers_404(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", db_url)
    monkeypatch.delenv("CARTWHEEL_STRIPE_SECRET_KEY", raising=False)
    with TestClient(Starlette(routes=ROUTES), base_url=BASE) as plain:
        assert plain.post("/webhooks/stripe", content=b"{}").status_code == 404
    engine_for(db_url).dispose()
