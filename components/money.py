"""Money on screen: integer cents become text through services.kernel.money, in the portal's
currency (the setting chosen at first-run setup): "$1,234.50", "€1,234.50", "£1,234.50" for
the currencies with a known symbol, "1,234.50 CHF" for any other code."""

from __future__ import annotations

import streamlit as st

from components.run_memo import once_per_run
from data.db import session_scope
from services.kernel.errors import ValidationError
from services.kernel.money import format_cents, parse_amount
from services.kernel.settings import get_settings


def portal_currency() -> str:
    """The portal's currency code, read once per script run (components.run_memo)."""
    return once_per_run("currency", _read_currency)


def _read_currency() -> str:
    with session_scope() as db:
        return get_settings(db).currency


def money(cents: int) -> str:
    """One amount in the portal's currency."""
    return format_cents(cents, portal_currency())


def render_money_metric(label: str, cents: int, *, help: str | None = None) -> None:
    st.metric(label, money(cents), help=help)


def entered_cents(text: str, currency: str | None = None) -> int | None:
    """What a person typed in an amount field as cents above zero, in `currency` (default:
    the portal's); else the reason is shown with st.error and None comes back (the field
    keeps what was typed)."""
    try:
        cents = parse_amount(text, currency or portal_currency())
    except ValidationError as refused:
        st.error(refused.message)
        return None
    if cents <= 0:
        st.error("Enter an amount greater than zero.")
        return None
    return cents
