"""The sign-in page, as a visitor sees it in AppTest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import SignInSession
from services.accounts import auth
from services.accounts.auth import SESSION_ENDED, SIGN_IN_FAILED
from services.kernel import clock
from services.kernel.errors import AuthenticationError
from tests import factories as f
from tests.pages.conftest import new_app, signed_in_app, texts


def _submit(at, email: str, password: str):  # type: ignore[no-untyped-def]
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_visitor_sees_only_the_sign_in_form(app_db: Session) -> None:
    at = new_app().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]
    assert "Sign in to your account" in texts(at)
    assert len(at.selectbox) == 0  # no location picker, no navigation before sign-in


def test_wrong_password_shows_one_message_and_opens_no_session(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = _submit(new_app().run(), "p@example.com", "not-the-password")
    assert not at.exception
    assert [e.value for e in at.error] == [SIGN_IN_FAILED]
    assert at.text_input[0].value == "p@example.com"  # the input is kept
    at = _submit(new_app().run(), "nobody@example.com", "whatever")
    assert [e.value for e in at.error] == [SIGN_IN_FAILED]
    assert app_db.scalar(select(func.count()).select_from(SignInSession)) == 0


def test_signing_in_shows_the_family_home(app_db: Session) -> None:
    fam, _, _ = f.family(app_db, email="p@example.com")
    f.student(app_db, fam, "Maya")
    app_db.commit()
    at = _submit(new_app().run(), "P@Example.com", f.PASSWORD)
    assert not at.exception
    assert not at.error
    assert "Hello, Alex" in texts(at)
    assert at.button(key="sign_out")


def test_sign_out_returns_to_the_sign_in_page(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = _submit(new_app().run(), "p@example.com", f.PASSWORD)
    at = at.button(key="sign_out").click().run()
    assert not at.exception
    assert "You are signed out." in texts(at)
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]
    revoked = app_db.scalar(select(SignInSession.revoked_at))
    assert revoked is not None


def test_an_idle_session_returns_to_sign_in_with_a_notice(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    assert "Hello, Alex" in texts(at)
    clock.advance(auth.IDLE_TIMEOUT + timedelta(seconds=1))
    at.run()
    assert not at.exception
    assert SESSION_ENDED in texts(at)
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]


def test_someone_elses_failures_do_not_lock_this_browser_out(app_db: Session) -> None:
    """Issue 13, item 12: the lockout is per address and client; the page passes this
    browser's address (AppTest's: local), so another client's lock does not apply here."""
    fam, _, _ = f.family(app_db, email="p@example.com")
    f.student(app_db, fam, "Maya")
    app_db.commit()
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        with pytest.raises(AuthenticationError):
            auth.sign_in(app_db, "p@example.com", "guess", client="203.0.113.9")
    at = _submit(new_app().run(), "p@example.com", f.PASSWORD)
    assert not at.exception and not at.error
    assert "Hello, Alex" in texts(at)
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        _submit(new_app().run(), "p@example.com", "guess")
    at = _submit(new_app().run(), "p@example.com", f.PASSWORD)
    assert [e.value for e in at.error] == [auth.SIGN_IN_LOCKED]  # this browser is now locked
