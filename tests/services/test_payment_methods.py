"""Saved payment methods against a real localstripe: add, primary, recurring, delete, limits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Guardian, PaymentMethod
from services.billing import payment_methods as pm
from services.billing.payment_method_setup import (
    bank_accounts_supported,
    finish_card_setup,
    start_card_setup,
)
from services.billing.payments import Gateway
from services.kernel.errors import AccessDenied, FeatureDisabled, NotFound, ValidationError
from tests import factories as f
from tests.services.payment_helpers import owing_family, save_card
from tests.support.localstripe import DECLINED_AT_SAVE, NEEDS_AUTHENTICATION, VISA, LocalStripe


def _count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(PaymentMethod)) or 0)


def test_add_card_through_a_setup_intent(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, 5000)
    view = save_card(db, who.actor, gateway, localstripe)
    assert (view.type, view.last4, view.exp_month, view.exp_year) == ("card", "4242", 12, 2030)
    assert view.is_primary and view.recurring_authorized and view.can_edit and view.can_delete
    assert view.type_label == "Credit or debit card"
    stored = db.scalar(select(PaymentMethod))
    assert stored is not None and stored.gateway_method_id.startswith("pm_")
    guardian = db.get(Guardian, who.actor.guardian_id)
    assert guardian is not None and guardian.gateway_customer_id.startswith("cus_")
    # Stripe has it attached to that customer.
    facts = gateway.method_facts(stored.gateway_method_id)
    assert facts.customer_id == guardian.gateway_customer_id
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "payment_method.added"))


def test_confirming_the_same_setup_twice_saves_one_card(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    setup = start_card_setup(db, who.actor, gateway)
    assert localstripe.confirm_setup(setup.client_secret, VISA)[0] == 200
    first = finish_card_setup(
        db, who.actor, gateway, setup.setup_intent_id, make_primary=True, recurring_authorized=False
    )
    again = finish_card_setup(
        db, who.actor, gateway, setup.setup_intent_id, make_primary=True, recurring_authorized=False
    )
    assert first.id == again.id and _count(db) == 1


def test_declined_card_is_not_saved(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    setup = start_card_setup(db, who.actor, gateway)
    status, body = localstripe.confirm_setup(setup.client_secret, DECLINED_AT_SAVE)
    assert status == 402 and body["error"]["code"] == "card_declined"
    with pytest.raises(ValidationError, match="declined"):
        finish_card_setup(
            db,
            who.actor,
            gateway,
            setup.setup_intent_id,
            make_primary=True,
            recurring_authorized=True,
        )
    assert _count(db) == 0


def test_card_needing_authentication_is_not_saved_unconfirmed(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    setup = start_card_setup(db, who.actor, gateway)
    assert localstripe.confirm_setup(setup.client_secret, NEEDS_AUTHENTICATION)[0] == 200
    with pytest.raises(ValidationError, match="extra verification"):
        finish_card_setup(
            db,
            who.actor,
            gateway,
            setup.setup_intent_id,
            make_primary=True,
            recurring_authorized=True,
        )
    assert _count(db) == 0


def test_a_setup_intent_of_another_customer_is_refused(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    ours = owing_family(db, name="Rivera")
    theirs = owing_family(db, name="Okafor")
    setup = start_card_setup(db, theirs.actor, gateway)
    assert localstripe.confirm_setup(setup.client_secret, VISA)[0] == 200
    start_card_setup(db, ours.actor, gateway)  # ours has a customer too
    with pytest.raises(NotFound):
        finish_card_setup(
            db,
            ours.actor,
            gateway,
            setup.setup_intent_id,
            make_primary=True,
            recurring_authorized=True,
        )
    assert _count(db) == 0


def test_one_primary_per_guardian_and_edit_flags(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    first = save_card(db, who.actor, gateway, localstripe)
    second = save_card(db, who.actor, gateway, localstripe, primary=False)
    assert not second.is_primary
    updated = pm.update_payment_method(db, who.actor, second.id, make_primary=True)
    assert updated.is_primary
    views = {v.id: v for v in pm.list_payment_methods(db, who.actor)}
    assert views[second.id].is_primary and not views[first.id].is_primary
    off = pm.update_payment_method(db, who.actor, first.id, recurring_authorized=False)
    assert not off.recurring_authorized
    assert pm.primary_method_state(db, who.actor).method.id == second.id  # type: ignore[union-attr]


def test_at_most_three_methods_per_guardian(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    for _ in range(3):
        save_card(db, who.actor, gateway, localstripe, primary=False)
    with pytest.raises(ValidationError, match="already have 3"):
        start_card_setup(db, who.actor, gateway)
    assert _count(db) == 3


def test_delete_detaches_at_stripe(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    view = save_card(db, who.actor, gateway, localstripe)
    stripe_id = db.scalar(select(PaymentMethod.gateway_method_id))
    pm.delete_payment_method(db, who.actor, gateway, view.id)
    assert _count(db) == 0
    assert gateway.method_facts(stripe_id).customer_id is None
    with pytest.raises(NotFound):
        pm.delete_payment_method(db, who.actor, gateway, view.id)


def test_recurring_requirement_blocks_delete_and_turning_recurring_off(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    view = save_card(db, who.actor, gateway, localstripe)
    f.portal_settings(db, require_recurring_authorized_method=True)
    db.commit()
    assert not pm.list_payment_methods(db, who.actor)[0].can_delete
    with pytest.raises(FeatureDisabled, match="cannot be deleted"):
        pm.delete_payment_method(db, who.actor, gateway, view.id)
    with pytest.raises(ValidationError, match="cannot be turned off"):
        pm.update_payment_method(db, who.actor, view.id, recurring_authorized=False)
    assert _count(db) == 1 and db.scalar(select(PaymentMethod.recurring_authorized))


def test_not_configured_gateway_cannot_add(db: Session) -> None:
    who = owing_family(db)
    with pytest.raises(FeatureDisabled, match="not configured to accept online payments"):
        start_card_setup(db, who.actor, Gateway())
    assert bank_accounts_supported(db, Gateway()) is False


def test_bank_accounts_only_with_echecks_and_a_capable_gateway(
    db: Session, localstripe: LocalStripe
) -> None:
    gateway = localstripe.gateway()
    f.portal_settings(db, echecks_enabled=True)
    db.commit()
    # localstripe (and this version's card element) cannot save bank accounts: said plainly.
    assert bank_accounts_supported(db, gateway) is False


def test_access_rules(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db, name="Rivera")
    other = owing_family(db, name="Okafor")
    card = save_card(db, who.actor, gateway, localstripe)
    second = f.second_guardian(db, who.fam, "second@example.com")
    db.commit()
    loc = f.location(db, "Staff place")
    staff = f.staff(db, "desk@example.com", [loc])
    db.commit()
    # The other guardian of the family sees it, but cannot change or delete it.
    seen = pm.list_payment_methods(db, second)
    assert [v.id for v in seen] == [card.id] and not seen[0].can_edit and not seen[0].can_delete
    with pytest.raises(AccessDenied):
        pm.update_payment_method(db, second, card.id, make_primary=False)
    with pytest.raises(AccessDenied):
        pm.delete_payment_method(db, second, gateway, card.id)
    # Another family does not see it at all.
    assert pm.list_payment_methods(db, other.actor) == []
    with pytest.raises(NotFound):
        pm.update_payment_method(db, other.actor, card.id, make_primary=True)
    with pytest.raises(NotFound):
        pm.delete_payment_method(db, other.actor, gateway, card.id)
    # Staff use the staff pages, not a family's saved methods.
    for call in (
        lambda: pm.list_payment_methods(db, staff),
        lambda: start_card_setup(db, staff, gateway),
        lambda: pm.update_payment_method(db, staff, card.id, make_primary=True),
        lambda: pm.delete_payment_method(db, staff, gateway, card.id),
        lambda: finish_card_setup(
            db, staff, gateway, "seti_x", make_primary=True, recurring_authorized=True
        ),
        lambda: pm.primary_method_state(db, staff),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert _count(db) == 1


def test_secondary_guardian_saves_their_own_card(db: Session, localstripe: LocalStripe) -> None:
    gateway = localstripe.gateway()
    who = owing_family(db)
    second = f.second_guardian(db, who.fam, "second@example.com")
    db.commit()
    view = save_card(db, second, gateway, localstripe)
    assert view.guardian_id == second.guardian_id and view.is_primary
    primary_view = pm.list_payment_methods(db, who.actor)
    assert [v.can_edit for v in primary_view] == [False]


@pytest.mark.parametrize("bad", ["", "pi_123", "seti", None, 12])
def test_bad_setup_ids_are_refused(db: Session, localstripe: LocalStripe, bad: object) -> None:
    who = owing_family(db)
    with pytest.raises(ValidationError, match="did not come back"):
        finish_card_setup(
            db,
            who.actor,
            localstripe.gateway(),
            bad,  # type: ignore[arg-type]
            make_primary=True,
            recurring_authorized=True,
        )
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("month", "year", "state"),
    [
        (11, 2026, "expiring"),  # good through 30 November: 10 days away
        (12, 2026, "ok"),  # 41 days away
        (10, 2026, "expired"),
        (1, 2027, "ok"),
        (None, None, "ok"),  # bank accounts have no expiry
    ],
)
def test_expiry_state(month: int | None, year: int | None, state: str) -> None:
    assert pm.expiry_state(month, year, date(2026, 11, 20)) == state
