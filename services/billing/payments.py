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

from services.billing.gateway_objects import (
    IntentState,
    MethodFacts,
    RefundInfo,
    SetupIntentInfo,
    id_of,
    intent_state,
    method_facts_from,
    refund_from_dict,
    setup_intent_info,
)
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
        return setup_intent_info(intent)

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupIntentInfo:
        return setup_intent_info(_call(self._client.v1.setup_intents.retrieve, setup_intent_id))

    def method_facts(self, method_id: str) -> MethodFacts:
        return _accepted(_call(self._client.v1.payment_methods.retrieve, method_id))

    def attach_method(self, method_id: str, *, customer_id: str) -> MethodFacts:
        """Attach to the customer (a no-op when Stripe.js already did) and return its facts."""
        facts = self.method_facts(method_id)
        if facts.customer_id == customer_id:
            return facts
        if facts.customer_id is not None:
            raise GatewayRejected("That card belongs to someone else.", code="foreign_method")
        method = _call(self._client.v1.payment_methods.attach, method_id, {"customer": customer_id})
        return _accepted(method)

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
        return intent_state(intent)

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
        return intent_state(intent)

    def retrieve_payment_intent(self, intent_id: str) -> IntentState:
        return intent_state(_call(self._client.v1.payment_intents.retrieve, intent_id))

    def cancel_payment_intent(self, intent_id: str) -> IntentState:
        return intent_state(_call(self._client.v1.payment_intents.cancel, intent_id))

    def retrieve_charge_intent(self, charge_id: str) -> str | None:
        """The PaymentIntent a charge belongs to (refund events may name only the charge)."""
        charge = _call(self._client.v1.charges.retrieve, charge_id)
        return id_of(getattr(charge, "payment_intent", None))

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


def _accepted(method: Any) -> MethodFacts:
    facts = method_facts_from(method)
    if facts is None:
        raise GatewayRejected("That kind of payment method is not accepted.", code="method_type")
    return facts


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
