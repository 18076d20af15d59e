"""Billing in real Chromium against localstripe: the primary guardian adds a test card in the
Stripe element, makes it primary, pays the outstanding balance, and sees the balance drop and
the last payment update. localstripe also delivers its signed payment webhook to the app.
Everything runs under the server's Content-Security-Policy: nothing may be blocked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import GatewayEvent, LedgerEntry, LedgerKind, PaymentMethod, User
from services.accounts.auth import build_actor
from services.billing.ledger import family_balance
from services.kernel import clock
from services.kernel.money import format_cents
from tests.browser.conftest import CHROMIUM, RunningApp, sign_in, start_app, wait_idle
from tests.conftest import skip_or_fail
from tests.support.localstripe import VISA, LocalStripe


@pytest.fixture
def billing_app(
    tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe
) -> Iterator[RunningApp]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from data.demo import build_demo

    folder = tmp_path_factory.mktemp("billing")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    build_demo(database_url, scale="small", seed=7)
    log = folder / "streamlit.log"
    # The server keeps the demo's day (the tests' frozen clock): on a later real date its job
    # thread would post the next month's tuition at start-up, under the test's feet.
    env = {**localstripe.env(), "CARTWHEEL_FROZEN_NOW": clock.now().isoformat()}
    process, url = start_app(database_url, log, env)
    localstripe.register_webhook(f"{url}/webhooks/stripe")
    try:
        yield RunningApp(url=url, database_url=database_url, log=log)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _owed(database_url: str) -> int:
    engine = make_engine(database_url)
    with Session(engine) as db:
        actor = build_actor(db, db.scalar(select(User).where(User.email == "primary@example.com")))
        owed = family_balance(db, actor, actor.family_id).outstanding_cents
    engine.dispose()
    return owed


def _count(database_url: str, query) -> int:  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    with Session(engine) as db:
        value = int(db.scalar(query) or 0)
    engine.dispose()
    return value


def test_add_card_make_primary_and_pay(billing_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    owed = _owed(billing_app.database_url)
    assert owed > 0, "the demo family owes money"
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, billing_app.url, "primary@example.com", DEMO_PASSWORD)
    page.get_by_role("link", name="Billing").click()
    page.get_by_role("heading", name="Billing").wait_for()
    wait_idle(page)
    page.get_by_text("No payment methods on file.").wait_for()

    # Add the card inside Stripe's element (localstripe's Stripe.js stand-in, in our iframe).
    page.get_by_role("button", name="Add Payment Method").click()
    wait_idle(page)
    page.get_by_text("Add a credit or debit card").wait_for()
    page.get_by_role("switch", name="Set to Primary?").wait_for()
    frame = page.frame_locator('iframe[title="components.card_element.card_element"]')
    frame.locator('input[placeholder="number"]').fill(VISA)
    frame.locator('input[placeholder="exp_month"]').fill("12")
    frame.locator('input[placeholder="exp_year"]').fill("30")
    frame.locator('input[placeholder="cvc"]').fill("123")
    frame.locator('input[placeholder="postal_code"]').fill("60601")
    save = frame.get_by_role("button", name="Save card")
    # The button wears the theme's primary colour (.streamlit/config.toml: #145F6E), not red.
    expect(save).to_have_css("background-color", "rgb(20, 95, 110)")
    save.click()
    page.get_by_text("Saved Visa •••• 4242.").wait_for(timeout=30_000)
    wait_idle(page)

    # Make it primary through View/Edit (the first card already is; the toggle says so).
    page.get_by_role("button", name="View/Edit").click()
    wait_idle(page)
    primary = page.get_by_role("switch", name="Set to Primary?")
    if not primary.is_checked():
        primary.click()
    page.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)
    assert (
        _count(
            billing_app.database_url,
            select(func.count()).select_from(PaymentMethod).where(PaymentMethod.is_primary),
        )
        == 1
    )
    page.get_by_text("Primary", exact=True).wait_for()

    # Pay the whole outstanding balance.
    page.get_by_role("button", name="Make Payment").click()
    wait_idle(page)
    expect(page.get_by_role("textbox", name="Amount")).to_have_value(f"{owed / 100:.2f}")
    page.get_by_role("button", name="Review payment").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"You will be charged {format_cents(owed)}").wait_for()
    dialog.get_by_role("button", name=f"Pay {format_cents(owed)}").click()
    page.get_by_text(f"Payment received: {format_cents(owed)}.").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_text("Outstanding").first.wait_for()
    body = " ".join(page.locator("[data-testid='stMain']").first.inner_text().split())
    assert "Outstanding $0.00" in body
    assert f"Last payment {format_cents(owed)}" in body

    assert _owed(billing_app.database_url) == 0
    payments = (
        select(func.count())
        .select_from(LedgerEntry)
        .where(LedgerEntry.kind == LedgerKind.PAYMENT, LedgerEntry.payment_attempt_id.is_not(None))
    )
    assert _count(billing_app.database_url, payments) == 1
    # localstripe posts its signed payment_intent.succeeded event to /webhooks/stripe about a
    # second later; it is recorded once and adds nothing (the page already recorded it).
    deadline = time.monotonic() + 15
    events = select(func.count()).select_from(GatewayEvent)
    while _count(billing_app.database_url, events) == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _count(billing_app.database_url, events) >= 1
    assert _count(billing_app.database_url, payments) == 1
    # The whole journey ran under the Content-Security-Policy without a blocked resource.
    assert blocked == []
