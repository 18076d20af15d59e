"""Adding a saved payment method through a Stripe SetupIntent: the guardian's Stripe customer,
the card form's SetupIntent, and saving the method the browser confirmed.

Rules (see docs/decisions.md, "Payment methods"):
- Each guardian who can sign in saves up to MAX_METHODS_PER_GUARDIAN methods of their own; the
  first one is their primary.
- With "require saved payment method authorized for recurring billing" on, a new method is
  always authorized for recurring billing.
- The Stripe customer id comes from the guardian row, never from the browser; a SetupIntent is
  accepted only if it belongs to that customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, PaymentMethod, PaymentMethodType, User
from services.billing.gateway_objects import MethodFacts
from services.billing.payment_methods import PaymentMethodView, _describe, _unset_primary, _view_one
from services.billing.payments import Gateway, GatewayError
from services.kernel import audit, clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

MAX_METHODS_PER_GUARDIAN = 3


@dataclass(frozen=True)
class CardSetup:
    """What the browser needs to collect a card for Stripe (no secret key)."""

    setup_intent_id: str
    client_secret: str
    publishable_key: str
    js_url: str


def bank_accounts_supported(db: Session, gateway: Gateway) -> bool:
    """eChecks on in the settings and a gateway that can save bank accounts."""
    return get_settings(db).echecks_enabled and gateway.supports_bank_accounts


def start_card_setup(db: Session, actor: Actor, gateway: Gateway) -> CardSetup:
    """Open a SetupIntent for the actor's Stripe customer (created on first use)."""
    require_guardian(actor)
    if not gateway.configured:
        raise FeatureDisabled(
            "This account is not configured to accept online payments, so cards cannot be saved."
        )
    _require_room(db, actor)
    customer_id = _customer_id(db, actor, gateway)
    try:
        intent = gateway.create_setup_intent(customer_id=customer_id)
    except GatewayError as exc:
        raise ValidationError(f"The card form could not be opened: {exc.message}") from None
    return CardSetup(
        setup_intent_id=intent.id,
        client_secret=intent.client_secret,
        publishable_key=gateway.publishable_key,
        js_url=gateway.js_url,
    )


def finish_card_setup(
    db: Session,
    actor: Actor,
    gateway: Gateway,
    setup_intent_id: str,
    *,
    make_primary: bool,
    recurring_authorized: bool,
) -> PaymentMethodView:
    """Save the card the browser confirmed on `setup_intent_id`. Idempotent per card."""
    family_id = require_guardian(actor)
    if not isinstance(setup_intent_id, str) or not setup_intent_id.startswith("seti_"):
        raise ValidationError("The card details did not come back from the card form.")
    customer_id = _existing_customer_id(db, actor)
    try:
        intent = gateway.retrieve_setup_intent(setup_intent_id)
        if intent.customer_id != customer_id or customer_id is None:
            raise NotFound("card setup")
        if intent.status != "succeeded" or intent.payment_method_id is None:
            raise ValidationError(_setup_problem(intent.status))
        facts = gateway.attach_method(intent.payment_method_id, customer_id=customer_id)
    except GatewayError as exc:
        raise ValidationError(f"The card could not be saved: {exc.message}") from None
    if get_settings(db).require_recurring_authorized_method:
        recurring_authorized = True
    return _save_method(db, actor, family_id, facts, make_primary, recurring_authorized)


def _save_method(
    db: Session,
    actor: Actor,
    family_id: int,
    facts: MethodFacts,
    make_primary: bool,
    recurring_authorized: bool,
) -> PaymentMethodView:
    if facts.type == PaymentMethodType.BANK_ACCOUNT and not get_settings(db).echecks_enabled:
        raise ValidationError("Bank accounts are not accepted here.")
    if len(facts.last4) != 4:
        raise ValidationError("The card details were incomplete. Please try again.")
    with write_transaction(db):
        existing = db.scalar(
            select(PaymentMethod).where(PaymentMethod.gateway_method_id == facts.gateway_method_id)
        )
        if existing is not None:  # the same card confirmed twice (a rerun): one row
            if existing.guardian_id != actor.guardian_id:
                raise NotFound("card setup")
            method_id = existing.id
        else:
            _lock_guardian(db, actor)
            _require_room(db, actor)
            own_count = _own_count(db, actor)
            primary = make_primary or own_count == 0
            if primary:
                _unset_primary(db, actor.guardian_id)
            method = PaymentMethod(
                family_id=family_id,
                guardian_id=actor.guardian_id,
                gateway="stripe",
                gateway_method_id=facts.gateway_method_id,
                type=PaymentMethodType(facts.type),
                brand=facts.brand,
                last4=facts.last4,
                exp_month=facts.exp_month,
                exp_year=facts.exp_year,
                is_primary=primary,
                recurring_authorized=recurring_authorized,
                created_at=clock.now(),
            )
            db.add(method)
            db.flush()
            method_id = method.id
            audit.record(
                db,
                actor,
                "payment_method.added",
                entity="payment_method",
                entity_id=method.id,
                details={"method": _describe(method), "primary": primary},
            )
    return _view_one(db, actor, method_id)


def _require_room(db: Session, actor: Actor) -> None:
    if _own_count(db, actor) >= MAX_METHODS_PER_GUARDIAN:
        raise ValidationError(
            f"You already have {MAX_METHODS_PER_GUARDIAN} saved payment methods. "
            "Delete one before adding another."
        )


def _own_count(db: Session, actor: Actor) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(PaymentMethod)
            .where(PaymentMethod.guardian_id == actor.guardian_id)
        )
        or 0
    )


def _lock_guardian(db: Session, actor: Actor) -> None:
    """Serialise adds per guardian (PostgreSQL row lock; SQLite's write lock already does)."""
    db.execute(select(Guardian.id).where(Guardian.id == actor.guardian_id).with_for_update())


def _setup_problem(status: str) -> str:
    if status == "requires_action":
        return (
            "Your bank asked for extra verification that was not completed. "
            "Please try again, or use another card."
        )
    if status == "canceled":
        return "Your card was declined. Please use another card."
    return "The card was not confirmed. Please enter it again."


def _existing_customer_id(db: Session, actor: Actor) -> str | None:
    return db.scalar(select(Guardian.gateway_customer_id).where(Guardian.id == actor.guardian_id))


def _customer_id(db: Session, actor: Actor, gateway: Gateway) -> str:
    """The guardian's Stripe customer, created once (a lost race keeps the first one)."""
    existing = _existing_customer_id(db, actor)
    if existing:
        return existing
    guardian = db.get(Guardian, actor.guardian_id)
    if guardian is None:
        raise NotFound("guardian")
    email = _guardian_email(db, guardian)
    try:
        created = gateway.create_customer(
            email=email,
            name=f"{guardian.first_name} {guardian.last_name}",
            idempotency_key=f"cartwheel-customer-guardian-{guardian.id}",
        )
    except GatewayError as exc:
        raise ValidationError(f"The card form could not be opened: {exc.message}") from None
    with write_transaction(db):
        db.execute(
            update(Guardian)
            .where(Guardian.id == guardian.id, Guardian.gateway_customer_id.is_(None))
            .values(gateway_customer_id=created)
        )
    return _existing_customer_id(db, actor) or created


def _guardian_email(db: Session, guardian: Guardian) -> str:
    login = db.scalar(
        select(EmailAddress.email).where(
            EmailAddress.guardian_id == guardian.id, EmailAddress.is_login.is_(True)
        )
    )
    if login:
        return login
    if guardian.user_id is not None:
        user = db.get(User, guardian.user_id)
        if user is not None:
            return user.email
    return ""
