"""Re-take the README screenshots: demo gym, real `streamlit run`, Debian Chromium.

.venv/bin/python -m scripts.screenshots
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD, build_demo
from scripts.demo_card import save_demo_card
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    sign_in,
    start_app,
    wait_for_cookie,
    wait_idle,
)
from tests.support.localstripe import LocalStripe, start_localstripe

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
# Every parent page on a 390 px phone (issue 18): (path, heading, a Students section, image)
PHONE_PAGES = (
    ("", "Your students", None, "phone-home.png"),
    ("students", "Your students", "Enrollments", "phone-students.png"),
    ("students", "Your students", "QR code", "phone-students-qr.png"),
    ("students", "Your students", "Skills", "phone-students-skills.png"),
    ("students", "Your students", "Passes", "phone-students-passes.png"),
    ("students", "Your students", "Makeups", "phone-students-makeups.png"),
    ("attendance", "Attendance", None, "phone-attendance.png"),
    ("transactions", "Transactions", None, "phone-transactions.png"),
    ("billing", "Billing", None, "phone-billing.png"),
    ("account", "Account", None, "phone-account.png"),
)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/demo.db"
        build_demo(url, scale="small", seed=7)
        stripe = start_localstripe()
        _save_demo_card(url, stripe)
        process, base = start_app(url, Path(folder) / "streamlit.log", stripe.env())
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1280, "height": 1100})
                sign_in(page, base, "primary@example.com", DEMO_PASSWORD)
                page.get_by_text("Your students").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "family-home.png"))
                page.get_by_role("link", name="Students").click()
                page.get_by_role("heading", name="Your students").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "students.png"))
                _phone_pages(browser, base)
                page.get_by_role("button", name="Sign out").click()
                page.get_by_text("You are signed out.").wait_for()
                sign_in(page, base, "staff@example.com", DEMO_PASSWORD)
                page.get_by_text("Attendance, last 4 weeks").wait_for()
                page.wait_for_timeout(800)
                page.screenshot(path=str(IMAGES / "staff-home.png"))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
            stripe.stop()


def _phone_pages(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(phone, base, "primary@example.com", DEMO_PASSWORD)
    wait_for_cookie(phone, "cartwheel_session")
    for path, heading, section, image in PHONE_PAGES:
        phone.goto(f"{base}/{path}")
        wait_idle(phone)
        phone.get_by_role("heading", name=heading).first.wait_for()
        if section:
            group = phone.locator("[data-testid=stButtonGroup]")
            group.get_by_text(section, exact=True).click()
            wait_idle(phone)
        phone.wait_for_timeout(1200)
        phone.screenshot(path=str(IMAGES / image), full_page=True)
    phone.close()


def _save_demo_card(url: str, stripe: LocalStripe) -> None:
    """The demo parent's test card, saved as `make run` saves it."""
    engine = make_engine(url)
    with Session(engine) as db:
        save_demo_card(db, stripe.gateway())
    engine.dispose()


if __name__ == "__main__":
    main()
