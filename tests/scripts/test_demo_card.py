"""The start-up script that gives the demo family its saved card in the local Stripe test
server (scripts/demo_card.py), against a real localstripe that is emptied as a restart would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.demo.logins import PRIMARY_EMAIL
from data.models import Guardian, PaymentMethod
from scripts.demo_card import save_demo_card
from tests import factories as f
from tests.support.localstripe import LocalStripe, running_localstripe


@pytest.fixture
def stripe_server() -> Iterator[LocalStripe]:
    """A server of this test's own: emptying it must not disturb the other payment tests."""
    yield from running_localstripe()


def _methods(db: Session) -> list[PaymentMethod]:
    db.expire_all()
    return list(db.scalars(select(PaymentMethod)))


def test_the_demo_family_gets_a_primary_recurring_card_every_start(
    db: Session, stripe_server: LocalStripe
) -> None:
    _fam, maria, _account = f.family(db, "Garcia", email=PRIMARY_EMAIL)
    db.commit()
    gateway = stripe_server.gateway()

    card = save_demo_card(db, gateway)
    assert card is not None and card.label == "Visa •••• 4242"
    (saved,) = _methods(db)
    first_method = saved.gateway_method_id
    assert saved.guardian_id == maria.id and saved.is_primary and saved.recurring_authorized
    assert gateway.method_facts(saved.gateway_method_id).customer_id is not None

    # Started again while the test server still has the card: nothing changes.
    assert save_demo_card(db, gateway) == card
    assert [m.id for m in _methods(db)] == [saved.id]

    # The test server restarts empty: the lost card and customer are replaced.
    old_customer = db.get(Guardian, maria.id).gateway_customer_id  # type: ignore[union-attr]
    requests.delete(f"{stripe_server.url}/_config/data", timeout=10).raise_for_status()
    replaced = save_demo_card(db, gateway)
    (again,) = _methods(db)
    assert replaced is not None and again.is_primary
    assert again.gateway_method_id != first_method
    assert again.recurring_authorized
    assert gateway.method_facts(again.gateway_method_id).customer_id not in (None, old_customer)


def test_a_database_without_the_demo_family_is_left_alone(
    db: Session, stripe_server: LocalStripe
) -> None:
    f.family(db, "Okafor", email="ada@example.com")
    db.commit()
    assert save_demo_card(db, stripe_server.gateway()) is None
    assert db.scalar(select(func.count()).select_from(PaymentMethod)) == 0
