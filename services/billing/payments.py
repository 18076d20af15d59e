"""The payment gateway: a small interface with a Stripe implementation and a "not configured" one.

Only this module talks to Stripe. It passes ids and amounts; card numbers never reach it (they
go from the browser to Stripe through Stripe.js). Configuration comes from the environment:

    CARTWHEEL_STRIPE_SECRET_KEY       sk_live_… / sk_test_… (unset: online payments are off)
    CARTWHEEL_STRIPE_PUBLISHABLE_KEY  pk_… for Stripe.js in the browser
    CARTWHEEL_STRIPE_WEBHOOK_SECRET   whsec_… to verify /webhooks/stripe
    CARTWHEEL_STRIPE_API_BASE         another API address (the local test server); default Stripe
    CARTWHEEL_STRIPE_JS_URL           where the browser loads Stripe.js; default js.stripe.com

Errors are sorted into three kinds the callers treat differently: `CardDeclined` (the
customer's bank said no: nothing was charged), `GatewayRejected` (Stripe refused the request:
nothing was charged) and `GatewayUnavailable` (no answer: the outcome is unknown and must be
reconciled, never blindly repeated).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import stripe

from services.kernel.errors import DomainError

log = logging.getLogger(__name__)

STRIPE_JS_URL = "https://js.stripe.com/v3/"
REQUEST_TIMEOUT_SECONDS = 20
NOT_CONFIGURED = "This account is not configured to accept online payments."
MISSING = "resource_missing"  # Stripe's code for "no such object"


class GatewayError(DomainError):
    """The gateway refused or failed a request; `message` is safe to show."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class GatewayNotConfigured(GatewayError):
    def __init__(self) -> None:
        super().__init__(NOT_CONFIGURED, code="not_configured")


class CardDeclined(GatewayError):
    """The card was declined; nothing was charged."""


class GatewayRejected(GatewayError):
    """Stripe refused the request (bad id, bad parameter); nothing was charged."""


class GatewayUnavailable(GatewayError):
    """No answer (timeout, connection, Stripe outage): the outcome is unknown."""


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    publishable_key: str
    webhook_secret: str = ""
    api_base: str | None = None
    js_url: str = STRIPE_JS_URL
    # Autopay confirms with `off_session` (the guardian is not there: a merchant-initiated
    # charge on a card saved for it). The local test server refuses that parameter on confirm.
    sends_off_session: bool = True


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


class Gateway:
    """The not-configured gateway: every call says online payments are off."""

    configured = False
    publishable_key = ""
    js_url = STRIPE_JS_URL
    supports_bank_accounts = False

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise GatewayNotConfigured()

    create_customer = _refuse
    create_setup_intent = _refuse
    retrieve_setup_intent = _refuse
    method_facts = _refuse
    attach_method = _refuse
    detach_method = _refuse
    create_payment_intent = _refuse
    confirm_payment_intent = _refuse
    retrieve_payment_intent = _refuse
    cancel_payment_intent = _refuse
    retrieve_charge_intent = _refuse
    create_refund = _refuse
    list_refunds = _refuse
    verify_event = _refuse


class StripeGateway(Gateway):
    """The official Stripe SDK, pointed at Stripe or at a local test server."""

    configured = True
    # Bank accounts (ACH, `us_bank_account`) need Stripe's Financial Connections flow, which
    # neither Cartwheel's card element nor the local test server supports yet.
    supports_bank_accounts = False

    def __init__(self, config: StripeConfig) -> None:
        self.config = config
        self.publishable_key = config.publishable_key
        self.js_url = config.js_url
        base = {"api": config.api_base} if config.api_base else None
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses=base,  # type: ignore[arg-type]
            max_network_retries=0,  # a retry is a decision for the payment-attempt logic
            http_client=stripe.RequestsClient(timeout=REQUEST_TIMEOUT_SECONDS),
        )

    # Customers and saved methods -------------------------------------------------------

    def create_customer(self, *, email: str, name: str, idempotency_key: str) -> str:
        customer = _call(
            self._client.v1.customers.create,
            {"email": email, "name": name},
            {"idempotency_key": idempotency_key},
        )
        return str(customer.id)

    def create_setup_intent(self, *, customer_id: str) -> SetupIntentInfo:
        intent = _call(
            self._client.v1.setup_intents.create,
            {"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]},
        )
        return _setup_intent_info(intent)

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupIntentInfo:
        return _setup_intent_info(_call(self._client.v1.setup_intents.retrieve, setup_intent_id))

    def method_facts(self, method_id: str) -> MethodFacts:
        return _method_facts(_call(self._client.v1.payment_methods.retrieve, method_id))

    def attach_method(self, method_id: str, *, customer_id: str) -> MethodFacts:
        """Attach to the customer (a no-op when Stripe.js already did) and return its facts."""
        facts = self.method_facts(method_id)
        if facts.customer_id == customer_id:
            return facts
        if facts.customer_id is not None:
            raise GatewayRejected("That card belongs to someone else.", code="foreign_method")
        method = _call(self._client.v1.payment_methods.attach, method_id, {"customer": customer_id})
        return _method_facts(method)

    def detach_method(self, method_id: str) -> None:
        _call(self._client.v1.payment_methods.detach, method_id)

    # Payments -----------------------------------------------------------------------------

    def create_payment_intent(
        self,
        *,
        amount_cents: int,
        currency: str,
        customer_id: str,
        method_id: str,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> IntentState:
        """Create, without confirming: a PaymentIntent that is never confirmed charges nothing."""
        intent = _call(
            self._client.v1.payment_intents.create,
            {
                "amount": amount_cents,
                "currency": currency,
                "customer": customer_id,
                "payment_method": method_id,
                "payment_method_types": ["card"],
                "metadata": metadata,
            },
            {"idempotency_key": idempotency_key},
        )
        return _intent_state(intent)

    def confirm_payment_intent(
        self, intent_id: str, *, idempotency_key: str, off_session: bool = False
    ) -> IntentState:
        """Confirm; a decline comes back as the intent's state (not raised) so it is recorded.
        `off_session`: the customer is not present (autopay)."""
        params = {"off_session": True} if off_session and self.config.sends_off_session else {}
        try:
            intent = _call(
                self._client.v1.payment_intents.confirm,
                intent_id,
                params,
                {"idempotency_key": idempotency_key},
            )
        except CardDeclined:
            return self.retrieve_payment_intent(intent_id)
        return _intent_state(intent)

    def retrieve_payment_intent(self, intent_id: str) -> IntentState:
        return _intent_state(_call(self._client.v1.payment_intents.retrieve, intent_id))

    def cancel_payment_intent(self, intent_id: str) -> IntentState:
        return _intent_state(_call(self._client.v1.payment_intents.cancel, intent_id))

    def retrieve_charge_intent(self, charge_id: str) -> str | None:
        """The PaymentIntent a charge belongs to (refund events may name only the charge)."""
        charge = _call(self._client.v1.charges.retrieve, charge_id)
        return _id_of(getattr(charge, "payment_intent", None))

    def create_refund(
        self,
        *,
        payment_intent_id: str,
        amount_cents: int,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> RefundInfo:
        """Refund part or all of a PaymentIntent's charge back to the card."""
        refund = _call(
            self._client.v1.refunds.create,
            {"payment_intent": payment_intent_id, "amount": amount_cents, "metadata": metadata},
            {"idempotency_key": idempotency_key},
        )
        return refund_from_dict(refund.to_dict())

    def list_refunds(self, payment_intent_id: str) -> list[RefundInfo]:
        """The refunds of a PaymentIntent (the newest 100), to settle one whose answer was lost."""
        page = _call(
            self._client.v1.refunds.list, {"payment_intent": payment_intent_id, "limit": 100}
        )
        return [refund_from_dict(refund.to_dict()) for refund in page.data]

    # Webhooks -----------------------------------------------------------------------------

    def verify_event(self, payload: bytes, signature: str) -> dict[str, Any]:
        """The event, if its signature is valid for our webhook secret; GatewayRejected if not."""
        if not self.config.webhook_secret:
            raise GatewayRejected("Webhook secret not configured.", code="no_webhook_secret")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.config.webhook_secret)
        except (ValueError, stripe.SignatureVerificationError):
            raise GatewayRejected("Invalid webhook signature.", code="bad_signature") from None
        return event.to_dict()


def gateway_from_env() -> Gateway:
    """The Stripe gateway when a secret key is configured, else the not-configured one."""
    secret = os.environ.get("CARTWHEEL_STRIPE_SECRET_KEY", "").strip()
    publishable = os.environ.get("CARTWHEEL_STRIPE_PUBLISHABLE_KEY", "").strip()
    if not secret or not publishable:
        return Gateway()
    api_base = os.environ.get("CARTWHEEL_STRIPE_API_BASE", "").strip() or None
    return StripeGateway(
        StripeConfig(
            secret_key=secret,
            publishable_key=publishable,
            webhook_secret=os.environ.get("CARTWHEEL_STRIPE_WEBHOOK_SECRET", "").strip(),
            api_base=api_base,
            js_url=os.environ.get("CARTWHEEL_STRIPE_JS_URL", "").strip() or STRIPE_JS_URL,
            sends_off_session=api_base is None,  # another API base is the local test server
        )
    )


# Helpers ------------------------------------------------------------------------------------


def _call(method: Any, *args: Any) -> Any:
    """Call the SDK and translate its errors into ours (messages safe to show)."""
    try:
        return method(*args)
    except stripe.CardError as exc:
        raise CardDeclined(_card_message(exc), code=exc.code or "card_declined") from None
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        log.warning("Stripe unreachable: %s", type(exc).__name__)
        raise GatewayUnavailable("The card processor did not answer.", code="unavailable") from None
    except stripe.APIError as exc:  # Stripe's own 5xx: the request may or may not have worked
        log.warning("Stripe API error %s", exc.http_status)
        raise GatewayUnavailable("The card processor had a problem.", code="api_error") from None
    except stripe.StripeError as exc:
        log.warning("Stripe refused a request: %s %s", type(exc).__name__, exc.code)
        # A 404 is Stripe saying "no such object" (local test servers omit the code).
        missing = exc.http_status == 404 and isinstance(exc, stripe.InvalidRequestError)
        code = exc.code or (MISSING if missing else "rejected")
        raise GatewayRejected("The card processor refused the request.", code=code) from None


def _card_message(exc: stripe.CardError) -> str:
    text = (exc.user_message or "").strip()
    return text or "Your card was declined."


def _id_of(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # an expanded object in `to_dict()` output
        return _id_of(value.get("id"))
    return str(getattr(value, "id", "")) or None


def _setup_intent_info(intent: Any) -> SetupIntentInfo:
    return SetupIntentInfo(
        id=str(intent.id),
        client_secret=str(intent.client_secret),
        status=str(intent.status),
        customer_id=_id_of(intent.customer),
        payment_method_id=_id_of(intent.payment_method),
    )


def _method_facts(method: Any) -> MethodFacts:
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
            customer_id=_id_of(data.get("customer")),
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
            customer_id=_id_of(data.get("customer")),
        )
    raise GatewayRejected("That kind of payment method is not accepted.", code="method_type")


def refund_from_dict(obj: dict[str, Any], charge: dict[str, Any] | None = None) -> RefundInfo:
    """A refund from Stripe's answer or a webhook (`charge`: the charge it came inside)."""
    around = charge or {}
    return RefundInfo(
        id=str(obj.get("id") or ""),
        amount_cents=int(obj.get("amount") or 0),
        status=str(obj.get("status") or ""),
        payment_intent_id=_id_of(obj.get("payment_intent")) or _id_of(around.get("payment_intent")),
        charge_id=_id_of(obj.get("charge")) or _id_of(around.get("id")),
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def _intent_state(intent: Any) -> IntentState:
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
