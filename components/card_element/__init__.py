"""The card form: Stripe Elements in a Streamlit component; returns the confirmed SetupIntent.

The card number is typed into Stripe's element and sent by Stripe.js straight to Stripe; this
component hands back only `{"setup_intent_id": "seti_…"}` (or `{"error": "…"}`), which
services.billing.payment_method_setup.finish_card_setup checks against the guardian's Stripe
customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit.components.v1 as components

_FRONTEND = Path(__file__).resolve().parent / "frontend"
_card_element = components.declare_component("card_element", path=str(_FRONTEND))


@dataclass(frozen=True)
class CardResult:
    setup_intent_id: str | None
    error: str | None


def render_card_element(
    *, publishable_key: str, js_url: str, client_secret: str, key: str
) -> CardResult | None:
    """Draw the card form; None until the parent presses Save card."""
    value = _card_element(
        publishable_key=publishable_key,
        js_url=js_url,
        client_secret=client_secret,
        button_label="Save card",
        key=key,
        default=None,
    )
    if not isinstance(value, dict):
        return None
    setup_intent_id = value.get("setup_intent_id")
    error = value.get("error")
    return CardResult(
        setup_intent_id=setup_intent_id if isinstance(setup_intent_id, str) else None,
        error=error if isinstance(error, str) else None,
    )
