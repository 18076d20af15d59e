"""Every parent page on a 390×844 phone (issue 18): the page never scrolls sideways and what a
parent needs — the amounts on Transactions and Billing, the check-in QR code, the dates on
Skills and Passes — lies inside the screen; the phone rows are tap-sized.

Tap targets of Streamlit's own buttons, tabs and toggles (the a11y branch's global CSS) are
not asserted here: see docs/decisions-18-phonerows.md."""

from __future__ import annotations

import re

import pytest

from data.demo import DEMO_PASSWORD
from tests.browser.conftest import RunningApp, sign_in, wait_for_cookie, wait_idle

WIDTH, HEIGHT = 390, 844
PARENT = "primary@example.com"


@pytest.fixture
def phone(chromium, demo_app: RunningApp):  # type: ignore[no-untyped-def]
    context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, demo_app.url, PARENT, DEMO_PASSWORD)
    wait_for_cookie(page, "cartwheel_session")
    yield page
    context.close()


def _open(page, base: str, path: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/{path}")
    wait_idle(page)
    page.get_by_role("heading", name=heading).first.wait_for()
    page.wait_for_timeout(500)  # the data grid and images lay out after the run


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide on a {WIDTH} px screen"


def _inside(locator, what: str) -> None:  # type: ignore[no-untyped-def]
    """Every match is shown and lies within the screen's width."""
    locator.first.wait_for()
    count = locator.count()
    assert count, f"no {what} on the page"
    for n in range(count):
        item = locator.nth(n)
        item.scroll_into_view_if_needed()
        box = item.bounding_box()
        assert box is not None and item.is_visible(), f"{what} #{n} is hidden"
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, f"{what} #{n} at {box}"


def _rows_tap_sized(page) -> None:  # type: ignore[no-untyped-def]
    for box in page.locator(".cw-row:visible").evaluate_all(
        "rows => rows.map(r => r.getBoundingClientRect().height)"
    ):
        assert box >= 44, f"a phone row is {box} px tall"


def _section_button(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=stButtonGroup]").get_by_text(name, exact=True)


def _choose_section(page, name: str) -> None:  # type: ignore[no-untyped-def]
    _section_button(page, name).click()
    wait_idle(page)


def test_home_shows_the_check_in_code_in_one_tap(phone, demo_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, "", re.compile("^Hello"))
    _no_sideways_scroll(phone)
    _inside(phone.get_by_test_id("stMetricValue"), "balance")
    phone.get_by_role("button", name="Show check-in code").first.click()
    wait_idle(phone)
    phone.get_by_role("heading", name="Your students").wait_for()
    image = phone.get_by_test_id("stImage").locator("img")
    image.wait_for()
    _inside(image, "QR code")
    _no_sideways_scroll(phone)


def test_transactions_amounts_and_balances_in_view(phone, demo_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, "transactions", "Transactions")
    _no_sideways_scroll(phone)
    assert not phone.get_by_test_id("stTable").first.is_visible()  # the wide table hides
    _inside(phone.locator(".cw-rows:visible .cw-right strong"), "amount")
    _inside(phone.locator(".cw-rows:visible .cw-right .cw-small"), "balance")
    _inside(phone.locator(".cw-rows:visible .cw-left .cw-small"), "date")
    _rows_tap_sized(phone)


def test_billing_amounts_in_view(phone, demo_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, "billing", "Billing")
    _no_sideways_scroll(phone)
    _inside(phone.get_by_test_id("stMetricValue"), "amount")


@pytest.mark.parametrize("section", ["Skills", "Passes", "Makeups", "Enrollments", "Requests"])
def test_students_sections_fit(phone, demo_app: RunningApp, section: str) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, "students", "Your students")
    _inside(_section_button(phone, section), "section button")  # no scroll arrow to find it
    _choose_section(phone, section)
    _no_sideways_scroll(phone)
    if section in ("Skills", "Passes"):
        _inside(phone.locator(".cw-rows:visible .cw-left .cw-small"), f"{section} date")
        _inside(phone.locator(".cw-rows:visible .cw-right strong"), f"{section} state")
        _rows_tap_sized(phone)


def test_students_qr_code_fits(phone, demo_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, "students", "Your students")
    _choose_section(phone, "QR code")
    _inside(phone.get_by_test_id("stImage").locator("img"), "QR code")
    _no_sideways_scroll(phone)


@pytest.mark.parametrize(
    ("path", "heading"), [("attendance", "Attendance"), ("account", "Account")]
)
def test_other_parent_pages_fit(phone, demo_app: RunningApp, path: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    _open(phone, demo_app.url, path, heading)
    _no_sideways_scroll(phone)


def test_account_buttons_keep_their_labels_on_one_line(phone, demo_app: RunningApp) -> None:  # type: ignore[no-untyped-def]
    """Every button on Account, with every guardian's contact details opened, is one line
    tall (a wrapped label makes it taller than ~60 px; one line is 44-48 px), and each Edit
    button stays on the line of the value it edits instead of dropping below it."""
    _open(phone, demo_app.url, "account", "Account")
    main = phone.get_by_test_id("stMain")
    closed = main.locator("details:not([open]) > summary")
    for _ in range(closed.count()):
        closed.first.click()
        wait_idle(phone)
    sizes = main.locator("button:visible").evaluate_all(
        "all => all.map(b => [b.innerText.trim(), b.getBoundingClientRect().height])"
    )
    assert len(sizes) > 5, sizes  # the contact lists' buttons are there
    tall = [(label, height) for label, height in sizes if height > 60]
    assert not tall, f"labels wrap onto two lines: {tall}"
    edits = main.get_by_role("button", name="Edit", exact=True)
    assert edits.count() >= 6  # an address, an e-mail and a phone for two guardians
    below = edits.evaluate_all(
        """all => all.flatMap(button => {
            const row = button.closest('[data-testid="stElementContainer"]').parentElement;
            const value = row.firstElementChild.getBoundingClientRect();
            const top = button.getBoundingClientRect().top;
            return top >= value.bottom ? [row.innerText.split("\\n")[0]] : [];
        })"""
    )
    assert not below, f"Edit dropped below its value: {below}"
