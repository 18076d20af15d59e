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
        ("5$", NOT_AN_AMOUNT),
        ("$", NOT_AN_AMOUNT),
        (".", NOT_AN_AMOUNT),
        ("+5", NOT_AN_AMOUNT),
        ("1 000", NOT_AN_AMOUNT),
        ("£5", NOT_AN_AMOUNT),
        ("5 USD", NOT_AN_AMOUNT),
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
