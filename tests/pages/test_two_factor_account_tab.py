"""The Account page's Two-factor sign-in tab (parents opt in, issue 15), in AppTest."""

from __future__ import annotations

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import User
from services.accounts import second_factor
from services.accounts.two_factor import CODE_WRONG
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts

CONFIRM = "FormSubmitter:account.two_factor.confirm_form-Turn on"


def test_a_parent_turns_two_factor_on(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/account.py").run()
    at.session_state["account.tab"] = "Two-factor sign-in"
    at.run()
    at.button(key="account.two_factor.start").click().run()
    assert not at.exception, at.exception
    assert len(at.get("image")) == 1
    at.text_input(key="account.two_factor.code").input("12ab")
    at.button(key=CONFIRM).click().run()
    assert not at.exception and CODE_WRONG in [e.value for e in at.error]
    app_db.rollback()
    sealed = app_db.scalar(select(User.totp_secret_encrypted).where(User.email == "p@example.com"))
    assert sealed is not None
    code = pyotp.TOTP(second_factor.unseal(sealed)).at(clock.now())
    at.text_input(key="account.two_factor.code").input(code)
    at.button(key=CONFIRM).click().run()
    assert not at.exception, at.exception
    assert "Save these recovery codes" in texts(at)
    assert "Two-factor sign-in is on for your account." in texts(at)
