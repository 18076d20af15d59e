"""Pending card refunds whose answer from Stripe was lost (issue 16): asking Stripe settles
them — recorded once if Stripe made the refund, freed if it never did — never refunding twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import CardRefund, CardRefundStatus, LedgerEntry, LedgerKind
from services.billing import payment_attempts as pay
from services.billing.gateway_objects import RefundInfo
from services.billing.payments import (
    Gateway,
    GatewayNotConfigured,
    GatewayUnavailable,
    StripeGateway,
)
from services.billing.refund_checks import (
    NOT_AT_STRIPE,
    SWEEP_AFTER,
    check_pending_refunds,
    run_refund_checks_job,
)
from services.billing.refunds import NO_ANSWER, refund_card_payment, refundable_cents
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied, DomainError, ValidationError
from services.operations.cadence import every
from services.operations.job_registry import JOBS, find_job
from tests import factories as f
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.localstripe import LocalStripe


class _LostAnswer(StripeGateway):
    """Stripe makes the refund (or, with `reaches=False`, never gets the call), but the
    answer never comes back."""

    def __init__(self, localstripe: LocalStripe, *, reaches: bool) -> None:
        super().__init__(localstripe.config())
        self.reaches = reaches

    def create_refund(self, **kwargs) -> RefundInfo:  # type: ignore[no-untyped-def, override]
        if self.reaches:
            super().create_refund(**kwargs)
        raise GatewayUnavailable("The card processor did not answer.", code="unavailable")


def _paid(db: Session, localstripe: LocalStripe):  # type: ignore[no-untyped-def]
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    card = save_card(db, who.actor, gateway, localstripe)
    attempt = pay.begin_payment(
        db, who.actor, gateway, amount_cents=5000, payment_method_id=card.id,
        request_key=request_key(),
    )  # fmt: skip
    assert pay.submit_payment(db, who.actor, gateway, attempt).status == "succeeded"
    payment = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.PAYMENT))
    desk = f.staff(db, "desk.checks@example.com", [who.loc])
    db.commit()
    return gateway, payment, desk, who


def _lost_refund(db: Session, localstripe: LocalStripe, payment, desk, *, reaches: bool) -> None:  # type: ignore[no-untyped-def]
    lost = _LostAnswer(localstripe, reaches=reaches)
    with pytest.raises(DomainError) as told:
        refund_card_payment(db, desk, lost, payment.id, 2000, "Moved", request_key())
    assert told.value.message == NO_ANSWER
    assert refundable_cents(db, desk, payment.id) == 3000  # held while unknown


def _refund_entries(db: Session) -> list[LedgerEntry]:
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.REFUND)))


def test_a_refund_stripe_made_is_recorded_once_when_checked(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway, payment, desk, _who = _paid(db, localstripe)
    _lost_refund(db, localstripe, payment, desk, reaches=True)
    check = check_pending_refunds(db, desk, gateway, payment.id)
    assert (check.recorded, check.freed, check.waiting) == (1, 0, 0)
    [entry] = _refund_entries(db)
    assert (entry.amount_cents, entry.description) == (2000, "Card refund: Moved")
    assert refundable_cents(db, desk, payment.id) == 3000
    with pytest.raises(ValidationError, match="no refund waiting"):
        check_pending_refunds(db, desk, gateway, payment.id)
    assert len(_refund_entries(db)) == 1


def test_a_refund_stripe_never_made_is_freed_after_the_wait(
    db: Session, localstripe: LocalStripe, frozen_clock: datetime
) -> None:
    gateway, payment, desk, _who = _paid(db, localstripe)
    _lost_refund(db, localstripe, payment, desk, reaches=False)
    check = check_pending_refunds(db, desk, gateway, payment.id)
    assert (check.recorded, check.freed, check.waiting) == (0, 0, 1)  # may still be on its way
    with clock.frozen_at(frozen_clock + timedelta(minutes=16)):
        check = check_pending_refunds(db, desk, gateway, payment.id)
    assert (check.recorded, check.freed, check.waiting) == (0, 1, 0)
    db.expire_all()
    [row] = db.scalars(select(CardRefund)).all()
    assert (row.status, row.error_message) == (CardRefundStatus.FAILED, NOT_AT_STRIPE)
    assert _refund_entries(db) == [] and refundable_cents(db, desk, payment.id) == 5000


def test_only_staff_who_reach_the_payment_check_it(db: Session, localstripe: LocalStripe) -> None:
    gateway, payment, _desk, who = _paid(db, localstripe)
    with pytest.raises(AccessDenied):
        check_pending_refunds(db, who.actor, gateway, payment.id)


# The scheduled sweep (run_refund_checks_job) --------------------------------------------------


class _Unreachable(StripeGateway):
    """Stripe cannot be asked about refunds right now."""

    def list_refunds(self, intent_id: str):  # type: ignore[no-untyped-def, override]
        raise GatewayUnavailable("The card processor did not answer.", code="unavailable")


def _refund_rows(db: Session) -> list[CardRefund]:
    db.expire_all()
    return list(db.scalars(select(CardRefund).order_by(CardRefund.id)))


def test_the_sweep_records_a_refund_stripe_made_once_and_leaves_young_ones(
    db: Session, localstripe: LocalStripe, frozen_clock: datetime
) -> None:
    gateway, payment, _desk, _who = _paid(db, localstripe)
    _lost_refund(db, localstripe, payment, _desk, reaches=True)
    # Just asked for: the desk's call may still be on its way, so the sweep leaves it alone.
    assert run_refund_checks_job(db, scheduler_actor(), gateway)["payments"] == 0
    assert _refund_entries(db) == []
    later = frozen_clock + SWEEP_AFTER + timedelta(seconds=1)
    with clock.frozen_at(later):
        counts = run_refund_checks_job(db, scheduler_actor(), gateway)
        again = run_refund_checks_job(db, scheduler_actor(), gateway)
    assert (counts["payments"], counts["recorded"], counts["freed"]) == (1, 1, 0)
    assert again["payments"] == 0  # nothing pending any more
    [entry] = _refund_entries(db)
    assert entry.amount_cents == 2000
    assert [row.status for row in _refund_rows(db)] == [CardRefundStatus.SUCCEEDED]


def test_the_sweep_frees_a_refund_stripe_never_made_after_the_wait(
    db: Session, localstripe: LocalStripe, frozen_clock: datetime
) -> None:
    gateway, payment, desk, _who = _paid(db, localstripe)
    _lost_refund(db, localstripe, payment, desk, reaches=False)
    with clock.frozen_at(frozen_clock + SWEEP_AFTER + timedelta(seconds=1)):
        counts = run_refund_checks_job(db, scheduler_actor(), gateway)
    assert (counts["payments"], counts["waiting"], counts["freed"]) == (1, 1, 0)
    with clock.frozen_at(frozen_clock + timedelta(minutes=16)):
        counts = run_refund_checks_job(db, scheduler_actor(), gateway)
    assert (counts["payments"], counts["freed"]) == (1, 1)
    [row] = _refund_rows(db)
    assert (row.status, row.error_message) == (CardRefundStatus.FAILED, NOT_AT_STRIPE)
    assert _refund_entries(db) == [] and refundable_cents(db, desk, payment.id) == 5000


def test_the_sweep_counts_a_payment_stripe_cannot_be_asked_about_and_keeps_it(
    db: Session, localstripe: LocalStripe, frozen_clock: datetime
) -> None:
    _gateway, payment, desk, _who = _paid(db, localstripe)
    _lost_refund(db, localstripe, payment, desk, reaches=True)
    with clock.frozen_at(frozen_clock + timedelta(minutes=16)):
        counts = run_refund_checks_job(db, scheduler_actor(), _Unreachable(localstripe.config()))
    assert (counts["payments"], counts["unreachable"], counts["freed"]) == (1, 1, 0)
    assert [row.status for row in _refund_rows(db)] == [CardRefundStatus.PENDING]


def test_only_an_admin_or_the_scheduler_runs_the_sweep(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway, _payment, desk, who = _paid(db, localstripe)
    for actor in (desk, who.actor):
        with pytest.raises(AccessDenied):
            run_refund_checks_job(db, actor, gateway)
    with pytest.raises(GatewayNotConfigured):
        run_refund_checks_job(db, scheduler_actor(), Gateway())


def test_the_sweep_is_a_scheduled_job_that_needs_the_gateway() -> None:
    job = find_job("refund_checks", JOBS)
    assert job.needs_gateway and job.run is run_refund_checks_job
    assert job.cadence == every(minutes=15)
