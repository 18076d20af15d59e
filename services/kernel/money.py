"""Money for display and input: integer cents in, text out, and back. Never float.

Amounts are in currencies with two decimal places (the portal's `currency` setting).
"""

from __future__ import annotations

import re
from functools import lru_cache

from services.kernel.errors import ValidationError

MAX_AMOUNT_CENTS = 100_000_000  # $1,000,000.00: anything larger is a typo, not a payment
_MAX_INPUT_LENGTH = 64

_SYMBOLS = {"usd": "$", "cad": "$", "aud": "$", "nzd": "$", "eur": "€", "gbp": "£"}

# Digits with correctly grouped thousands commas (or none), then an optional fraction.
_NUMBER = r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<fraction>[0-9]*))?"
_MINUS = "[-−]"  # ASCII hyphen-minus or the Unicode minus sign
_ANY_SYMBOL = re.compile("[$€£¥₹]")  # some currency's sign: worth a clearer message

ENTER_AMOUNT = "Enter an amount."
NOT_AN_AMOUNT = "Enter an amount as a number, like 12.50."
NOT_NEGATIVE = "The amount cannot be negative."
TOO_MANY_DECIMALS = "Use at most two decimal places (whole cents)."
TOO_LARGE = f"The amount is too large; the most is {MAX_AMOUNT_CENTS // 100:,}.00."
OTHER_CURRENCY = "Amounts here are in {code}: leave out the other currency's sign."


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


def parse_amount(text: str, currency: str = "usd") -> int:
    """What a person typed as integer cents; zero is allowed.

    Takes "25", "25.5", "$1,234.50", " 25 ", and the portal currency's sign or code before or
    after the number ("€25", "25 €", "CHF 25", "25 chf"), so whatever `format_cents` shows
    reads back. Refuses negatives, more than two decimals, letters and amounts over the
    maximum, each with its own message. Callers that need a positive amount (a payment)
    check `> 0` themselves.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(ENTER_AMOUNT)
    cleaned = text.strip()
    code = require_currency(currency)
    match = _amount_pattern(code).fullmatch(cleaned) if len(cleaned) <= _MAX_INPUT_LENGTH else None
    if match is None or (match["whole"] is None and not match["fraction"]):
        if any(sign != _SYMBOLS.get(code) for sign in _ANY_SYMBOL.findall(cleaned)):
            raise ValidationError(OTHER_CURRENCY.format(code=code.upper()))
        raise ValidationError(NOT_AN_AMOUNT)
    if match["before"] and match["after"]:
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


@lru_cache(maxsize=16)
def _amount_pattern(code: str) -> re.Pattern[str]:
    """An optional minus, the currency's sign or code, another optional minus, the number,
    then the sign or code may follow instead ("-$5", "$-5", "5 €", "CHF 5")."""
    mark = "|".join(re.escape(m) for m in (_SYMBOLS.get(code), code) if m)
    return re.compile(
        rf"(?:(?P<minus>{_MINUS})\s*)?(?:(?P<before>{mark})\s*)?(?:(?P<minus_after>{_MINUS})\s*)?"
        rf"{_NUMBER}(?:\s*(?P<after>{mark}))?",
        re.ASCII | re.IGNORECASE,
    )
