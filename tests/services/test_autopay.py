"""Autopay against a real localstripe on both databases: one attempt per family and run, the
right cards only, declines and expired cards recorded with their reason and e-mailed once,
retries, re-runs, and two job runs at once (threads and separate processes)."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    LedgerEntry,
    LedgerKind,
    PaymentAttemptStatus,
    Role,
)
from services.billing.autopay import run_autopay, run_autopay_job
from services.billing.ledger import check_family_ledger, unchecked_family_balance
from services.billing.payment_reconciliation import STALE_AFTER, reconcile_pending
from services.billing.payments import GatewayRejected
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied, ValidationError
from tests import factories as f
from tests.services.autopay_helpers import (
    AutopayGym,
    CountingGateway,
    attempts,
    autopay_gym,
    job_in_process,
    mails,
    tallied,
)
from tests.services.payment_helpers import owing_family, save_card
from tests.support.localstripe import DECLINED_AT_CHARGE, LocalStripe, LosingProxy

JOB = scheduler_actor()


@pytest.fixture
def gym(db: Session, localstripe: LocalStripe) -> AutopayGym:
    return autopay_gym(db, localstripe)


def _payments(db: Session, family_id: int) -> list[LedgerEntry]:
    return list(
        db.scalars(
            select(LedgerEntry).where(
                LedgerEntry.family_id == family_id, LedgerEntry.kind == LedgerKind.PAYMENT
            )
        )
    )


def test_the_billing_day_charges_the_good_card_and_records_declined_and_expired_ones(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    counts = run_autopay_job(db, JOB, localstripe.gateway())
    assert counts == {"try": 1, "succeeded": 1, "failed": 2, "notified": 0}
    made = attempts(db)
    assert sorted(a.family_id for a in made) == sorted(
        [gym.good.id, gym.declined.id, gym.expired.id]
    )
    assert {a.idempotency_key for a in made} == {
        f"autopay:{fam.id}:2026-11:1" for fam in (gym.good, gym.declined, gym.expired)
    }
    by_family = {a.family_id: a for a in made}
    good = by_family[gym.good.id]
    assert good.status is PaymentAttemptStatus.SUCCEEDED and good.amount_cents == 8_500
    assert good.autopay_period == "2026-11" and good.autopay_try == 1
    [payment] = _payments(db, gym.good.id)
    assert payment.description == "Automatic payment, Visa •••• 4242"
    assert localstripe.payment_intent(payment.external_ref)["status"] == "succeeded"
    assert unchecked_family_balance(db, gym.good.id).balance_cents == 0
    check_family_ledger(db, JOB, gym.good.id)
    declined = by_family[gym.declined.id]
    assert declined.status is PaymentAttemptStatus.FAILED
    assert declined.error_code == "card_declined" and "declined" in declined.error_message
    assert declined.gateway_intent_id.startswith("pi_")  # Stripe has the declined intent
    expired = by_family[gym.expired.id]
    assert expired.status is PaymentAttemptStatus.FAILED and expired.error_code == "expired_card"
    assert "expired" in expired.error_message and expired.gateway_intent_id is None
    for fam in (gym.declined, gym.expired, gym.no_card, gym.no_flag, gym.secondary):
        assert not _payments(db, fam.id)
        assert unchecked_family_balance(db, fam.id).balance_cents == 8_500
    # The primary guardians of the two failures are e-mailed once, with a link to Billing.
    failures = mails(db, "autopay_failed")
    assert sorted(m.family_id for m in failures) == sorted([gym.declined.id, gym.expired.id])
    for message in failures:
        assert "http://localhost:8501/billing" in message.body_text
        assert "Nothing was charged" in message.body_text
    assert [m.family_id for m in mails(db, "receipt")] == [gym.good.id]


def test_a_second_run_the_same_day_makes_no_attempt_and_sends_nothing(
    db: Session, gym: AutopayGym, localstripe: LocalStripe, tmp_path: Path
) -> None:
    run_autopay_job(db, JOB, localstripe.gateway())
    before = [(a.id, a.status) for a in attempts(db)]
    tally = tmp_path / "intents"
    again = run_autopay_job(db, JOB, CountingGateway(localstripe.config(), tally))
    assert again == {"try": 1, "already": 2, "notified": 0}  # the good family owes nothing now
    assert [(a.id, a.status) for a in attempts(db)] == before
    assert tallied(tally) == []
    assert len(mails(db, "autopay_failed")) == 2 and len(mails(db, "receipt")) == 1


def test_a_run_that_stopped_before_charging_is_finished_by_the_next_one(
    db: Session,
    gym: AutopayGym,
    localstripe: LocalStripe,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from services.billing import autopay

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the process died")

    with monkeypatch.context() as patched:
        patched.setattr(autopay, "charge_attempt", crash)
        with pytest.raises(RuntimeError):
            run_autopay_job(db, JOB, localstripe.gateway())
    [left] = attempts(db)
    assert left.status is PaymentAttemptStatus.PENDING and left.gateway_intent_id is None
    tally = tmp_path / "intents"
    counts = run_autopay_job(db, JOB, CountingGateway(localstripe.config(), tally))
    assert counts == {"try": 1, "succeeded": 1, "failed": 2, "notified": 0}
    assert len(attempts(db)) == 3 and len(tallied(tally)) == 2
    assert len(_payments(db, left.family_id)) == 1


def test_a_family_paying_right_now_and_a_busy_database_are_left_for_later(
    db: Session, gym: AutopayGym, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.billing import autopay
    from services.billing.payment_attempts import begin_payment
    from services.billing.payment_methods import list_payment_methods
    from services.kernel.errors import Busy

    parent = gym.actors["good"]
    [card] = list_payment_methods(db, parent)
    begin_payment(
        db,
        parent,
        localstripe.gateway(),
        amount_cents=1_000,
        payment_method_id=card.id,
        request_key="parent-pays-this-moment",
    )
    real = autopay._make_attempt

    def busy_for_declined(db: Session, actor, settings, run, family_id: int, key: str):  # type: ignore[no-untyped-def]
        if family_id == gym.declined.id:
            raise Busy()
        return real(db, actor, settings, run, family_id, key)

    monkeypatch.setattr(autopay, "_make_attempt", busy_for_declined)
    counts = run_autopay_job(db, JOB, localstripe.gateway())
    assert counts == {"try": 1, "in_flight": 1, "busy": 1, "failed": 1, "notified": 0}
    assert [a.family_id for a in attempts(db) if a.autopay_try] == [gym.expired.id]


def test_retries_charge_only_families_whose_tries_failed_on_the_retry_days(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    run_autopay_job(db, JOB, gateway)
    clock.advance(timedelta(days=1))  # 25 Nov: not a run day
    assert run_autopay_job(db, JOB, gateway) == {"notified": 0}
    clock.advance(timedelta(days=2))  # 27 Nov: the first retry, 3 days after the 24th
    assert run_autopay_job(db, JOB, gateway) == {"try": 2, "failed": 2, "notified": 0}
    # The expired family pays at the desk before the second retry; it is not tried again.
    cash = f.entry(db, gym.expired, gym.loc, LedgerKind.PAYMENT, 8_500)
    f.allocate(db, cash, db.scalars(select(LedgerEntry).where(
        LedgerEntry.family_id == gym.expired.id, LedgerEntry.kind == LedgerKind.CHARGE
    )).one(), 8_500)  # fmt: skip
    db.commit()
    clock.advance(timedelta(days=4))  # 1 Dec: the second retry, 7 days after the 24th
    assert run_autopay_job(db, JOB, gateway) == {"try": 3, "failed": 1, "notified": 0}
    tries = sorted((a.family_id, a.autopay_try) for a in attempts(db) if a.autopay_try > 1)
    assert tries == sorted([(gym.declined.id, 2), (gym.expired.id, 2), (gym.declined.id, 3)])
    assert len(mails(db, "autopay_failed")) == 5  # one per failed attempt
    assert len(_payments(db, gym.good.id)) == 1  # paid on the billing day, never retried


def test_a_retry_uses_the_card_the_guardian_saved_after_the_decline(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    run_autopay_job(db, JOB, gateway)
    save_card(db, gym.actors["declined"], gateway, localstripe)  # a new primary Visa
    clock.advance(timedelta(days=3))
    assert run_autopay_job(db, JOB, gateway) == {
        "try": 2,
        "succeeded": 1,
        "failed": 1,
        "notified": 0,
    }
    [payment] = _payments(db, gym.declined.id)
    assert payment.amount_cents == 8_500


def test_days_that_are_not_run_days_and_autopay_off_charge_nothing(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    f.portal_settings(db, billing_day=1)
    db.commit()
    assert run_autopay_job(db, JOB, localstripe.gateway()) == {"notified": 0}
    f.portal_settings(db, billing_day=24, autopay_enabled=False)
    db.commit()
    assert run_autopay_job(db, JOB, localstripe.gateway()) == {"notified": 0}
    assert attempts(db) == [] and mails(db, "autopay_failed") == []


def test_unapplied_credit_is_applied_first_and_only_the_rest_is_charged(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5_000, 3_000)
    f.entry(db, who.fam, who.loc, LedgerKind.CREDIT, 2_000)
    save_card(db, who.actor, gateway, localstripe)
    f.portal_settings(db, billing_day=24)
    db.commit()
    assert run_autopay_job(db, JOB, gateway)["succeeded"] == 1
    [attempt] = attempts(db)
    assert attempt.amount_cents == 6_000
    balance = check_family_ledger(db, JOB, who.fam.id)
    assert (balance.outstanding_cents, balance.credit_cents) == (0, 0)
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "billing.credit_applied"))


def test_an_unknown_outcome_is_reconciled_not_repeated_and_its_failure_e_mailed_once(
    db: Session, localstripe: LocalStripe, tmp_path: Path
) -> None:
    who = owing_family(db, 4_000)
    save_card(db, who.actor, localstripe.gateway(), localstripe, DECLINED_AT_CHARGE)
    f.portal_settings(db, billing_day=24)
    db.commit()
    proxy = LosingProxy(localstripe.url, lose=r"/confirm")
    try:
        assert run_autopay_job(db, JOB, proxy.gateway())["pending"] == 1
    finally:
        proxy.close()
    tally = tmp_path / "intents"
    assert run_autopay_job(db, JOB, CountingGateway(localstripe.config(), tally)) == {
        "try": 1,
        "already": 1,
        "notified": 0,
    }
    assert tallied(tally) == [] and mails(db, "autopay_failed") == []
    clock.advance(STALE_AFTER + timedelta(seconds=1))
    admin = f.staff(db, "owner@example.com", [who.loc], role=Role.ADMIN)
    db.commit()
    assert reconcile_pending(db, admin, localstripe.gateway()).failed == 1
    assert run_autopay_job(db, JOB, localstripe.gateway())["notified"] == 1
    assert run_autopay_job(db, JOB, localstripe.gateway())["notified"] == 0
    [message] = mails(db, "autopay_failed")
    assert message.family_id == who.fam.id


def test_the_gateway_sends_off_session_to_stripe_itself(localstripe: LocalStripe) -> None:
    """Stripe needs `off_session` on a charge the customer is not there for; localstripe
    refuses the parameter, which shows it is sent when the gateway is set to send it."""
    from dataclasses import replace

    from services.billing.payments import StripeGateway

    plain = localstripe.gateway()
    customer = plain.create_customer(email="p@example.com", name="P", idempotency_key="k1")
    intent = plain.create_payment_intent(
        amount_cents=100,
        currency="usd",
        customer_id=customer,
        method_id="pm_card_visa",
        metadata={},
        idempotency_key="k2",
    )
    sending = StripeGateway(replace(localstripe.config(), sends_off_session=True))
    with pytest.raises(GatewayRejected):
        sending.confirm_payment_intent(intent.id, idempotency_key="k3", off_session=True)
    assert plain.confirm_payment_intent(
        intent.id, idempotency_key="k4", off_session=True
    ).status == ("succeeded")


def test_only_administrators_and_the_scheduler_run_autopay(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    desk = f.staff(db, "desk@example.com", [gym.loc])
    teacher = f.staff(db, "coach@example.com", [gym.loc], role=Role.INSTRUCTOR)
    db.commit()
    for actor in (desk, teacher, gym.actors["good"]):
        with pytest.raises(AccessDenied):
            run_autopay_job(db, actor, localstripe.gateway())
        with pytest.raises(AccessDenied):
            run_autopay(db, actor, localstripe.gateway(), date(2026, 11, 24))
    assert attempts(db) == []
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    assert run_autopay(db, admin, localstripe.gateway(), date(2026, 11, 24))["succeeded"] == 1


@pytest.mark.parametrize(
    "run_date",
    [date(2026, 11, 25), date(2026, 11, 16), datetime(2026, 11, 24, 9), "2026-11-24", None],
)
def test_an_administrator_runs_today_or_a_missed_day_of_the_last_week_only(
    db: Session, gym: AutopayGym, localstripe: LocalStripe, run_date: object
) -> None:
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    with pytest.raises(ValidationError):
        run_autopay(db, admin, localstripe.gateway(), run_date)  # type: ignore[arg-type]
    assert attempts(db) == []


def test_a_missed_billing_day_can_be_run_late_for_its_period(
    db: Session, gym: AutopayGym, localstripe: LocalStripe
) -> None:
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    clock.advance(timedelta(days=1))
    assert run_autopay_job(db, JOB, localstripe.gateway()) == {"notified": 0}
    counts = run_autopay(db, admin, localstripe.gateway(), date(2026, 11, 24))
    assert counts["succeeded"] == 1
    assert {a.idempotency_key.rsplit(":", 2)[1] for a in attempts(db)} == {"2026-11"}


# Two runs at once --------------------------------------------------------------------------


def test_two_job_runs_in_threads_make_one_attempt_and_one_intent_per_family(
    engine: Engine, db: Session, gym: AutopayGym, localstripe: LocalStripe, tmp_path: Path
) -> None:
    tally = tmp_path / "intents"
    barrier, results, now = threading.Barrier(2), [], clock.now()

    def run() -> None:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=30)
            results.append(run_autopay_job(own, JOB, CountingGateway(localstripe.config(), tally)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2, results
    _assert_one_per_family(db, gym, tally)


def test_two_job_runs_in_separate_processes_make_one_attempt_and_one_intent_per_family(
    db: Session, db_url: str, gym: AutopayGym, localstripe: LocalStripe, tmp_path: Path
) -> None:
    tally = tmp_path / "intents"
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    args = (db_url, clock.now(), localstripe.config(), tally, barrier, results)
    racers = [spawn.Process(target=job_in_process, args=args) for _ in range(2)]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=180) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    _assert_one_per_family(db, gym, tally)


def _assert_one_per_family(db: Session, gym: AutopayGym, tally: Path) -> None:
    made = attempts(db)
    assert sorted(a.family_id for a in made) == sorted(
        [gym.good.id, gym.declined.id, gym.expired.id]
    )
    # One PaymentIntent per charged card (the expired card is never sent to Stripe).
    assert tallied(tally) == sorted([str(gym.good.id), str(gym.declined.id)])
    assert len(_payments(db, gym.good.id)) == 1
    assert len(mails(db, "autopay_failed")) == 2
