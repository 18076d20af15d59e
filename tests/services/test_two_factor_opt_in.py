"""Parents opt in to two-factor sign-in from the Account page (issue 15); codes computed
here with pyotp."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import User
from services.accounts import auth, two_factor
from services.accounts.reauth import RECENT_SIGN_IN
from services.accounts.second_factor import SecondStep
from services.accounts.two_factor_opt_in import (
    confirm_two_factor,
    start_two_factor,
    turn_off_two_factor,
    two_factor_on,
)
from services.kernel import clock
from services.kernel.errors import ReauthenticationRequired, ValidationError
from tests import factories as f


def _parent(db: Session) -> tuple[str, object]:
    _, _, account = f.family(db)
    return account.email, f.signed_in(db, account)


def test_parent_opts_in_then_signs_in_with_a_code_and_turns_it_off(db: Session) -> None:
    email, parent = _parent(db)
    totp = pyotp.TOTP(start_two_factor(db, parent).secret)
    with pytest.raises(ValidationError, match="not right"):
        confirm_two_factor(db, parent, "000000" if totp.at(clock.now()) != "000000" else "111111")
    assert not two_factor_on(db, parent)
    codes = confirm_two_factor(db, parent, totp.at(clock.now()))
    assert len(codes) == 10 and two_factor_on(db, parent)
    clock.advance(timedelta(seconds=30))
    step = auth.sign_in(db, email, f.PASSWORD)
    assert isinstance(step, SecondStep) and not step.enrol
    two_factor.verify(db, step.pending, totp.at(clock.now()))
    with pytest.raises(ValidationError, match="not right"):
        turn_off_two_factor(db, parent, "nonsense")
    turn_off_two_factor(db, parent, codes[0])
    assert not two_factor_on(db, parent)
    assert isinstance(auth.sign_in(db, email, f.PASSWORD), auth.SignInResult)


def test_opting_in_needs_a_recent_sign_in(db: Session) -> None:
    email, parent = _parent(db)
    clock.advance(RECENT_SIGN_IN + timedelta(minutes=1))
    auth.actor_for_session(db, parent.session_id)  # the session is alive, the password old
    with pytest.raises(ReauthenticationRequired):
        start_two_factor(db, parent)
    assert db.scalar(select(User.totp_secret_encrypted).where(User.email == email)) is None


def test_staff_cannot_turn_it_off_while_required(db: Session) -> None:
    f.staff(db, "desk@example.com", [f.location(db)])
    db.commit()
    step = auth.sign_in(db, "desk@example.com", f.PASSWORD)
    totp = pyotp.TOTP(two_factor.begin_enrolment(db, step.pending).secret)
    done = two_factor.confirm_enrolment(db, step.pending, totp.at(clock.now()))
    desk = auth.actor_for_session(db, done.result.session_id)
    with pytest.raises(ValidationError, match="required for staff"):
        turn_off_two_factor(db, desk, done.recovery_codes[0])
