"""A billing day in real Chromium against localstripe and a real mail server (aiosmtpd), with
the server's clock pinned to the billing day (1 December 2026):

the admin asks for December's tuition totals (computed in batches), posts it, then runs
autopay and the e-mail sender with Run now on Scheduled jobs → the Garcia family, whose
primary card is authorized for recurring billing, sees December's tuition charge and the
automatic payment on Transactions → another family's recurring card declines when charged:
its primary guardian gets the e-mail with a link to Billing, opens it, signs in, saves a new
card and pays the balance → the admin sees that family on Failed payments.

The app's job thread is off (CARTWHEEL_JOBS_IN_APP=0, as on an install where cron runs the
jobs): on the billing day it would post and charge by itself before the admin looks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD, build_demo
from data.models import Family, Guardian, LedgerEntry, User
from data.password_hashing import hash_password
from services.accounts.auth import build_actor
from services.billing.ledger import family_balance
from services.billing.tuition_listing import tuition_listing
from services.billing.tuition_totals import tuition_totals
from services.kernel import clock
from services.kernel.money import format_cents
from tests import factories as f
from tests.browser.conftest import (
    CHROMIUM,
    RunningApp,
    open_page,
    start_app,
    wait_for_cookie,
    wait_idle,
)
from tests.conftest import skip_or_fail
from tests.services.payment_helpers import save_card
from tests.support.inbox import Inbox
from tests.support.localstripe import DECLINED_AT_CHARGE, VISA, LocalStripe
from tests.support.postgres import free_port

DEMO_TODAY = date(2026, 11, 24)  # the demo's history ends here: December is not posted
NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 10:00 in Chicago on the billing day
DECEMBER = date(2026, 12, 1)
MAIL_WAIT_SECONDS = 30


@dataclass
class BillingDay:
    app: RunningApp
    inbox: Inbox
    families: int  # what the preview should show
    total_cents: int
    declining_email: str  # the primary guardian whose recurring card declines
    declining_family: str


def _seed(database_url: str, stripe: LocalStripe) -> tuple[int, int, str, str]:
    """Cards through localstripe as a guardian's browser would save them: Garcia's Visa, and
    a card that declines when charged for one other family with tuition this month, whose
    guardian is given the demo password. Returns the preview's totals and that family."""
    engine = make_engine(database_url)
    gateway = stripe.gateway()
    try:
        with clock.frozen_at(NOW), Session(engine, expire_on_commit=False) as db:
            f.portal_settings(db, billing_day=1, autopay_enabled=True)
            db.commit()
            admin = build_actor(
                db, db.scalars(select(User).where(User.email == "admin@example.com")).one()
            )
            primary = build_actor(
                db, db.scalars(select(User).where(User.email == "primary@example.com")).one()
            )
            save_card(db, primary, gateway, stripe, VISA)
            totals = tuition_totals(db, admin, DECEMBER)
            candidates = [
                plan.family.family_id
                for plan in tuition_listing(db, admin, DECEMBER).families.items
                if plan.family.lines and plan.family.family_id != primary.family_id
            ]
            guardian, account = db.execute(
                select(Guardian, User)
                .join(User, User.id == Guardian.user_id)
                .where(Guardian.family_id.in_(candidates), Guardian.is_primary)
                .order_by(Guardian.family_id)
                .limit(1)
            ).one()
            account.password_hash = hash_password(DEMO_PASSWORD)
            db.commit()
            save_card(db, build_actor(db, account), gateway, stripe, DECLINED_AT_CHARGE)
            name = db.get_one(Family, guardian.family_id).name
            return totals.families, totals.total_cents, account.email, name
    finally:
        engine.dispose()


@pytest.fixture
def billing_day(tmp_path: Path, localstripe: LocalStripe) -> Iterator[BillingDay]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    build_demo(database_url, scale="small", seed=7, today=DEMO_TODAY)
    families, total, email, family_name = _seed(database_url, localstripe)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    env = {
        **localstripe.env(),
        "CARTWHEEL_FROZEN_NOW": NOW.isoformat(),
        "CARTWHEEL_JOBS_IN_APP": "0",
        "CARTWHEEL_BASE_URL": url,
        "CARTWHEEL_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
    }
    try:
        process, _ = start_app(database_url, log, env, port=port)
    except BaseException:
        smtp.stop()
        raise
    localstripe.register_webhook(f"{url}/webhooks/stripe")
    try:
        app = RunningApp(url=url, database_url=database_url, log=log)
        yield BillingDay(app, inbox, families, total, email, family_name)
    finally:
        process.terminate()
        process.wait(timeout=20)
        smtp.stop()


def _new_page(chromium, width: int = 1280, height: int = 1000):  # type: ignore[no-untyped-def]
    page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(30_000)  # a busy 2-core machine
    return page


def _sign_in(page, url: str, email: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_idle(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_idle(page)
    wait_for_cookie(page, "cartwheel_session")  # before any new page load


def _go(page, link: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, link)
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_idle(page)


def _main_text(page) -> str:  # type: ignore[no-untyped-def]
    return " ".join(page.locator("[data-testid='stMain']").first.inner_text().split())


def _run_now(page, title: str) -> None:  # type: ignore[no-untyped-def]
    run_now = page.get_by_role("button", name="Run now")
    # The innermost block holding the job's title and a Run now button: the job's own box.
    job = page.locator("[data-testid='stVerticalBlock']").filter(has_text=title, has=run_now)
    job.last.get_by_role("button", name="Run now").click()
    page.get_by_text(f"{title} ran.").wait_for(timeout=60_000)
    wait_idle(page)


def _ledger(database_url: str, email: str) -> tuple[list[str], int]:
    """The family's December entries (descriptions) and what it owes, by the services."""
    engine = make_engine(database_url)
    try:
        with clock.frozen_at(NOW), Session(engine) as db:
            actor = build_actor(db, db.scalars(select(User).where(User.email == email)).one())
            rows = db.scalars(
                select(LedgerEntry.description).where(
                    LedgerEntry.family_id == actor.family_id,
                    LedgerEntry.posted_at >= NOW.replace(hour=0),
                )
            ).all()
            owed = family_balance(db, actor, actor.family_id).outstanding_cents
            return list(rows), owed
    finally:
        engine.dispose()


def _pay_with_a_new_card(page) -> str:  # type: ignore[no-untyped-def]
    """On Billing: save a good card as primary, pay the whole balance; the amount paid."""
    page.get_by_role("button", name="Add Payment Method").click()
    wait_idle(page)
    primary = page.get_by_role("switch", name="Set to Primary?")
    if not primary.is_checked():
        page.get_by_text("Set to Primary?").click()  # on a phone the label takes the click
        wait_idle(page)
    expect(primary).to_be_checked()
    frame = page.frame_locator('iframe[title="components.card_element.card_element"]')
    frame.locator('input[placeholder="number"]').fill(VISA)
    frame.locator('input[placeholder="exp_month"]').fill("12")
    frame.locator('input[placeholder="exp_year"]').fill("30")
    frame.locator('input[placeholder="cvc"]').fill("123")
    frame.locator('input[placeholder="postal_code"]').fill("60601")
    frame.get_by_role("button", name="Save card").click()
    page.get_by_text("Saved Visa •••• 4242.").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Make Payment").click()
    wait_idle(page)
    # The new primary card, not the one that declined.
    expect(page.get_by_role("combobox", name="Pay with")).to_have_value(re.compile("4242"))
    amount = page.get_by_role("textbox", name="Amount").input_value()
    page.get_by_role("button", name="Review payment").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    return amount


def test_a_billing_day_posts_charges_and_recovers_a_declined_card(
    billing_day: BillingDay, chromium
) -> None:  # type: ignore[no-untyped-def]
    url, inbox = billing_day.app.url, billing_day.inbox
    database_url = billing_day.app.database_url

    # The admin previews December's tuition, then posts it.
    admin = _new_page(chromium)
    _sign_in(admin, url, "admin@example.com", "Today")
    _go(admin, "Tuition", "Tuition")
    expect(admin.get_by_role("combobox", name="Month")).to_have_value("December 2026")
    assert "Lines to post" not in _main_text(admin)  # the totals wait to be asked for
    admin.get_by_role("button", name="Preview totals").click()
    admin.get_by_role("button", name="Recompute").wait_for(timeout=60_000)
    wait_idle(admin)
    body = _main_text(admin)
    assert f"Families {billing_day.families:,}" in body, body
    assert f"Total {format_cents(billing_day.total_cents)}" in body, body
    assert "Already posted 0" in body, body
    admin.get_by_role("button", name="Post tuition").click()
    wait_idle(admin)
    admin.get_by_role("button", name="Yes, post tuition").click()
    summary = f"for {billing_day.families:,} families, {format_cents(billing_day.total_cents)}"
    admin.get_by_text(summary, exact=False).wait_for(timeout=60_000)
    wait_idle(admin)
    assert "Already posted" in _main_text(admin)

    # Autopay on Scheduled jobs, then the e-mail sender.
    _go(admin, "Scheduled jobs", "Scheduled jobs")
    _run_now(admin, "Charge recurring cards")
    body = _main_text(admin)
    assert "succeeded: 1" in body and "failed: 1" in body, body
    _run_now(admin, "Send queued e-mail")

    # The Garcia family: December's tuition and the automatic payment on Transactions.
    garcia, owed = _ledger(database_url, "primary@example.com")
    tuition = [d for d in garcia if "December" in d or "Dec" in d]
    assert tuition, garcia
    assert owed == 0
    parent = _new_page(chromium)
    _sign_in(parent, url, "primary@example.com", "Hello, Maria")
    _go(parent, "Transactions", "Transactions")
    grid = parent.get_by_test_id("stTable").locator("td")
    grid.filter(has_text="Automatic payment, Visa •••• 4242").first.wait_for(state="attached")
    grid.filter(has_text=tuition[0]).first.wait_for(state="attached")

    # The declining family: the e-mail links to Billing; the guardian pays there.
    mail = inbox.wait_for(billing_day.declining_email, MAIL_WAIT_SECONDS)
    assert "did not go through" in mail["Subject"]
    link = re.search(re.escape(url) + r"/billing", mail.get_content())
    assert link, mail.get_content()
    _, owed_before = _ledger(database_url, billing_day.declining_email)
    assert owed_before > 0
    guardian = _new_page(chromium, 390, 844)
    # Signed out, the link asks for a sign-in at its own address, then opens Billing.
    guardian.goto(link.group(0))
    wait_idle(guardian)
    assert guardian.get_by_text("Page not found").count() == 0
    guardian.get_by_label("E-mail").fill(billing_day.declining_email)
    guardian.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    guardian.get_by_role("button", name="Sign in").click()
    guardian.get_by_role("heading", name="Billing").wait_for()
    wait_idle(guardian)
    wait_for_cookie(guardian, "cartwheel_session")
    paid = _pay_with_a_new_card(guardian)
    guardian.get_by_text(f"Payment received: ${paid}.").wait_for(timeout=30_000)
    wait_idle(guardian)
    assert f"${paid}" == format_cents(owed_before)
    assert _ledger(database_url, billing_day.declining_email)[1] == 0

    # Staff see the family on Failed payments.
    _go(admin, "Failed payments", "Failed payments")
    admin.get_by_text(billing_day.declining_family, exact=False).first.wait_for()
    admin.get_by_text("declined", exact=False).first.wait_for()
