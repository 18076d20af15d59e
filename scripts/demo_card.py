"""Give the demo family's primary guardian a saved test card in the local Stripe test server.

    .venv/bin/python -m scripts.demo_card http://127.0.0.1:8420

`make run` (scripts/serve.sh) calls this once localstripe is up. localstripe keeps nothing
across restarts, so the Garcia family's saved methods and Stripe customers from an earlier
run point at nothing: they are forgotten first, then Maria's Visa test card is saved the way
the card form saves it (a SetupIntent confirmed with the card, as Stripe.js would), primary
and authorized for recurring billing. A database without the demo family is left alone.
Only for the demo: never run it against real Stripe keys.
"""

from __future__ import annotations

import sys
import time

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from data.config import load_secrets_file
from data.db import session_scope
from data.demo.logins import PRIMARY_EMAIL
from data.models import Guardian, PaymentMethod, User
from services.accounts.auth import build_actor
from services.billing.payment_method_setup import finish_card_setup, start_card_setup
from services.billing.payment_methods import PaymentMethodView, list_payment_methods
from services.billing.payments import MISSING, GatewayRejected, StripeGateway, gateway_from_env
from services.kernel.transactions import write_transaction

TEST_CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def save_demo_card(db: Session, gateway: StripeGateway) -> PaymentMethodView | None:
    """The demo primary guardian's saved card (made now if it is not in Stripe any more);
    None when this database has no demo family."""
    user = db.scalar(select(User).where(User.email == PRIMARY_EMAIL))
    guardian = db.scalar(select(Guardian).where(Guardian.user_id == user.id)) if user else None
    if user is None or guardian is None:
        return None
    _forget_what_stripe_lost(db, gateway, guardian.family_id)
    actor = build_actor(db, user)
    kept = [m for m in list_payment_methods(db, actor) if m.guardian_id == guardian.id]
    if kept:  # this test server still has Maria's card (a second start while it runs)
        return kept[0]
    setup = start_card_setup(db, actor, gateway)
    _confirm_like_stripe_js(gateway, setup.client_secret)
    return finish_card_setup(
        db, actor, gateway, setup.setup_intent_id, make_primary=True, recurring_authorized=True
    )


def _forget_what_stripe_lost(db: Session, gateway: StripeGateway, family_id: int) -> None:
    """Drop the family's saved methods that the test server no longer has, and the Stripe
    customers of guardians left without one (the server lost those too). Payment attempts
    that used a dropped method keep their history (method: none)."""
    rows = db.execute(
        select(PaymentMethod.id, PaymentMethod.gateway_method_id).where(
            PaymentMethod.family_id == family_id
        )
    ).all()
    lost = [method_id for method_id, gateway_id in rows if _missing(gateway, gateway_id)]
    with write_transaction(db):
        db.execute(delete(PaymentMethod).where(PaymentMethod.id.in_(lost)))
        with_methods = select(PaymentMethod.guardian_id).where(PaymentMethod.family_id == family_id)
        db.execute(
            update(Guardian)
            .where(Guardian.family_id == family_id, Guardian.id.not_in(with_methods))
            .values(gateway_customer_id=None)
        )


def _missing(gateway: StripeGateway, gateway_method_id: str) -> bool:
    try:
        gateway.method_facts(gateway_method_id)
    except GatewayRejected as refused:
        return refused.code == MISSING
    return False


def _confirm_like_stripe_js(gateway: StripeGateway, client_secret: str) -> None:
    """What Stripe.js's confirmCardSetup sends (publishable key only; localstripe only)."""
    setup_intent_id = client_secret.split("_secret_")[0]
    response = requests.post(
        f"{gateway.config.api_base}/v1/setup_intents/{setup_intent_id}/confirm",
        json={
            "key": gateway.publishable_key,
            "client_secret": client_secret,
            "payment_method_data": {"type": "card", "card": TEST_CARD},
        },
        timeout=10,
    )
    response.raise_for_status()


def _wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    load_secrets_file()
    gateway = gateway_from_env()
    if not isinstance(gateway, StripeGateway) or gateway.config.api_base != argv[0]:
        print("The demo card is only for the local Stripe test server.")
        return 2
    _wait_until_up(argv[0])
    with session_scope() as db:
        card = save_demo_card(db, gateway)
    if card is not None:
        print(f"Demo card saved for {PRIMARY_EMAIL}: {card.label} (primary, recurring billing).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
