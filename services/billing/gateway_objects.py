"""What Cartwheel keeps of Stripe's objects (never a card number), and the converters from
Stripe's answers and webhook payloads to them. Used only by the gateway (payments.py) and
the code that reads its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MethodFacts:
    """What may be stored about a payment method: never the number."""

    gateway_method_id: str
    type: str  # "card" or "bank_account"
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None
    customer_id: str | None


@dataclass(frozen=True)
class SetupIntentInfo:
    id: str
    client_secret: str
    status: str
    customer_id: str | None
    payment_method_id: str | None


@dataclass(frozen=True)
class IntentState:
    """A PaymentIntent as far as Cartwheel cares."""

    id: str
    status: str  # succeeded, processing, requires_action, requires_payment_method, canceled, …
    amount_cents: int
    currency: str
    error_code: str = ""
    error_message: str = ""
    metadata: dict[str, str] | None = None


@dataclass(frozen=True)
class RefundInfo:
    id: str
    amount_cents: int
    status: str
    payment_intent_id: str | None
    charge_id: str | None
    metadata: dict[str, str] | None = None  # ours: which card_refunds row asked for it


def id_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # an expanded object in `to_dict()` output
        return id_of(value.get("id"))
    return str(getattr(value, "id", "")) or None


def setup_intent_info(intent: Any) -> SetupIntentInfo:
    return SetupIntentInfo(
        id=str(intent.id),
        client_secret=str(intent.client_secret),
        status=str(intent.status),
        customer_id=id_of(intent.customer),
        payment_method_id=id_of(intent.payment_method),
    )


def method_facts_from(method: Any) -> MethodFacts | None:
    """None for a kind of payment method Cartwheel does not accept."""
    data = method.to_dict()
    kind = data.get("type")
    if kind == "card":
        card = data.get("card") or {}
        return MethodFacts(
            gateway_method_id=str(data["id"]),
            type="card",
            brand=str(card.get("brand") or "card"),
            last4=str(card.get("last4") or ""),
            exp_month=card.get("exp_month"),
            exp_year=card.get("exp_year"),
            customer_id=id_of(data.get("customer")),
        )
    if kind == "us_bank_account":
        bank = data.get("us_bank_account") or {}
        return MethodFacts(
            gateway_method_id=str(data["id"]),
            type="bank_account",
            brand=str(bank.get("bank_name") or "Bank account"),
            last4=str(bank.get("last4") or ""),
            exp_month=None,
            exp_year=None,
            customer_id=id_of(data.get("customer")),
        )
    return None


def refund_from_dict(obj: dict[str, Any], charge: dict[str, Any] | None = None) -> RefundInfo:
    """A refund from Stripe's answer or a webhook (`charge`: the charge it came inside)."""
    around = charge or {}
    return RefundInfo(
        id=str(obj.get("id") or ""),
        amount_cents=int(obj.get("amount") or 0),
        status=str(obj.get("status") or ""),
        payment_intent_id=id_of(obj.get("payment_intent")) or id_of(around.get("payment_intent")),
        charge_id=id_of(obj.get("charge")) or id_of(around.get("id")),
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def intent_state(intent: Any) -> IntentState:
    data = intent.to_dict()
    error = data.get("last_payment_error") or {}
    return IntentState(
        id=str(data["id"]),
        status=str(data.get("status") or ""),
        amount_cents=int(data.get("amount") or 0),
        currency=str(data.get("currency") or ""),
        error_code=str(error.get("decline_code") or error.get("code") or ""),
        error_message=str(error.get("message") or ""),
        metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
    )
