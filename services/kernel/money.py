"""Money for display and input: integer cents in, text out, and back. Never float.

Amounts are in currencies with two decimal places (the portal's `currency` setting).
"""

from __future__ import annotations

import re

from services.kernel.errors import ValidationError

MAX_AMOUNT_CENTS = 100_000_000  # $1,000,000.00: anything larger is a typo, not a payment
_MAX_INPUT_LENGTH = 64

_SYMBOLS = {"usd": "$", "cad": "$", "aud": "$", "nzd": "$", "eur": "€", "gbp": "£"}

# An optional "$" with an optional minus on either side of it, then digits with correctly
# grouped thousands commas (or none), then an optional fraction. ASCII digits only.
_AMOUNT = re.compile(
    r"(?:(?P<minus>[-−])\s*)?\$?\s*(?:(?P<minus_after>[-−])\s*)?"
    r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?"
    r"(?:\.(?P<fraction>[0-9]*))?",
    re.ASCII,
)

ENTER_AMOUNT = "Enter an amount."
NOT_AN_AMOUNT = "Enter an amount as a number, like 12.50."
NOT_NEGATIVE = "The amount cannot be negative."
TOO_MANY_DECIMALS = "Use at most two decimal places (whole cents)."
TOO_LARGE = f"The amount is too large; the most is {MAX_AMOUNT_CENTS // 100:,}.00."


def format_cents(cents: int, currency: str = "usd") -> str:
    """1234_50 → "$1,234.50", -500 → "-$5.00"; other currencies without a symbol → "5.00 CHF"."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"format_cents needs integer cents, got {type(cents).__name__}")
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    number = f"{whole:,}.{part:02d}"
    code = currency.strip().lower()
    symbol = _SYMBOLS.get(code)
    if symbol is None:
        return f"{sign}{number} {code.upper()}"
    return f"{sign}{symbol}{number}"


def require_currency(value: object) -> str:
    """A currency as its ISO 4217 code ("usd", "EUR"), stored lower-case as Stripe takes it;
    `format_cents` shows it with its symbol when it has a known one, else with the code."""
    code = value.strip().lower() if isinstance(value, str) else ""
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise ValidationError("Enter the currency as its three-letter code, such as USD or EUR.")
    return code


def parse_amount(text: str) -> int:
    """What a person typed ("12", "12.5", "$1,234.56") as integer cents; zero is allowed.

    Callers that need a positive amount (a payment) check `> 0` themselves.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(ENTER_AMOUNT)
    cleaned = text.strip()
    match = _AMOUNT.fullmatch(cleaned) if len(cleaned) <= _MAX_INPUT_LENGTH else None
    if match is None or (match["whole"] is None and not match["fraction"]):
        raise ValidationError(NOT_AN_AMOUNT)
    if match["minus"] or match["minus_after"]:
        raise ValidationError(NOT_NEGATIVE)
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise ValidationError(TOO_MANY_DECIMALS)
    whole = int((match["whole"] or "0").replace(",", ""))
    cents = whole * 100 + int(fraction.ljust(2, "0"))
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationError(TOO_LARGE)
    return cents
