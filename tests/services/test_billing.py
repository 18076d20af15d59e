"""Billing summary, Apply Credit, and a property test: after any sequence of charges,
payments, credits, credit applications and refunds the derived balances match a model."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import LedgerAllocation, LedgerEntry, LedgerKind
from services.billing import summary as billing
from services.billing.ledger import check_family_ledger, family_balance
from services.billing.payments import Gateway
from services.kernel.errors import AccessDenied, ValidationError
from services.kernel.transactions import write_transaction
from tests import factories as f
from tests.services.payment_helpers import owing_family


def _allocations(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(LedgerAllocation)) or 0)


def test_summary_shows_outstanding_credit_and_last_payment(db: Session) -> None:
    who = owing_family(db, 7000)
    f.entry(db, who.fam, who.loc, LedgerKind.PAYMENT, 2500)
    f.entry(db, who.fam, who.loc, LedgerKind.CREDIT, 1000)
    db.commit()
    summary = billing.billing_summary(db, who.actor, Gateway())
    assert (summary.outstanding_cents, summary.credit_cents) == (7000, 3500)
    assert summary.last_payment_cents == 2500
    assert summary.last_payment_on == date(2026, 11, 24)
    assert summary.may_pay and not summary.gateway_configured and not summary.can_pay_online


def test_apply_credit_pays_the_oldest_charges_first(db: Session) -> None:
    who = owing_family(db, 3000, 4000)
    f.entry(db, who.fam, who.loc, LedgerKind.CREDIT, 5000)
    db.commit()
    result = billing.apply_credit(db, who.actor)
    assert (result.applied_cents, result.outstanding_cents, result.credit_cents) == (5000, 2000, 0)
    charges = sorted(
        db.scalars(select(LedgerEntry.id).where(LedgerEntry.kind == LedgerKind.CHARGE))
    )
    pairs = sorted((a.to_entry_id, a.amount_cents) for a in db.scalars(select(LedgerAllocation)))
    assert pairs == [(charges[0], 3000), (charges[1], 2000)]
    check_family_ledger(db, who.actor, who.fam.id)


def test_apply_credit_with_nothing_to_apply_writes_nothing(db: Session) -> None:
    who = owing_family(db, 3000)
    with pytest.raises(ValidationError, match="no credit to apply"):
        billing.apply_credit(db, who.actor)
    assert _allocations(db) == 0


def test_billing_access(db: Session) -> None:
    who = owing_family(db, 3000)
    f.entry(db, who.fam, who.loc, LedgerKind.CREDIT, 500)
    second = f.second_guardian(db, who.fam, "second@example.com")
    staff = f.staff(db, "desk@example.com", [who.loc])
    db.commit()
    assert not billing.billing_summary(db, second, Gateway()).may_pay
    for actor in (second, staff):
        with pytest.raises(AccessDenied):
            billing.apply_credit(db, actor)
    with pytest.raises(AccessDenied):
        billing.billing_summary(db, staff, Gateway())
    assert _allocations(db) == 0


# The property: random operations, then the derived figures equal a simple model ----------

operation = st.one_of(
    st.tuples(st.just("charge"), st.integers(1, 20_000)),
    st.tuples(st.just("payment"), st.integers(1, 20_000)),
    st.tuples(st.just("credit"), st.integers(1, 20_000)),
    st.tuples(st.just("refund"), st.integers(1, 5_000)),
    st.tuples(st.just("apply"), st.just(0)),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_balances_match_the_model_after_any_sequence(db: Session, ops: list) -> None:  # type: ignore[type-arg]
    who = owing_family(db, name=f"Prop{next(f._counter)}")  # a fresh family per example
    debits = credits = 0
    for kind, cents in ops:
        if kind == "charge":
            f.entry(db, who.fam, who.loc, LedgerKind.CHARGE, cents)
            debits += cents
        elif kind == "refund":
            f.entry(db, who.fam, who.loc, LedgerKind.REFUND, cents)
            debits += cents
        elif kind in ("payment", "credit"):
            entry = f.entry(db, who.fam, who.loc, LedgerKind(kind), cents)
            credits += cents
            if kind == "payment":  # a payment pays charges as it arrives, like an online one
                db.commit()
                _allocate_payment(db, who.fam.id, entry.id)
        else:
            db.commit()
            before = family_balance(db, who.actor, who.fam.id)
            expected = min(before.outstanding_cents, before.credit_cents)
            if expected == 0:
                with pytest.raises(ValidationError):
                    billing.apply_credit(db, who.actor)
            else:
                assert billing.apply_credit(db, who.actor).applied_cents == expected
        db.commit()
    balance = check_family_ledger(db, who.actor, who.fam.id)
    assert balance.balance_cents == debits - credits
    assert balance.outstanding_cents >= 0 and balance.credit_cents >= 0
    assert balance.outstanding_cents <= debits and balance.credit_cents <= credits


def _allocate_payment(db: Session, family_id: int, entry_id: int) -> None:
    with write_transaction(db):
        billing.lock_family(db, family_id)
        billing.allocate_oldest_first(db, family_id, only_from_entry_id=entry_id)
