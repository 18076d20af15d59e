"""The desk's Failed payments page on a 390 px phone in real Chromium: the row says what
failed and why without a sideways scroll, and opens the family at the desk."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import Family, Guardian, LedgerEntry, PaymentAttempt, PaymentAttemptStatus, User
from services.kernel import clock
from tests.browser.conftest import RunningApp, sign_in, wait_for_cookie, wait_idle

KEY = "autopay:browser-journey"


def _failed_autopay_for_the_demo_family(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            family = db.scalars(
                select(Family)
                .join(Guardian, Guardian.family_id == Family.id)
                .join(User, User.id == Guardian.user_id)
                .where(User.email == "primary@example.com")
            ).one()
            location_id = db.scalar(
                select(LedgerEntry.location_id).where(LedgerEntry.family_id == family.id).limit(1)
            )
            db.add(
                PaymentAttempt(
                    family_id=family.id,
                    location_id=location_id,
                    amount_cents=12_345,
                    idempotency_key=KEY,
                    status=PaymentAttemptStatus.FAILED,
                    error_code="card_declined",
                    error_message="Your card was declined. Nothing was charged.",
                    autopay_period="2026-11",
                    autopay_try=2,
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
            db.commit()
            return family.name
    finally:
        engine.dispose()


def _remove_it(database_url: str) -> None:
    """The demo server is shared by the other journeys."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        db.execute(delete(PaymentAttempt).where(PaymentAttempt.idempotency_key == KEY))
        db.commit()
    engine.dispose()


def test_the_desk_reads_a_failed_payment_on_a_phone_and_opens_the_family(
    demo_app: RunningApp,
    chromium,  # type: ignore[no-untyped-def]
) -> None:
    family_name = _failed_autopay_for_the_demo_family(demo_app.database_url)
    phone = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, demo_app.url, "staff@example.com", DEMO_PASSWORD)
        wait_for_cookie(page, "cartwheel_session")  # before a new page load, or it signs out
        page.goto(f"{demo_app.url}/staff_failed_payments")
        page.get_by_role("heading", name="Failed payments").wait_for()
        wait_idle(page)
        page.get_by_text(f"{family_name} · $123.45").wait_for()
        page.get_by_text("Your card was declined. Nothing was charged.").wait_for()
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"the page is {wide} px wide on a 390 px phone"
        page.get_by_role("button", name="Open the family").first.click()
        page.get_by_role("heading", name="Families").wait_for()
        wait_idle(page)
        page.get_by_text("Outstanding balance").first.wait_for()
    finally:
        phone.close()
        _remove_it(demo_app.database_url)
