"""First run in real Chromium: a server started on an empty, migrated database prints a
one-time setup link; the owner opens it, sets up the business, signs in, enrols an
authenticator app (two-factor sign-in is required for staff on a real install; the code is
computed here with pyotp from the key the page shows), keeps the recovery codes, finds the
back office and adds the first program, level and skill; the link does not work twice."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from data.migrate import upgrade
from tests.browser.conftest import CHROMIUM, RunningApp, start_app, wait_idle
from tests.conftest import skip_or_fail
from tests.support.postgres import free_port

OWNER_EMAIL = "owner@tumble.example"
OWNER_PASSWORD = "cartwheels-all-day"


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[RunningApp]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    database_url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    process, _ = start_app(database_url, log, {"CARTWHEEL_BASE_URL": url}, port=port)
    try:
        yield RunningApp(url=url, database_url=database_url, log=log)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _printed_link(app: RunningApp, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(re.escape(app.url) + r"/\?setup=[A-Za-z0-9_-]+", app.log.read_text())
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no setup link printed:\n{app.log.read_text()}")


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=False).first.click()


def test_an_owner_sets_up_an_empty_portal_from_the_printed_link(
    empty_app: RunningApp, page
) -> None:  # type: ignore[no-untyped-def]
    link = _printed_link(empty_app)

    page.goto(empty_app.url)
    page.get_by_text("This portal is not set up yet.").wait_for()
    wait_idle(page)
    assert page.get_by_label("Password", exact=True).count() == 0  # nothing else on it

    page.goto(link)
    page.get_by_role("heading", name="Set up your portal").wait_for()
    wait_idle(page)
    assert "setup=" not in page.url  # the token left the address bar
    page.get_by_label("Business name").fill("Tumble Town")
    _choose(page, "Time zone", "America/Chicago")
    page.get_by_label("Your name").fill("Pat Owner")
    page.get_by_label("Your e-mail (you sign in with it)").fill(OWNER_EMAIL)
    page.get_by_label("New password", exact=True).fill(OWNER_PASSWORD)
    page.get_by_label("New password again").fill(OWNER_PASSWORD)
    page.get_by_label("Location name").fill("Riverside")
    page.get_by_label("Street address").fill("12 River Road")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("State, province or county").fill("IL")
    page.get_by_label("ZIP or postal code").fill("62701")
    page.get_by_label("Country (two-letter code, such as US)").fill("US")
    page.get_by_label("Phone").fill("(217) 555-0142")
    page.get_by_role("button", name="Set up the portal").click()
    page.get_by_text(f"Your portal is set up. Sign in with {OWNER_EMAIL}").wait_for()
    wait_idle(page)

    page.get_by_label("E-mail").fill(OWNER_EMAIL)
    page.get_by_label("Password", exact=True).fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    wait_idle(page)
    key = page.locator("[data-testid='stCode']").first.inner_text().strip()
    page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm and sign in").click()
    page.get_by_text("Save these recovery codes somewhere safe.").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="I have saved them").click()
    page.get_by_role("heading", name="Today").wait_for()
    page.get_by_text("Riverside").first.wait_for()
    wait_idle(page)

    # The back office: the first program, level and skill.
    page.get_by_role("link", name="Programs and skills").click()
    page.get_by_role("heading", name="Programs and skills").wait_for()
    wait_idle(page)
    page.get_by_text("Add a program").click()
    page.get_by_label("Program name").fill("Tumbling")
    page.get_by_role("button", name="Add program").click()
    page.get_by_text("Program added.").wait_for()
    wait_idle(page)
    page.get_by_label("New level").fill("Level 1")
    page.get_by_role("button", name="Add level").click()
    page.get_by_text("Level added.").wait_for()
    wait_idle(page)
    page.get_by_label("New skill").fill("Cartwheel")
    page.get_by_role("button", name="Add skill").click()
    page.get_by_text("Skill added.").wait_for()
    wait_idle(page)
    page.get_by_role("heading", name="Skills of Level 1").wait_for()

    # The link was spent: opening it again is refused.
    second = page.context.browser.new_context()
    try:
        other = second.new_page()
        other.set_default_timeout(20_000)
        other.goto(link)
        wait_idle(other)
        other.get_by_text("no longer", exact=False).first.wait_for()
        assert other.get_by_role("button", name="Set up the portal").count() == 0
    finally:
        second.close()
