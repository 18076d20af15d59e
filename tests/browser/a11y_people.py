"""People the accessibility test needs and the demo has not: an instructor who teaches a class
and signs in with two-factor, and working invitation links for a new front-desk member and for
a family's primary guardian.

All are made through the services (the admin invites, then hands out a fresh link as on the
Outbox page) in a copy of the demo database that a second app serves, so the browser tests
sharing `demo_app` never meet them. The copy requires two-factor sign-in for staff (the demo
turns it off), so the instructor enrols an authenticator the way a new instructor does. The
app pays through localstripe and the demo's primary guardian has a saved card there, so the
Billing page's payment dialog can be opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo.logins import ADMIN_EMAIL, PRIMARY_EMAIL
from data.models import (
    EmailAddress,
    Enrollment,
    Guardian,
    GuardianAccess,
    GymClass,
    OutboxMessage,
    User,
)
from services.accounts.auth import build_actor
from services.accounts.invitations import LINK_PARAMETER as INVITATION
from services.accounts.invitations import invite_primary_guardian
from services.accounts.staff_invitations import LINK_PARAMETER as STAFF_INVITATION
from services.accounts.staff_invitations import accept_staff_invitation
from services.backoffice.classes import class_values, update_class
from services.backoffice.staff import invite_staff
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.settings import update_settings
from services.messages.link_mail import create_fresh_link
from tests.browser.conftest import RunningApp, start_app, wait_idle
from tests.services.payment_helpers import save_card
from tests.support.localstripe import LocalStripe
from tests.support.postgres import free_port

INSTRUCTOR_EMAIL = "ines.instructor@example.com"
INSTRUCTOR_PASSWORD = "balance-beam-ribbon-42"  # a test account's
NEW_DESK_EMAIL = "dara.desk@example.com"


@dataclass
class PeopleApp:
    app: RunningApp
    links: dict[str, str]  # link parameter → a working link for someone new
    taught_class: str  # the name of the class the instructor teaches


@pytest.fixture(scope="module")
def people_app(
    demo_app: RunningApp, tmp_path_factory: pytest.TempPathFactory, localstripe: LocalStripe
) -> Iterator[PeopleApp]:
    folder = tmp_path_factory.mktemp("a11y")
    copy = folder / "people.db"
    _copy_sqlite(demo_app.database_url, copy)
    database_url = f"sqlite:///{copy}"
    port = free_port()
    links, taught = _add_people(database_url, f"http://127.0.0.1:{port}", localstripe)
    process, url = start_app(database_url, folder / "streamlit.log", localstripe.env(), port=port)
    try:
        app = RunningApp(url=url, database_url=database_url, log=folder / "streamlit.log")
        yield PeopleApp(app, links, taught)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _copy_sqlite(database_url: str, target: Path) -> None:
    """A consistent copy while the demo app may be writing (SQLite's online backup)."""
    source = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _add_people(
    database_url: str, base_url: str, stripe: LocalStripe
) -> tuple[dict[str, str], str]:
    engine = make_engine(database_url)
    # The app runs on the real clock, the tests on a frozen earlier one: links issued at the
    # frozen moment would have expired for the app.
    try:
        with Session(engine) as db, clock.frozen_at(datetime.now(UTC)):
            admin = build_actor(db, db.scalar(select(User).where(User.email == ADMIN_EMAIL)))
            update_settings(db, admin, {"require_two_factor_for_staff": True})
            busiest = _busiest_class(db)
            _add_instructor(db, admin, busiest, base_url)
            invite_staff(
                db, admin, NEW_DESK_EMAIL, "Dara Desk", "staff", [busiest.location_id],
                base_url=base_url,
            )  # fmt: skip
            family_id, guardian_email = _family_without_login(db)
            invite_primary_guardian(db, admin, family_id, base_url=base_url)
            primary = build_actor(db, db.scalar(select(User).where(User.email == PRIMARY_EMAIL)))
            save_card(db, primary, stripe.gateway(), stripe)
            links = {
                STAFF_INVITATION: _fresh_link(db, admin, NEW_DESK_EMAIL, base_url),
                INVITATION: _fresh_link(db, admin, guardian_email, base_url),
            }
            return links, busiest.name
    finally:
        engine.dispose()


def _busiest_class(db: Session) -> GymClass:
    class_id = db.scalar(
        select(Enrollment.class_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .where(GymClass.is_active.is_(True))
        .group_by(Enrollment.class_id)
        .order_by(func.count().desc(), Enrollment.class_id)
        .limit(1)
    )
    found = db.get(GymClass, class_id)
    assert found is not None, "the demo has no active class with students"
    return found


def _add_instructor(db: Session, admin: Actor, taught: GymClass, base_url: str) -> None:
    """Invited, accepted with a password, and teaching `taught`."""
    user_id = invite_staff(
        db, admin, INSTRUCTOR_EMAIL, "Ines Instructor", "instructor", [taught.location_id],
        base_url=base_url,
    )  # fmt: skip
    link = _fresh_link(db, admin, INSTRUCTOR_EMAIL, base_url)
    token = parse_qs(urlsplit(link).query)[STAFF_INVITATION][0]
    accept_staff_invitation(db, token, INSTRUCTOR_PASSWORD, INSTRUCTOR_PASSWORD)
    form = replace(class_values(db, admin, taught.id), instructor_user_id=user_id)
    update_class(db, admin, taught.id, form)


def _family_without_login(db: Session) -> tuple[int, str]:
    """A family whose primary guardian has an e-mail address but has never been invited."""
    row = db.execute(
        select(Guardian.family_id, EmailAddress.email)
        .join(EmailAddress, EmailAddress.guardian_id == Guardian.id)
        .where(Guardian.is_primary, Guardian.access == GuardianAccess.NO_LOGIN)
        .order_by(Guardian.id)
        .limit(1)
    ).first()
    assert row is not None, "every demo family's primary guardian already signs in"
    return row.family_id, row.email


def _fresh_link(db: Session, admin: Actor, address: str, base_url: str) -> str:
    """The link an admin hands over from the Outbox page for the queued invitation."""
    message_id = db.scalar(
        select(OutboxMessage.id)
        .where(func.lower(OutboxMessage.to_address) == address.lower())
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return create_fresh_link(db, admin, message_id, base_url=base_url)


def sign_in_with_new_authenticator(page, url: str, check) -> None:  # type: ignore[no-untyped-def]
    """The instructor's first sign-in: password, then an authenticator set up (the key read
    from the page, the code from pyotp as an authenticator app makes it), then the recovery
    codes. `check(where)` runs axe on each of those steps."""
    page.goto(url)
    wait_idle(page)
    page.get_by_label("E-mail").fill(INSTRUCTOR_EMAIL)
    page.get_by_label("Password", exact=True).fill(INSTRUCTOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up two-factor sign-in").wait_for()
    check("two-factor set-up")
    key = page.locator("[data-testid='stCode']").first.inner_text().strip()
    page.get_by_label("The 6-digit code the app shows now").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm and sign in").click()
    page.get_by_text("Save these recovery codes somewhere safe.").wait_for()
    check("recovery codes")
    page.get_by_role("button", name="I have saved them").click()
    page.get_by_role("heading", name="My classes").wait_for()
    wait_idle(page)
