"""Card numbers never reach our database or logs: run the payment flows with every logger at
DEBUG, then scan every text column of every table and the captured logs for card numbers."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Session

from data.models import Base
from services.billing import payment_attempts as pay
from services.billing import payment_method_setup, payment_methods
from tests.services.payment_helpers import owing_family, request_key, save_card
from tests.support.localstripe import (
    DECLINED_AT_CHARGE,
    DECLINED_AT_SAVE,
    NEEDS_AUTHENTICATION,
    VISA,
    LocalStripe,
)

TEST_NUMBERS = (VISA, DECLINED_AT_CHARGE, DECLINED_AT_SAVE, NEEDS_AUTHENTICATION)
DIGIT_RUN = re.compile(r"(?<!\d)(?:\d[ -]?){13,19}(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Luhn-valid runs of 13-19 digits (spaces or dashes allowed between them)."""
    found = []
    for match in DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            found.append(digits)
    return found


def test_the_scanner_finds_card_numbers() -> None:
    assert card_numbers_in(f"x {VISA} y 4242 4242 4242 4242 z") == [VISA, VISA]
    assert card_numbers_in("order 1234567890123 and 20261124150000") == []


def _all_text(db: Session) -> str:
    parts = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        json_columns = [c for c in table.columns if c.type.__class__.__name__ == "JSON"]
        chosen = columns + json_columns
        if not chosen:
            continue
        for row in db.execute(select(*chosen)):
            parts.extend(str(value) for value in row if value is not None)
    return "\n".join(parts)


def test_no_card_numbers_in_database_or_logs(
    db: Session, localstripe: LocalStripe, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the Stripe SDK's request logs included
    gateway = localstripe.gateway()
    who = owing_family(db, 9000, 4000)
    good = save_card(db, who.actor, gateway, localstripe, VISA)
    save_card(db, who.actor, gateway, localstripe, DECLINED_AT_CHARGE, primary=False)
    setup = payment_method_setup.start_card_setup(db, who.actor, gateway)
    localstripe.confirm_setup(setup.client_secret, DECLINED_AT_SAVE)
    with pytest.raises(Exception, match="declined"):
        payment_method_setup.finish_card_setup(
            db,
            who.actor,
            gateway,
            setup.setup_intent_id,
            make_primary=False,
            recurring_authorized=True,
        )
    declined = [m for m in payment_methods.list_payment_methods(db, who.actor) if m.id != good.id]
    attempt = pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=1000,
        payment_method_id=declined[0].id,
        request_key=request_key(),
    )
    assert pay.submit_payment(db, who.actor, gateway, attempt).status == "failed"
    attempt = pay.begin_payment(
        db,
        who.actor,
        gateway,
        amount_cents=9000,
        payment_method_id=good.id,
        request_key=request_key(),
    )
    assert pay.submit_payment(db, who.actor, gateway, attempt).status == "succeeded"
    db.commit()

    stored = _all_text(db)
    assert "4242" in stored  # the scan reads real rows: the last four digits are there
    assert card_numbers_in(stored) == []
    assert not any(number in stored for number in TEST_NUMBERS)
    logs = caplog.text
    assert "payment_intents" in logs  # the Stripe SDK's request logs were captured
    assert card_numbers_in(logs) == []
    assert not any(number in logs for number in TEST_NUMBERS)
