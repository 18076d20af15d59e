"""Saved payment methods: list, edit, delete (adding one through a Stripe SetupIntent is in
services.billing.payment_method_setup).

Rules (see docs/decisions.md, "Payment methods"):
- Every guardian of the family sees every method on file; each guardian who can sign in edits
  and deletes only their own.
- One primary per guardian (a partial unique index backs it); setting one unsets the other.
- With "require saved payment method authorized for recurring billing" on, methods cannot be
  deleted and the recurring flag cannot be turned off.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import Guardian, PaymentMethod
from services.billing.payments import Gateway, GatewayError
from services.kernel import audit, clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import AccessDenied, FeatureDisabled, NotFound, ValidationError
from services.kernel.reach import family_timezone
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

EXPIRY_WARNING_DAYS = 30
log = logging.getLogger(__name__)
TYPE_LABELS = {"card": "Credit or debit card", "bank_account": "Bank account"}


@dataclass(frozen=True)
class PaymentMethodView:
    id: int
    guardian_id: int
    guardian_name: str
    type: str
    type_label: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    is_primary: bool
    recurring_authorized: bool
    expiry_state: str  # "ok", "expiring" (within 30 days), "expired"; "ok" for bank accounts
    can_edit: bool
    can_delete: bool

    @property
    def label(self) -> str:
        """ "Visa •••• 4242" — how a method is named in lists and receipts."""
        return f"{self.brand.title()} •••• {self.last4}"

    @property
    def expiry(self) -> str:
        if self.exp_month is None or self.exp_year is None:
            return ""
        return f"{self.exp_month:02d}/{self.exp_year}"


@dataclass(frozen=True)
class PrimaryMethodState:
    """The actor's primary method for the family home: None when they have none."""

    method: PaymentMethodView | None
    methods_on_file: int


def list_payment_methods(db: Session, actor: Actor) -> list[PaymentMethodView]:
    """Every method on file for the actor's family: own first, primary first, newest next."""
    family_id = require_guardian(actor)
    rows = db.execute(
        select(PaymentMethod, Guardian.first_name, Guardian.last_name)
        .join(Guardian, Guardian.id == PaymentMethod.guardian_id)
        .where(PaymentMethod.family_id == family_id)
        .order_by(PaymentMethod.is_primary.desc(), PaymentMethod.created_at, PaymentMethod.id)
    ).all()
    locked = get_settings(db).require_recurring_authorized_method
    today = _today(db, family_id)
    views = [_view(m, f"{first} {last}", actor, locked, today) for m, first, last in rows]
    return sorted(views, key=lambda v: v.guardian_id != actor.guardian_id)


def primary_method_state(db: Session, actor: Actor) -> PrimaryMethodState:
    methods = [m for m in list_payment_methods(db, actor) if m.guardian_id == actor.guardian_id]
    primary = next((m for m in methods if m.is_primary), None)
    return PrimaryMethodState(method=primary, methods_on_file=len(methods))


def update_payment_method(
    db: Session,
    actor: Actor,
    method_id: int,
    *,
    make_primary: bool | None = None,
    recurring_authorized: bool | None = None,
) -> PaymentMethodView:
    """Set primary (unsetting the guardian's other primary) and the recurring flag."""
    require_guardian(actor)
    require_id(method_id, "payment method")
    locked = get_settings(db).require_recurring_authorized_method
    with write_transaction(db):
        method = _own_method(db, actor, method_id, for_update=True)
        if recurring_authorized is False and locked and method.recurring_authorized:
            raise ValidationError(
                "Recurring billing is required for saved payment methods and cannot be turned off."
            )
        changes: dict[str, object] = {}
        if make_primary is not None and make_primary != method.is_primary:
            if make_primary:
                _unset_primary(db, method.guardian_id)
            method.is_primary = make_primary
            changes["primary"] = make_primary
        if recurring_authorized is not None and recurring_authorized != method.recurring_authorized:
            method.recurring_authorized = recurring_authorized
            changes["recurring_authorized"] = recurring_authorized
        if changes:
            db.flush()
            audit.record(
                db,
                actor,
                "payment_method.updated",
                entity="payment_method",
                entity_id=method.id,
                details={"method": _describe(method), **changes},
            )
    return _view_one(db, actor, method_id)


def delete_payment_method(db: Session, actor: Actor, gateway: Gateway, method_id: int) -> None:
    """Remove the method here and detach it from the Stripe customer."""
    require_guardian(actor)
    require_id(method_id, "payment method")
    if get_settings(db).require_recurring_authorized_method:
        raise FeatureDisabled(
            "Saved payment methods are required for recurring billing and cannot be deleted. "
            "Add a new one and make it primary instead, or ask the front desk."
        )
    with write_transaction(db):
        method = _own_method(db, actor, method_id, for_update=True)
        gateway_method_id = method.gateway_method_id
        description = _describe(method)
        db.delete(method)
        audit.record(
            db,
            actor,
            "payment_method.deleted",
            entity="payment_method",
            entity_id=method_id,
            details={"method": description},
        )
    if gateway.configured:
        try:
            gateway.detach_method(gateway_method_id)
        except GatewayError:
            # Removed here already; a method left attached at Stripe cannot be used by
            # Cartwheel (it is no longer on file). Logged for staff, not shown as a failure.
            log.warning("detach failed for payment method %s", method_id)


def expiry_state(exp_month: int | None, exp_year: int | None, today: date) -> str:
    """A card is valid through the last day of its expiry month."""
    if exp_month is None or exp_year is None:
        return "ok"
    last_day = date(exp_year, exp_month, calendar.monthrange(exp_year, exp_month)[1])
    if last_day < today:
        return "expired"
    if last_day <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "ok"


def _unset_primary(db: Session, guardian_id: int | None) -> None:
    db.execute(
        update(PaymentMethod)
        .where(PaymentMethod.guardian_id == guardian_id, PaymentMethod.is_primary.is_(True))
        .values(is_primary=False)
    )
    db.flush()


def _own_method(db: Session, actor: Actor, method_id: int, *, for_update: bool) -> PaymentMethod:
    query = select(PaymentMethod).where(
        PaymentMethod.id == method_id, PaymentMethod.family_id == actor.family_id
    )
    if for_update:
        query = query.with_for_update()
    method = db.scalar(query)
    if method is None:
        raise NotFound("payment method")
    if method.guardian_id != actor.guardian_id:
        raise AccessDenied("Only the guardian who saved this payment method can change it.")
    return method


def _view_one(db: Session, actor: Actor, method_id: int) -> PaymentMethodView:
    for view in list_payment_methods(db, actor):
        if view.id == method_id:
            return view
    raise NotFound("payment method")


def _view(
    method: PaymentMethod, guardian_name: str, actor: Actor, locked: bool, today: date
) -> PaymentMethodView:
    own = method.guardian_id == actor.guardian_id
    return PaymentMethodView(
        id=method.id,
        guardian_id=method.guardian_id,
        guardian_name=guardian_name,
        type=method.type.value,
        type_label=TYPE_LABELS[method.type.value],
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        is_primary=method.is_primary,
        recurring_authorized=method.recurring_authorized,
        expiry_state=expiry_state(method.exp_month, method.exp_year, today),
        can_edit=own,
        can_delete=own and not locked,
    )


def _today(db: Session, family_id: int) -> date:
    return clock.today_in(family_timezone(db, family_id))


def _describe(method: PaymentMethod) -> str:
    return f"{method.brand.title()} ending {method.last4}"
