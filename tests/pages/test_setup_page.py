"""First run in AppTest (issue 15): before setup the sign-in page says only that the portal is
not set up; the printed link opens the setup page, which refuses bad input (keeping it and
writing nothing), refuses a forged or used link, and sends the owner to sign in. Amounts then
show in the currency chosen there."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import LedgerKind, Location, Role, User
from services.accounts.setup_link import NOT_SET_UP, SETUP_INVALID, issue_setup_link
from services.kernel.settings import get_settings
from tests import factories as f
from tests.pages.conftest import new_app, signed_in_app, table_frame, texts

BASE = "http://localhost:8501"
PASSWORD = "a-long-owner-passphrase"


def _link_token(db: Session) -> str:
    link = issue_setup_link(db, base_url=BASE)
    assert link is not None
    return parse_qs(urlsplit(link).query)["setup"][0]


def _open(token: str) -> AppTest:
    at = new_app()
    at.query_params["setup"] = token
    at.run()
    assert not at.exception, at.exception
    return at


def _fill(at: AppTest, **overrides: str) -> AppTest:
    values = {
        "business_name": "Tumble Town",
        "owner_name": "Pat Owner",
        "owner_email": "pat@example.com",
        "password.new": PASSWORD,
        "password.confirm": PASSWORD,
        "location_name": "Riverside",
        "line1": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
        "phone": "(312) 555-0188",
    } | overrides
    for name, value in values.items():
        at.text_input(key=f"setup.{name}").input(value)
    at.selectbox(key="setup.time_zone").select("America/Chicago")
    return at


def _submit(at: AppTest) -> AppTest:
    at.button(key="setup.submit").click().run()
    assert not at.exception, at.exception
    return at


def _admins(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).where(User.role == Role.ADMIN)) or 0


def test_the_sign_in_page_says_only_that_the_portal_is_not_set_up(unset_app_db: Session) -> None:
    at = new_app().run()
    assert not at.exception
    assert [a.value for a in at.info] == [NOT_SET_UP]
    assert texts(at) == NOT_SET_UP
    assert not at.text_input and not at.button and not at.expander


def test_the_setup_link_sets_the_portal_up_and_sends_the_owner_to_sign_in(
    unset_app_db: Session,
) -> None:
    at = _open(_link_token(unset_app_db))
    assert "setup" not in at.query_params  # the token left the address bar
    assert "Set up your portal" in texts(at)
    at = _submit(_fill(at))
    assert not at.error
    assert "Your portal is set up. Sign in with pat@example.com" in texts(at)
    assert at.text_input  # the sign-in form, now that an administrator exists
    assert _admins(unset_app_db) == 1
    settings = get_settings(unset_app_db)
    assert (settings.business_name, settings.time_zone, settings.currency) == (
        "Tumble Town",
        "America/Chicago",
        "usd",
    )
    at.text_input[0].input("pat@example.com")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and not at.error
    # Staff sign-ins need a second factor on a new install: the owner sets one up first.
    assert "Set up two-factor sign-in" in texts(at)


def test_bad_input_shows_the_reason_keeps_the_input_and_writes_nothing(
    unset_app_db: Session,
) -> None:
    at = _open(_link_token(unset_app_db))
    at = _submit(at)  # nothing filled in
    assert [e.value for e in at.error] == ["Enter the business name."]
    at = _submit(_fill(at, phone="12"))
    assert len(at.error) == 1 and "phone number" in at.error[0].value
    at = _submit(_fill(at, **{"password.confirm": "something-else-entirely"}))
    assert [e.value for e in at.error] == ["The passwords do not match."]
    assert at.text_input(key="setup.business_name").value == "Tumble Town"  # input kept
    assert _admins(unset_app_db) == 0
    assert unset_app_db.scalar(select(func.count()).select_from(Location)) == 0
    assert "Set up your portal" in texts(at)  # still on the setup page, link still good


def test_a_forged_link_is_refused(unset_app_db: Session) -> None:
    _link_token(unset_app_db)
    at = _open("forged-setup-token")
    assert [e.value for e in at.error] == [SETUP_INVALID]
    assert not at.text_input
    at.button(key="setup.to_sign_in").click().run()
    assert not at.exception
    assert texts(at) == NOT_SET_UP


def test_a_setup_link_is_refused_once_the_portal_is_set_up(unset_app_db: Session) -> None:
    token = _link_token(unset_app_db)
    _submit(_fill(_open(token)))
    at = _open(token)  # the same link again, e.g. from another tab
    assert [e.value for e in at.error] == [SETUP_INVALID]
    assert _admins(unset_app_db) == 1


def test_amounts_show_in_the_currency_chosen_at_setup(app_db: Session) -> None:
    north = f.location(app_db, "Northside")
    fam, _, _ = f.family(app_db, "Garcia", email="p@example.com")
    f.entry(app_db, fam, north, LedgerKind.CHARGE, 123_450)
    f.entry(app_db, fam, north, LedgerKind.CREDIT, 1_250)
    f.portal_settings(app_db, currency="eur")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    assert not at.exception
    assert "Outstanding balance: €1,234.50" in texts(at) and "Credit: €12.50" in texts(at)
    at.switch_page("../pages/transactions.py").run()
    assert not at.exception
    table = table_frame(at, 0)
    assert set(table["Amount"]) == {"€1,234.50", "-€12.50"}
    f.portal_settings(app_db, currency="chf")
    app_db.commit()
    at.switch_page("../pages/family_home.py").run()
    assert "Outstanding balance: 1,234.50 CHF" in texts(at)
