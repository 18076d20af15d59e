"""Shared set-up for the payment tests: a family that owes money and a saved card."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy.orm import Session

from data.models import Family, LedgerKind, Location
from services.billing.payment_method_setup import finish_card_setup, start_card_setup
from services.billing.payment_methods import PaymentMethodView
from services.billing.payments import Gateway
from services.kernel.access import Actor
from tests import factories as f
from tests.support.localstripe import VISA, LocalStripe


@dataclass
class Owing:
    fam: Family
    loc: Location
    actor: Actor


def owing_family(db: Session, *charges: int, name: str = "Rivera") -> Owing:
    loc = f.location(db, name=f"{name} gym")
    fam, _guardian, account = f.family(db, name)
    for cents in charges:
        f.entry(db, fam, loc, LedgerKind.CHARGE, cents)
    db.commit()
    return Owing(fam, loc, f.guardian_actor(db, account))


def save_card(
    db: Session,
    actor: Actor,
    gateway: Gateway,
    stripe: LocalStripe,
    number: str = VISA,
    *,
    primary: bool = True,
) -> PaymentMethodView:
    """Open a SetupIntent, confirm it as the browser would, and save the card."""
    setup = start_card_setup(db, actor, gateway)
    status, body = stripe.confirm_setup(setup.client_secret, number)
    assert status == 200, body
    return finish_card_setup(
        db, actor, gateway, setup.setup_intent_id, make_primary=primary, recurring_authorized=True
    )


def request_key() -> str:
    return uuid4().hex
