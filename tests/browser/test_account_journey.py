"""The Account page in real Chromium with a real mail server: the primary guardian adds a
guardian and invites them; the app's outbox sender delivers the invitation to a local SMTP
server (aiosmtpd on 127.0.0.1); the link from the e-mail is opened in a second browser (a
phone-sized one), a password is chosen, the new guardian signs in, and the primary guardian
sees "Can Log In" after a reload."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from data.demo import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, RunningApp, sign_in, start_app, wait_idle
from tests.conftest import skip_or_fail
from tests.support.inbox import Inbox
from tests.support.postgres import free_port

NEW_GUARDIAN = "jordan.garcia@example.com"
NEW_PASSWORD = "handstands-in-the-hallway"
# The sender thread's first pass runs at start-up, the next every 30 seconds.
MAIL_WAIT_SECONDS = 60


@dataclass
class MailedApp:
    app: RunningApp
    inbox: Inbox


@pytest.fixture
def mailed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailedApp]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from data.demo import build_demo

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    folder = tmp_path_factory.mktemp("account")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    build_demo(database_url, scale="small", seed=7)
    log = folder / "streamlit.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "CARTWHEEL_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "CARTWHEEL_BASE_URL": url,
        "CARTWHEEL_JOBS_IN_APP": "1",  # the scheduled job `outbox` sends the e-mail
    }
    try:
        process, _ = start_app(database_url, log, env, port=port)
    except BaseException:
        smtp.stop()
        raise
    try:
        yield MailedApp(RunningApp(url=url, database_url=database_url, log=log), inbox)
    finally:
        process.terminate()
        process.wait(timeout=20)
        smtp.stop()


def _open_account(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Account").click()
    page.get_by_role("heading", name="Account").wait_for()
    wait_idle(page)


def _guardian_heading(page, name: str, access: str):  # type: ignore[no-untyped-def]
    """A guardian's name line on the Account page with its access badge."""
    lines = page.locator("[data-testid='stMarkdownContainer']")
    return lines.filter(has_text=name).filter(has_text=access).first


def test_invite_a_guardian_who_then_signs_in(mailed_app: MailedApp, page, chromium) -> None:  # type: ignore[no-untyped-def]
    url = mailed_app.app.url
    sign_in(page, url, "primary@example.com", DEMO_PASSWORD)
    _open_account(page)

    # The primary guardian adds Jordan and invites them.
    page.get_by_role("button", name="Add Guardian").click()
    wait_idle(page)
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Garcia")
    page.get_by_label("E-mail address").fill(NEW_GUARDIAN)
    assert page.get_by_role("checkbox", name="Invite to log in").is_checked()
    page.get_by_role("button", name="Add Guardian").click()
    page.get_by_text(
        f"Added Jordan Garcia and e-mailed an invitation to {NEW_GUARDIAN}."
    ).wait_for()
    wait_idle(page)
    _guardian_heading(page, "Jordan Garcia", "Invite Sent").wait_for()

    # The outbox sender delivers the invitation to the mail server.
    mail = mailed_app.inbox.wait_for(NEW_GUARDIAN, MAIL_WAIT_SECONDS)
    assert "invited you to the Garcia family account" in mail["Subject"]
    body = mail.get_content()
    link = re.search(re.escape(url) + r"/\?invitation=[A-Za-z0-9_-]+", body)
    assert link, body

    # Jordan opens the link on their phone, chooses a password and signs in.
    phone = chromium.new_context(viewport={"width": 390, "height": 844})
    try:
        jordan = phone.new_page()
        jordan.set_default_timeout(20_000)
        jordan.goto(link.group(0))
        jordan.get_by_text("Join the Garcia family account as Jordan Garcia").wait_for()
        wait_idle(jordan)
        assert "invitation=" not in jordan.url  # the token left the address bar
        jordan.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        jordan.get_by_label("New password again").fill(NEW_PASSWORD)
        jordan.get_by_role("button", name="Set my password").click()
        jordan.get_by_text("You can now sign in").wait_for()
        wait_idle(jordan)
        jordan.get_by_label("E-mail", exact=True).fill(NEW_GUARDIAN)
        jordan.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        jordan.get_by_role("button", name="Sign in").click()
        jordan.get_by_role("heading", name="Hello, Jordan").wait_for()
    finally:
        phone.close()

    # Back in the first browser, the primary guardian reloads Account.
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="Account").wait_for()
    _guardian_heading(page, "Jordan Garcia", "Can Log In").wait_for()
