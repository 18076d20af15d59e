"""From an empty database to a parent who sees their child's class and skill, in real
Chromium with a real mail server (aiosmtpd on 127.0.0.1):

the server prints a one-time setup link → the owner sets up the business and its first
location, signs in and enrols an authenticator app (two-factor sign-in is required for
staff on a real install; codes are computed here with pyotp from the key the page shows) →
adds a program, a level with a skill and a term → invites a front-desk member and an
instructor → adds a class in that term, taught by the instructor → the front desk's
invitation arrives by e-mail; they choose a password, enrol their own authenticator and
sign in → register a family with a student, enroll the student and invite the primary
guardian → the parent's invitation arrives, they choose a password on a phone-sized screen,
sign in and see the student in that class → the instructor accepts their invitation the same
way, sees the class and the student in "My classes" and marks the skill → the parent sees it
mastered on the Skills tab. The setup link does not work a second time.

Nothing here depends on today's date: the term runs from two weeks ago to four months ahead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from data.migrate import upgrade
from tests.browser.conftest import (
    CHROMIUM,
    RunningApp,
    open_page,
    start_app,
    wait_for_cookie,
    wait_idle,
)
from tests.conftest import skip_or_fail
from tests.support.inbox import Inbox
from tests.support.postgres import free_port

OWNER, OWNER_PASSWORD = "owner@tumble.example", "cartwheels-all-day"
DESK, DESK_PASSWORD = "desk@tumble.example", "front-desk-all-day"
COACH, COACH_PASSWORD = "coach@tumble.example", "handstands-all-day"
PARENT, PARENT_PASSWORD = "parent@tumble.example", "sofia-loves-cartwheels"
# The app's outbox sender runs at start-up and then every 30 seconds.
MAIL_WAIT_SECONDS = 75


@dataclass
class EmptyApp:
    app: RunningApp
    inbox: Inbox


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[EmptyApp]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    database_url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "streamlit.log"
    env = {
        "CARTWHEEL_BASE_URL": url,
        "CARTWHEEL_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "CARTWHEEL_JOBS_IN_APP": "1",  # the scheduled job `outbox` sends the invitations
    }
    try:
        process, _ = start_app(database_url, log, env, port=port)
    except BaseException:
        smtp.stop()
        raise
    try:
        yield EmptyApp(RunningApp(url=url, database_url=database_url, log=log), inbox)
    finally:
        process.terminate()
        process.wait(timeout=20)
        smtp.stop()


def _printed_setup_link(app: RunningApp, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(re.escape(app.url) + r"/\?setup=[A-Za-z0-9_-]+", app.log.read_text())
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no setup link printed:\n{app.log.read_text()}")


def _new_page(chromium, width: int = 1280, height: int = 1000):  # type: ignore[no-untyped-def]
    page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
    page.set_default_timeout(30_000)  # a long journey on a busy 2-core machine
    return page


def _choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_role("combobox", name=label, exact=True)
    for _ in range(3):
        box.click()
        page.keyboard.type(option)
        try:
            page.get_by_role("option", name=option, exact=False).first.click(timeout=5_000)
            return
        except PlaywrightTimeoutError:
            # The blur of a form field filled just before re-renders the form, which closes
            # (or replaces) the open list under the click: open it again.
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} for {label!r}")


def _type_date(page, label: str, day: date, nth: int = 0) -> None:  # type: ignore[no-untyped-def]
    """A date field of segments: focus the first and type the digits."""
    page.get_by_label(label, exact=True).nth(nth).get_by_role("spinbutton").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"))


def _go(page, link: str, heading: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, link)
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_idle(page)


def _enrol_and_sign_in(page, url: str, email: str, password: str, home: str = "Today") -> None:  # type: ignore[no-untyped-def]
    """First sign-in of a staff account: password, then an authenticator set up; `home` is
    the heading of the role's first page."""
    page.goto(url)
    wait_idle(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    wait_idle(page)
    key = page.locator("[data-testid='stCode']").first.inner_text().strip()
    page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm and sign in").click()
    page.get_by_text("Save these recovery codes somewhere safe.").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="I have saved them").click()
    page.get_by_role("heading", name=home).wait_for()
    wait_idle(page)


def _set_up_the_portal(page, link: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(link)
    page.get_by_role("heading", name="Set up your portal").wait_for()
    wait_idle(page)
    assert "setup=" not in page.url  # the token left the address bar
    page.get_by_label("Business name").fill("Tumble Town")
    _choose(page, "Time zone", "America/Chicago")
    page.get_by_label("Your name").fill("Pat Owner")
    page.get_by_label("Your e-mail (you sign in with it)").fill(OWNER)
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
    page.get_by_text(f"Your portal is set up. Sign in with {OWNER}").wait_for()
    wait_idle(page)


def _accept_staff_invitation(page, link: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(link)
    wait_idle(page)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("New password again").fill(password)
    page.locator("[data-testid=stFormSubmitButton] button").first.click()
    page.get_by_text(f"You can now sign in with {email}").wait_for()


def _invite_staff(page, email: str, name: str, role: str) -> None:  # type: ignore[no-untyped-def]
    """The invite form on a fresh Staff page (the form keeps the last values after a send)."""
    wait_for_cookie(page, "cartwheel_session")
    page.reload()
    page.get_by_role("heading", name="Staff").first.wait_for()
    wait_idle(page)
    page.get_by_text("Invite a staff member").click()
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Name", exact=True).fill(name)
    _choose(page, "Role", role)
    page.get_by_role("button", name="Send invitation").click()  # at Riverside
    page.get_by_text(f"Invitation queued for {email}.").wait_for()
    wait_idle(page)


def _add_program_and_term(page) -> None:  # type: ignore[no-untyped-def]
    _go(page, "Programs and skills", "Programs and skills")
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

    _go(page, "Terms", "Terms")
    page.get_by_text("Add a term").click()
    page.get_by_label("Name", exact=True).fill("This term")
    _type_date(page, "First day", date.today() - timedelta(days=14))
    _type_date(page, "Last day", date.today() + timedelta(days=120))
    page.get_by_role("button", name="Add term").click()
    page.get_by_text("Term added.").wait_for()
    wait_idle(page)


def _add_class(page) -> None:  # type: ignore[no-untyped-def]
    """In the only term (the form's first choice), taught by the invited instructor."""
    _go(page, "Classes", "Classes")
    page.get_by_label("Class name").fill("Tumbling Stars")
    # No dates typed: the class takes the term's (with "Other dates" it would be refused).
    _choose(page, "Instructor", "Casey Coach")
    page.get_by_label("Monthly tuition").fill("85.00")
    page.get_by_role("button", name="Save class").click()
    page.get_by_text("Class added.").wait_for()
    wait_idle(page)


def _register_and_enroll(page) -> None:  # type: ignore[no-untyped-def]
    _go(page, "New family", "New family")
    page.get_by_label("First name", exact=True).nth(0).fill("Maria")
    page.get_by_label("Last name", exact=True).nth(0).fill("Lopez")
    page.get_by_label("E-mail address", exact=True).nth(0).fill(PARENT)
    page.get_by_label("Phone number", exact=True).nth(0).fill("(217) 555-0177")
    page.get_by_label("First name", exact=True).nth(2).fill("Sofia")  # student 1
    page.get_by_label("Last name", exact=True).nth(2).fill("Lopez")
    _type_date(page, "Birth date", date(2018, 5, 4))
    page.get_by_role("button", name="Create family").click()
    page.get_by_text("Family created.").wait_for()
    wait_idle(page)

    _go(page, "Families", "Families")
    page.get_by_label("Search by family, guardian or student name, e-mail or phone").fill("Lopez")
    page.keyboard.press("Enter")
    wait_idle(page)
    main = page.locator("[data-testid=stMain]")
    main.get_by_role("button", name="Open", exact=True).first.click()
    wait_idle(page)
    page.get_by_text("Classes: Sofia").click()
    page.get_by_text("Enroll", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Enroll", exact=True).click()
    page.get_by_text("Sofia is enrolled in Tumbling Stars.").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Invite to the portal: Maria Lopez").click()
    page.get_by_text("Invitation e-mailed to Maria Lopez.").wait_for()
    wait_idle(page)


def test_from_an_empty_database_to_a_parent_who_sees_the_class_and_the_skill(
    empty_app: EmptyApp, chromium
) -> None:  # type: ignore[no-untyped-def]
    url, inbox = empty_app.app.url, empty_app.inbox
    setup_link = _printed_setup_link(empty_app.app)

    owner = _new_page(chromium)
    owner.goto(url)
    owner.get_by_text("This portal is not set up yet.").wait_for()
    wait_idle(owner)
    assert owner.get_by_label("Password", exact=True).count() == 0  # nothing else on it
    _set_up_the_portal(owner, setup_link)
    _enrol_and_sign_in(owner, url, OWNER, OWNER_PASSWORD)
    _add_program_and_term(owner)

    # The owner invites the front desk and an instructor, then adds the instructor's class.
    _go(owner, "Staff", "Staff")
    _invite_staff(owner, DESK, "Dana Desk", "Front desk")
    _invite_staff(owner, COACH, "Casey Coach", "Instructor")
    _add_class(owner)

    # The front desk's invitation arrives by e-mail.
    staff_pattern = re.escape(url) + r"/\?staff_invitation=[A-Za-z0-9_-]+"
    desk = _new_page(chromium)
    _accept_staff_invitation(
        desk, inbox.link(DESK, staff_pattern, MAIL_WAIT_SECONDS), DESK, DESK_PASSWORD
    )
    _enrol_and_sign_in(desk, url, DESK, DESK_PASSWORD)
    desk.get_by_text("Signed in as Dana Desk").wait_for()
    _register_and_enroll(desk)

    # The parent's invitation arrives; they accept it on a phone and see the class.
    pattern = re.escape(url) + r"/\?invitation=[A-Za-z0-9_-]+"
    parent_link = inbox.link(PARENT, pattern, MAIL_WAIT_SECONDS)
    parent = _new_page(chromium, 390, 844)
    parent.goto(parent_link)
    wait_idle(parent)
    parent.get_by_label("New password", exact=True).fill(PARENT_PASSWORD)
    parent.get_by_label("New password again").fill(PARENT_PASSWORD)
    parent.get_by_role("button", name="Set my password").click()
    parent.get_by_text("You can now sign in").wait_for()
    wait_idle(parent)
    parent.get_by_label("E-mail", exact=True).fill(PARENT)
    parent.get_by_label("Password", exact=True).fill(PARENT_PASSWORD)
    parent.get_by_role("button", name="Sign in").click()
    parent.get_by_role("heading", name="Hello, Maria").wait_for()
    wait_idle(parent)
    # A new page load is signed in by the cookie, which the browser receives just after
    # the first page shows; a person does not type the next address that fast.
    wait_for_cookie(parent, "cartwheel_session")
    parent.goto(f"{url}/students")
    parent.get_by_role("heading", name="Sofia Lopez", exact=False).first.wait_for()
    parent.get_by_text("Tumbling Stars (Tumbling, Level 1)", exact=False).first.wait_for()

    # The instructor accepts, sees their class and its student, and marks the skill.
    coach = _new_page(chromium)
    _accept_staff_invitation(
        coach, inbox.link(COACH, staff_pattern, MAIL_WAIT_SECONDS), COACH, COACH_PASSWORD
    )
    _enrol_and_sign_in(coach, url, COACH, COACH_PASSWORD, home="My classes")
    coach.get_by_role("heading", name="Tumbling Stars").wait_for()
    coach.get_by_text("Sofia Lopez").wait_for()
    _go(coach, "Skills", "Skills")
    _choose(coach, "Mark", "Mastered")
    coach.get_by_role("button", name="Mark everyone").click()
    coach.get_by_text("Saved 1 mark.").wait_for()
    parent.reload()
    wait_idle(parent)
    parent.locator("[data-testid=stButtonGroup]").get_by_text("Skills", exact=True).click()
    wait_idle(parent)
    parent.get_by_text("1 of 1 skills mastered").wait_for()
    skill = parent.locator(".cw-rows li", has_text="Cartwheel")  # the skill's phone row
    skill.filter(has_text="Mastered").first.wait_for()

    # The setup link was spent.
    other = _new_page(chromium)
    other.goto(setup_link)
    other.get_by_text("This setup link is no longer valid.", exact=False).wait_for()
    assert other.get_by_role("button", name="Set up the portal").count() == 0
