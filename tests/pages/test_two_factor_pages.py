"""The sign-in page's second step (issue 15), in AppTest: enrolment at the first sign-in
with a real TOTP code computed here, the recovery codes shown once, later sign-ins with a
code or a recovery code, wrong codes."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import SignInSession, User
from services.accounts import second_factor
from services.accounts.two_factor import CODE_WRONG
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import new_app, texts


def _desk(db: Session) -> None:
    f.staff(db, "desk@example.com", [f.location(db, "Northside")])
    db.commit()


def _password(at: AppTest) -> AppTest:
    at.text_input[0].input("desk@example.com")
    at.text_input[1].input(f.PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _secret(db: Session) -> str:
    db.rollback()
    sealed = db.scalar(select(User.totp_secret_encrypted).where(User.email == "desk@example.com"))
    assert sealed is not None
    return second_factor.unseal(sealed)


def _sessions(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(SignInSession)) or 0


def _enrol(db: Session) -> tuple[AppTest, str]:
    at = _password(new_app().run())
    assert "Set up two-factor sign-in" in texts(at)
    assert len(at.get("image")) == 1  # the QR code
    secret = _secret(db)
    assert secret in [c.value for c in at.code]  # the key as text for apps that cannot scan
    at.text_input(key="two_factor.enrol_code").input(pyotp.TOTP(secret).at(clock.now()))
    at.button(key="FormSubmitter:two_factor.enrol_form-Confirm and sign in").click().run()
    assert not at.exception, at.exception
    return at, secret


def test_enrolment_at_first_sign_in_then_recovery_codes_once(app_db: Session) -> None:
    _desk(app_db)
    at, _ = _enrol(app_db)
    assert "Save these recovery codes" in texts(at)
    [codes] = [c.value for c in at.code]
    assert len(codes.split("\n")) == 10
    assert at.button(key="sign_out")  # signed in: the staff navigation
    at.button(key="two_factor.codes_saved").click().run()
    assert not at.exception and "Save these recovery codes" not in texts(at)


def test_wrong_enrolment_code_is_refused_and_opens_no_session(app_db: Session) -> None:
    _desk(app_db)
    at = _password(new_app().run())
    for typed in ("000000", "abc", ""):
        at.text_input(key="two_factor.enrol_code").input(typed)
        at.button(key="FormSubmitter:two_factor.enrol_form-Confirm and sign in").click().run()
        assert not at.exception
        assert CODE_WRONG in [e.value for e in at.error]
    assert _sessions(app_db) == 0


def test_later_sign_in_asks_for_the_code(app_db: Session) -> None:
    _desk(app_db)
    _, secret = _enrol(app_db)
    clock.advance(timedelta(seconds=30))
    at = _password(new_app().run())
    assert "Enter your sign-in code" in texts(at)
    at.text_input(key="two_factor.code").input("123")
    at.button(key="FormSubmitter:two_factor.verify_form-Sign in").click().run()
    assert CODE_WRONG in [e.value for e in at.error]
    assert "sign_out" not in [b.key for b in at.button]
    at.text_input(key="two_factor.code").input(pyotp.TOTP(secret).at(clock.now()))
    at.button(key="FormSubmitter:two_factor.verify_form-Sign in").click().run()
    assert not at.exception
    assert at.button(key="sign_out")


def test_start_over_returns_to_the_password_form(app_db: Session) -> None:
    _desk(app_db)
    at = _password(new_app().run())
    at.button(key="two_factor.cancel").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]
