"""Formatting cents for display and parsing what people type, including hostile input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kernel.errors import ValidationError
from services.kernel.money import (
    ENTER_AMOUNT,
    MAX_AMOUNT_CENTS,
    NOT_AN_AMOUNT,
    NOT_NEGATIVE,
    OTHER_CURRENCY,
    TOO_LARGE,
    TOO_MANY_DECIMALS,
    format_cents,
    parse_amount,
)


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (0, "usd", "$0.00"),
        (5, "usd", "$0.05"),
        (1250, "usd", "$12.50"),
        (123_450, "usd", "$1,234.50"),
        (-500, "usd", "-$5.00"),
        (-123_456_789, "usd", "-$1,234,567.89"),
        (100_000_000, "USD", "$1,000,000.00"),
        (999, "eur", "€9.99"),
        (1200, "chf", "12.00 CHF"),
    ],
)
def test_format_cents(cents: int, currency: str, text: str) -> None:
    assert format_cents(cents, currency) == text


def test_format_cents_defaults_to_dollars() -> None:
    assert format_cents(-1) == "-$0.01"


@pytest.mark.parametrize("value", [1.5, True, Decimal("1.50"), "150", None])
def test_format_cents_refuses_anything_but_integer_cents(value: object) -> None:
    with pytest.raises(TypeError):
        format_cents(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("$1,234.56", 123_456),
        (" 3.00 ", 300),
        ("0", 0),
        ("0.01", 1),
        (".5", 50),
        ("12.", 1200),
        ("$ 7.05", 705),
        ("007", 700),
        ("1,000,000.00", MAX_AMOUNT_CENTS),
        ("1000000", MAX_AMOUNT_CENTS),
        ("\t$45\n", 4500),
        # what people type (issue 15): no sign, a trailing sign, the code
        ("25", 2500),
        ("25.5", 2550),
        ("25.50", 2550),
        ("$25", 2500),
        ("$1,234.50", 123_450),
        (" 25 ", 2500),
        ("25$", 2500),
        ("25 USD", 2500),
        ("usd 25", 2500),
    ],
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", ENTER_AMOUNT),
        ("   ", ENTER_AMOUNT),
        (None, ENTER_AMOUNT),
        (12, ENTER_AMOUNT),
        ("abc", NOT_AN_AMOUNT),
        ("12a", NOT_AN_AMOUNT),
        ("twelve", NOT_AN_AMOUNT),
        ("NaN", NOT_AN_AMOUNT),
        ("nan", NOT_AN_AMOUNT),
        ("inf", NOT_AN_AMOUNT),
        ("-inf", NOT_AN_AMOUNT),
        ("Infinity", NOT_AN_AMOUNT),
        ("1e3", NOT_AN_AMOUNT),
        ("0x10", NOT_AN_AMOUNT),
        ("1,23", NOT_AN_AMOUNT),
        ("12,34.5", NOT_AN_AMOUNT),
        ("1,2345", NOT_AN_AMOUNT),
        ("1..2", NOT_AN_AMOUNT),
        ("1.2.3", NOT_AN_AMOUNT),
        ("$$5", NOT_AN_AMOUNT),
        ("$5$", NOT_AN_AMOUNT),
        ("$", NOT_AN_AMOUNT),
        (".", NOT_AN_AMOUNT),
        ("+5", NOT_AN_AMOUNT),
        ("1 000", NOT_AN_AMOUNT),
        ("£5", OTHER_CURRENCY.format(code="USD")),
        ("5 EUR", NOT_AN_AMOUNT),
        ("USD 5 USD", NOT_AN_AMOUNT),
        ("$", NOT_AN_AMOUNT),
        ("USD", NOT_AN_AMOUNT),
        ("١٢", NOT_AN_AMOUNT),  # Arabic-Indic digits
        ("１２", NOT_AN_AMOUNT),  # full-width digits
        ("12; DROP TABLE ledger_entries", NOT_AN_AMOUNT),
        ("1" * 65, NOT_AN_AMOUNT),
        ("-5", NOT_NEGATIVE),
        ("-$5.00", NOT_NEGATIVE),
        ("$-5", NOT_NEGATIVE),
        ("−5", NOT_NEGATIVE),  # Unicode minus sign
        ("-0.01", NOT_NEGATIVE),
        ("1.234", TOO_MANY_DECIMALS),
        ("12.345", TOO_MANY_DECIMALS),
        ("0.001", TOO_MANY_DECIMALS),
        ("1,234.567", TOO_MANY_DECIMALS),
        ("1000000.01", TOO_LARGE),
        ("99999999999999999999", TOO_LARGE),
        ("$1,000,000,000", TOO_LARGE),
    ],
)
def test_parse_amount_refuses_bad_input(text: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text)  # type: ignore[arg-type]
    assert caught.value.message == message


def test_messages_are_readable() -> None:
    assert TOO_LARGE == "The amount is too large; the most is 1,000,000.00."


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS))
def test_parse_reads_back_what_format_wrote(cents: int) -> None:
    assert parse_amount(format_cents(cents)) == cents


@pytest.mark.parametrize(
    ("text", "currency", "cents"),
    [
        ("€25", "eur", 2500),
        ("25 €", "eur", 2500),
        ("€ 1,234.50", "eur", 123_450),
        ("£9.99", "gbp", 999),
        ("CHF 12", "chf", 1200),
        ("12.00 CHF", "chf", 1200),
        ("12.5 chf", "chf", 1250),
        ("C$ 5", "cad", None),
        ("$5", "cad", 500),
        ("40", "jpy", 4000),
    ],
)
def test_parse_amount_takes_the_portal_currency(
    text: str, currency: str, cents: int | None
) -> None:
    if cents is None:
        with pytest.raises(ValidationError):
            parse_amount(text, currency)
    else:
        assert parse_amount(text, currency) == cents


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("$25", "eur", OTHER_CURRENCY.format(code="EUR")),
        ("25 £", "eur", OTHER_CURRENCY.format(code="EUR")),
        ("€25", "usd", OTHER_CURRENCY.format(code="USD")),
        ("$5", "chf", OTHER_CURRENCY.format(code="CHF")),
        ("-€5", "eur", NOT_NEGATIVE),
        ("€-5", "eur", NOT_NEGATIVE),
        ("-5 €", "eur", NOT_NEGATIVE),
        ("€1.234", "eur", TOO_MANY_DECIMALS),
        ("€2,000,000", "eur", TOO_LARGE),
        ("25 EUR", "usd", NOT_AN_AMOUNT),
    ],
)
def test_parse_amount_refuses_for_the_portal_currency(
    text: str, currency: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, currency)
    assert caught.value.message == message


CURRENCIES = st.sampled_from(["usd", "eur", "gbp", "cad", "chf", "sek"])


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS), CURRENCIES)
def test_parse_reads_back_what_format_wrote_in_any_currency(cents: int, currency: str) -> None:
    assert parse_amount(format_cents(cents, currency), currency) == cents


@given(st.integers(min_value=-MAX_AMOUNT_CENTS, max_value=-1), CURRENCIES)
def test_a_negative_amount_is_always_refused(cents: int, currency: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(format_cents(cents, currency), currency)
    assert caught.value.message == NOT_NEGATIVE


@given(st.integers(min_value=0, max_value=10**6), st.text("0123456789", min_size=3, max_size=6))
def test_more_than_two_decimals_is_always_refused(whole: int, fraction: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(f"{whole}.{fraction}")
    assert caught.value.message == TOO_MANY_DECIMALS


@given(st.integers(min_value=MAX_AMOUNT_CENTS + 1, max_value=10**30))
def test_anything_over_the_maximum_is_refused(cents: int) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_amount(f"{cents // 100}.{cents % 100:02d}")
    assert caught.value.message == TOO_LARGE


@given(st.text(max_size=80), CURRENCIES)
def test_any_text_is_cents_or_a_readable_refusal(text: str, currency: str) -> None:
    try:
        cents = parse_amount(text, currency)
    except ValidationError as refused:
        assert refused.message
    else:
        assert isinstance(cents, int) and 0 <= cents <= MAX_AMOUNT_CENTS
