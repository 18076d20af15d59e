"""Refunding a card payment at the desk (issue 16): through localstripe, recorded once even
when the webhook reports the same refund, never beyond the payment (threads and separate
processes on both databases), limited by role, and consistent when Stripe fails."""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import replace
from datetime import datetime
from uuid import uuid4

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    CardRefund,
    CardRefundStatus,
    LedgerEntry,
    LedgerKind,
    Role,
)
from services.billing import payment_attempts as pay
from services.billing import refunds
from services.billing.gateway_events import handle_stripe_webhook, record_refund
from services.billing.gateway_objects import RefundInfo
from services.billing.ledger import check_family_ledger
from services.billing.payments import GatewayRejected, GatewayUnavailable, StripeGateway
from services.billing.refunds import NO_ANSWER, refund_card_payment, refundable_cents
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, DomainError, NotFound, ValidationError
from tests import factories as f
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.desk_money import FakeRefunds, card_payment, refund_in_process, slowed
from tests.support.localstripe import SECRET_KEY, LocalStripe, signed_event


def _refunds(db: Session) -> list[LedgerEntry]:
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REFUND)))


def _rows(db: Session) -> list[CardRefund]:
    db.expire_all()
    return list(db.scalars(select(CardRefund).order_by(CardRefund.id)))


def _paid_by_card(db: Session, localstripe: LocalStripe, cents: int = 5000):  # type: ignore[no-untyped-def]
    """A family that paid `cents` by card through localstripe, and a desk at its location."""
    gateway = localstripe.gateway()
    who = owing_family(db, cents)
    card = save_card(db, who.actor, gateway, localstripe)
    attempt = pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=cents,
        payment_method_id=card.id,
        request_key=request_key(),
    )
    assert pay.submit_payment(db, who.actor, gateway, attempt).status == "succeeded"
    payment = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PAYMENT))
    desk = f.staff(db, f"desk{uuid4().hex[:6]}@example.com", [who.loc])
    db.commit()
    return who, gateway, payment, desk


def _stripe_refund(localstripe: LocalStripe, refund_id: str) -> dict:  # type: ignore[type-arg]
    response = requests.get(
        f"{localstripe.url}/v1/refunds/{refund_id}",
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_full_refund_through_stripe_records_one_entry_with_the_reason(
    db: Session, localstripe: LocalStripe
) -> None:
    who, gateway, payment, desk = _paid_by_card(db, localstripe)
    outcome = refund_card_payment(db, desk, gateway, payment.id, 5000, "Class cancelled", "k" * 16)
    assert (outcome.status, outcome.amount_cents) == ("succeeded", 5000)
    [entry] = _refunds(db)
    assert entry.description == "Card refund: Class cancelled"
    assert entry.created_by_user_id == desk.user_id
    [row] = _rows(db)
    assert row.status is CardRefundStatus.SUCCEEDED and row.gateway_refund_id == entry.external_ref
    stripe_refund = _stripe_refund(localstripe, entry.external_ref)
    assert (stripe_refund["amount"], stripe_refund["status"]) == (5000, "succeeded")
    # The family got its money back, so the charge it paid is owed again.
    balance = check_family_ledger(db, desk, who.fam.id)
    assert (balance.outstanding_cents, balance.credit_cents) == (5000, 0)
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"desk.refund_requested", "desk.refund_sent", "payment.refunded"} <= actions


def test_partial_refunds_up_to_the_payment_then_too_much_is_refused(
    db: Session, localstripe: LocalStripe
) -> None:
    _who, gateway, payment, desk = _paid_by_card(db, localstripe)
    with pytest.raises(ValidationError, match=r"Only \$50.00 of this payment"):
        refund_card_payment(db, desk, gateway, payment.id, 5001, "Too much", request_key())
    assert _rows(db) == []
    refund_card_payment(db, desk, gateway, payment.id, 2000, "Missed week", request_key())
    assert refundable_cents(db, desk, payment.id) == 3000
    refund_card_payment(db, desk, gateway, payment.id, 3000, "Rest of term", request_key())
    with pytest.raises(ValidationError, match=r"Only \$0.00"):
        refund_card_payment(db, desk, gateway, payment.id, 1, "One more", request_key())
    assert sorted(e.amount_cents for e in _refunds(db)) == [2000, 3000]
    assert refundable_cents(db, desk, payment.id) == 0


def test_the_webhook_reporting_the_same_refund_records_nothing_more(
    db: Session, localstripe: LocalStripe
) -> None:
    who, gateway, payment, desk = _paid_by_card(db, localstripe)
    refund_card_payment(db, desk, gateway, payment.id, 1500, "Sibling discount", request_key())
    [entry] = _refunds(db)
    refund = _stripe_refund(localstripe, entry.external_ref)
    for event_type, event_id in (("refund.created", "evt_a"), ("refund.updated", "evt_b")):
        payload, signature = signed_event(event_type, refund, event_id=event_id)
        assert handle_stripe_webhook(db, gateway, payload, signature).outcome == "applied"
    assert [e.id for e in _refunds(db)] == [entry.id]
    assert len(_rows(db)) == 1
    check_family_ledger(db, desk, who.fam.id)


class _WebhookFirst(StripeGateway):
    """Stripe's webhook arrives (in another session) before the desk hears Stripe's answer."""

    def __init__(self, localstripe: LocalStripe, engine) -> None:  # type: ignore[no-untyped-def]
        super().__init__(localstripe.config())
        self.engine = engine

    def create_refund(self, **kwargs) -> RefundInfo:  # type: ignore[no-untyped-def, override]
        refund = super().create_refund(**kwargs)
        obj = {
            "id": refund.id,
            "amount": refund.amount_cents,
            "status": refund.status,
            "payment_intent": refund.payment_intent_id,
            "metadata": refund.metadata,
        }
        payload, signature = signed_event("refund.created", obj, event_id=f"evt_{refund.id}")
        with Session(self.engine, expire_on_commit=False) as other:
            handle_stripe_webhook(other, self, payload, signature)
        return refund


def test_a_webhook_before_the_answer_is_matched_to_the_desk_refund(
    db: Session, engine, localstripe: LocalStripe
) -> None:  # type: ignore[no-untyped-def]
    _who, _gateway, payment, desk = _paid_by_card(db, localstripe)
    gateway = _WebhookFirst(localstripe, engine)
    refund_card_payment(db, desk, gateway, payment.id, 1200, "Overcharged", request_key())
    [entry] = _refunds(db)
    assert entry.description == "Card refund: Overcharged"  # the desk's row, found by metadata
    [row] = _rows(db)
    assert (row.status, row.amount_cents) == (CardRefundStatus.SUCCEEDED, 1200)
    assert refundable_cents(db, desk, payment.id) == 3800


def test_a_refund_made_in_the_stripe_dashboard_counts_against_the_payment(
    db: Session, localstripe: LocalStripe
) -> None:
    _who, gateway, payment, desk = _paid_by_card(db, localstripe)
    outside = localstripe.refund(payment.external_ref, 4000)
    payload, signature = signed_event("refund.created", outside, event_id="evt_dash")
    handle_stripe_webhook(db, gateway, payload, signature)
    assert refundable_cents(db, desk, payment.id) == 1000
    with pytest.raises(ValidationError, match=r"Only \$10.00"):
        refund_card_payment(db, desk, gateway, payment.id, 2000, "More", request_key())


def test_the_same_request_refunds_once(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    db.commit()
    gateway = FakeRefunds()
    first = refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Oops", "same-key-1")
    again = refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Oops", "same-key-1")
    assert first.refund_id == again.refund_id and len(gateway.made) == 1
    assert len(_refunds(db)) == 1


def test_refunds_above_the_limit_need_an_admin_counted_per_payment(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 30_000)
    db.commit()
    gateway = FakeRefunds()
    with pytest.raises(AccessDenied, match="need an administrator"):
        refund_card_payment(db, gym.desk, gateway, payment.id, 10_001, "Camp", request_key())
    refund_card_payment(db, gym.desk, gateway, payment.id, 6_000, "Camp", request_key())
    with pytest.raises(AccessDenied, match="need an administrator"):
        refund_card_payment(db, gym.desk, gateway, payment.id, 4_001, "Camp", request_key())
    refund_card_payment(db, gym.admin, gateway, payment.id, 20_000, "Camp", request_key())
    assert [r.amount_cents for r in _rows(db)] == [6_000, 20_000]
    assert len(gateway.made) == 2


def test_who_may_refund(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    charge = f.entry(db, gym.family, gym.north, LedgerKind.CHARGE, 3000)
    teacher = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    db.commit()
    gateway = FakeRefunds()
    for actor, error in (
        (gym.guardian, AccessDenied),
        (teacher, AccessDenied),
        (gym.south_desk, NotFound),
    ):
        with pytest.raises(error):
            refund_card_payment(db, actor, gateway, payment.id, 100, "Why", request_key())
    with pytest.raises(NotFound, match="payment"):
        refund_card_payment(db, gym.desk, gateway, charge.id, 100, "Why", request_key())
    for cents, reason, message in ((0, "Why", "above zero"), (100, "", "Enter a reason")):
        with pytest.raises(ValidationError, match=message):
            refund_card_payment(db, gym.desk, gateway, payment.id, cents, reason, request_key())
    assert _rows(db) == [] and gateway.made == []


def test_stripe_refusing_leaves_nothing_refunded_and_says_so(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    db.commit()
    gateway = FakeRefunds(error=GatewayRejected("The card processor refused the request."))
    with pytest.raises(ValidationError, match=r"refused the refund .* Nothing was refunded"):
        refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Oops", request_key())
    [row] = _rows(db)
    assert row.status is CardRefundStatus.FAILED and row.gateway_refund_id is None
    assert _refunds(db) == [] and refundable_cents(db, gym.desk, payment.id) == 3000


def test_no_answer_from_stripe_keeps_the_amount_spoken_for(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    db.commit()
    gateway = FakeRefunds(error=GatewayUnavailable("The card processor did not answer."))
    with pytest.raises(DomainError) as refused:
        refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Oops", request_key())
    assert refused.value.message == NO_ANSWER
    [row] = _rows(db)
    assert row.status is CardRefundStatus.PENDING and _refunds(db) == []
    assert refundable_cents(db, gym.desk, payment.id) == 2000


def _race_setup(db: Session) -> tuple[Actor, Actor, int]:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 5000)
    db.commit()
    return gym.desk, gym.admin, payment.id


def _check_race(db: Session, admin: Actor, outcomes: list[str]) -> None:
    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "succeeded"], outcomes
    refused = next(o for o in outcomes if o.startswith("refused"))
    assert "Only $20.00" in refused or "busy" in refused, refused
    assert [e.amount_cents for e in _refunds(db)] == [3000]
    family_id = _refunds(db)[0].family_id
    check_family_ledger(db, admin, family_id)


def test_two_refunds_at_once_in_threads_never_exceed_the_payment(
    db: Session, engine, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    desk, admin, entry_id = _race_setup(db)
    monkeypatch.setattr(refunds, "refunded_cents", slowed(refunds.refunded_cents))
    barrier, outcomes = threading.Barrier(2), []

    def clerk() -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=30)
            try:
                done = refund_card_payment(
                    own, desk, FakeRefunds(), entry_id, 3000, "R", uuid4().hex
                )
                outcomes.append(done.status)
            except DomainError as exc:
                outcomes.append(f"refused: {exc.message}")

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    _check_race(db, admin, outcomes)


def test_two_refunds_at_once_in_processes_never_exceed_the_payment(
    db: Session, db_url: str, frozen_clock: datetime
) -> None:
    desk, admin, entry_id = _race_setup(db)
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    racers = [
        spawn.Process(
            target=refund_in_process,
            args=(db_url, frozen_clock, barrier, results, i, desk, entry_id, 3000),
        )
        for i in range(2)
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=180) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    _check_race(db, admin, list(outcomes.values()))


def test_a_refund_stripe_finishes_later_is_recorded_or_freed_when_reported(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    db.commit()
    gateway = FakeRefunds(status="pending")
    first = refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Later", request_key())
    second = refund_card_payment(db, gym.desk, gateway, payment.id, 500, "Later", request_key())
    assert (first.status, second.status) == ("pending", "pending") and _refunds(db) == []
    assert refundable_cents(db, gym.desk, payment.id) == 1500
    made_first, made_second = gateway.made
    done, failed = replace(made_first, status="succeeded"), replace(made_second, status="failed")
    assert record_refund(db, gateway, done) == "recorded"
    assert record_refund(db, gateway, failed) == "failed"
    assert [e.amount_cents for e in _refunds(db)] == [1000]
    assert [r.status for r in _rows(db)] == [CardRefundStatus.SUCCEEDED, CardRefundStatus.FAILED]
    assert refundable_cents(db, gym.desk, payment.id) == 2000


def test_stripe_answering_failed_at_once_says_nothing_was_refunded(db: Session) -> None:
    gym = f.family_gym(db)
    payment = card_payment(db, gym.family, gym.north, 3000)
    db.commit()
    gateway = FakeRefunds(status="failed")
    with pytest.raises(ValidationError, match="Nothing was refunded"):
        refund_card_payment(db, gym.desk, gateway, payment.id, 1000, "Oops", request_key())
    assert _refunds(db) == [] and refundable_cents(db, gym.desk, payment.id) == 3000
