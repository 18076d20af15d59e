"""The first-run setup form (pages/setup.py): the business, its owner and its first location.
Every value is checked again by services.backoffice.first_run; this only draws the widgets."""

from __future__ import annotations

import streamlit as st

from components.account.password_fields import new_password_fields
from services.backoffice.first_run import SetupInput
from services.families.contact_validation import AddressInput
from services.kernel.money import format_cents
from services.kernel.validation import time_zone_names

KEY = "setup"
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD")  # any other ISO code can be typed
EXAMPLE_CENTS = 123_450


def _currency_label(code: str) -> str:
    return f"{code} — amounts show as {format_cents(EXAMPLE_CENTS, code)}"


def _text(label: str, name: str, limit: int, autocomplete: str = "off") -> str:
    value = st.text_input(label, key=f"{KEY}.{name}", max_chars=limit, autocomplete=autocomplete)
    return value or ""


def _time_zone(label: str, name: str, placeholder: str) -> str:
    choice = st.selectbox(
        label, time_zone_names(), index=None, placeholder=placeholder, key=f"{KEY}.{name}"
    )
    return choice or ""


def render_setup_form() -> SetupInput | None:
    """What the owner entered, when they submit; else None."""
    with st.form(f"{KEY}.form"):
        st.subheader("Your business")
        business_name = _text("Business name", "business_name", 120, "organization")
        time_zone = _time_zone("Time zone", "time_zone", "Choose, e.g. America/Chicago")
        currency = st.selectbox(
            "Currency",
            CURRENCIES,
            format_func=_currency_label,
            accept_new_options=True,
            help="Pick one, or type another three-letter code (such as CHF): amounts then "
            "show with the code, like 1,234.50 CHF.",
            key=f"{KEY}.currency",
        )
        st.subheader("You, the owner")
        owner_name = _text("Your name", "owner_name", 120, "name")
        owner_email = _text("Your e-mail (you sign in with it)", "owner_email", 254, "email")
        password, confirm = new_password_fields(f"{KEY}.password")
        st.subheader("Your first location")
        location_name = _text("Location name", "location_name", 120)
        location_time_zone = _time_zone(
            "Location time zone", "location_time_zone", "Same as the business"
        )
        address = AddressInput(
            _text("Street address", "line1", 200, "address-line1"),
            city=_text("City", "city", 120, "address-level2"),
            region=_text("State, province or county", "region", 120, "address-level1"),
            postal_code=_text("ZIP or postal code", "postal_code", 20, "postal-code"),
            country=_text("Country (two-letter code, such as US)", "country", 60, "country"),
        )
        phone = _text("Phone", "phone", 40, "tel")
        submitted = st.form_submit_button(
            "Set up the portal", type="primary", width="stretch", key=f"{KEY}.submit"
        )
    if not submitted:
        return None
    return SetupInput(
        business_name=business_name,
        time_zone=time_zone,
        currency=currency or "",
        owner_name=owner_name,
        owner_email=owner_email,
        password=password,
        confirm=confirm,
        location_name=location_name,
        location_time_zone=location_time_zone,
        address=address,
        phone=phone,
    )
