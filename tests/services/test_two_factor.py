"""Two-factor sign-in (issue 15): enrolment at the first sign-in, codes computed here with
pyotp from the secret the service hands out, recovery codes, lockout, the secret at rest."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import RecoveryCode, Role, SignInSession, User
from services.accounts import auth, second_factor, two_factor
from services.accounts.second_factor import SecondStep
from services.accounts.sign_in_throttle import LOCKOUT_AFTER_FAILURES, SIGN_IN_LOCKED
from services.kernel import clock
from services.kernel.errors import AuthenticationError
from tests import factories as f


def _password_step(db: Session, email: str = "desk@example.com") -> SecondStep:
    step = auth.sign_in(db, email, f.PASSWORD, client="203.0.113.5")
    assert isinstance(step, SecondStep)
    return step


def _desk(db: Session) -> None:
    f.staff(db, "desk@example.com", [f.location(db)])
    db.commit()


def _enrolled(db: Session) -> tuple[pyotp.TOTP, list[str]]:
    """Enrol the desk user; returns their authenticator and recovery codes."""
    _desk(db)
    step = _password_step(db)
    enrolment = two_factor.begin_enrolment(db, step.pending)
    totp = pyotp.TOTP(enrolment.secret)
    done = two_factor.confirm_enrolment(db, step.pending, totp.at(clock.now()))
    clock.advance(timedelta(seconds=30))  # the next sign-in's code is a new step
    return totp, done.recovery_codes


def test_staff_enrol_at_first_sign_in_and_then_confirm_each_sign_in(db: Session) -> None:
    _desk(db)
    step = _password_step(db)
    assert step.enrol
    enrolment = two_factor.begin_enrolment(db, step.pending)
    assert enrolment.uri.startswith("otpauth://totp/") and enrolment.secret in enrolment.uri
    assert two_factor.begin_enrolment(db, step.pending).secret == enrolment.secret  # reruns
    totp = pyotp.TOTP(enrolment.secret)
    done = two_factor.confirm_enrolment(db, step.pending, totp.at(clock.now()))
    assert len(done.recovery_codes) == 10 and len(set(done.recovery_codes)) == 10
    assert auth.exchange_grant(db, done.result.grant) is not None
    clock.advance(timedelta(seconds=30))
    later = _password_step(db)
    assert not later.enrol
    result = two_factor.verify(db, later.pending, totp.at(clock.now()))
    assert auth.actor_for_session(db, result.session_id).is_staff


def test_no_session_before_the_second_step(db: Session) -> None:
    _desk(db)
    _password_step(db)
    assert db.scalar(select(SignInSession.id)) is None


def test_the_secret_does_not_rest_in_clear(db: Session) -> None:
    _desk(db)
    enrolment = two_factor.begin_enrolment(db, _password_step(db).pending)
    stored = db.scalar(select(User.totp_secret_encrypted).where(User.email == "desk@example.com"))
    assert stored and enrolment.secret not in stored
    assert second_factor.unseal(stored) == enrolment.secret


def test_wrong_code_and_reused_code_are_refused(db: Session) -> None:
    totp, _ = _enrolled(db)
    step = _password_step(db)
    wrong = f"{(int(totp.at(clock.now())) + 1) % 1_000_000:06d}"
    with pytest.raises(AuthenticationError, match="not right"):
        two_factor.verify(db, step.pending, wrong)
    code = totp.at(clock.now())
    two_factor.verify(db, step.pending, code)
    with pytest.raises(AuthenticationError, match="not right"):
        two_factor.verify(db, _password_step(db).pending, code)  # same step, seen over a shoulder


def test_recovery_code_works_once(db: Session) -> None:
    _, codes = _enrolled(db)
    two_factor.verify(db, _password_step(db).pending, codes[0].upper().replace("-", " "))
    with pytest.raises(AuthenticationError, match="not right"):
        two_factor.verify(db, _password_step(db).pending, codes[0])
    two_factor.verify(db, _password_step(db).pending, codes[1])
    used = db.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 2 and all(len(row.code_hash) == 64 for row in used)


def test_wrong_codes_lock_out_like_wrong_passwords(db: Session) -> None:
    totp, _ = _enrolled(db)
    step = _password_step(db)
    for _ in range(LOCKOUT_AFTER_FAILURES):
        with pytest.raises(AuthenticationError):
            two_factor.verify(db, step.pending, "000000", client="203.0.113.5")
    with pytest.raises(AuthenticationError, match=SIGN_IN_LOCKED):
        two_factor.verify(db, step.pending, totp.at(clock.now()), client="203.0.113.5")


def test_signing_in_again_does_not_reset_the_count_of_wrong_codes(db: Session) -> None:
    _enrolled(db)
    for _ in range(LOCKOUT_AFTER_FAILURES - 1):
        with pytest.raises(AuthenticationError, match="not right"):
            two_factor.verify(db, _password_step(db).pending, "000000", client="203.0.113.5")
    with pytest.raises(AuthenticationError, match="not right"):
        two_factor.verify(db, _password_step(db).pending, "000000", client="203.0.113.5")
    with pytest.raises(AuthenticationError, match=SIGN_IN_LOCKED):
        auth.sign_in(db, "desk@example.com", f.PASSWORD, client="203.0.113.5")


def test_pending_token_expires_and_cannot_be_forged(db: Session) -> None:
    totp, _ = _enrolled(db)
    step = _password_step(db)
    for forged in ("", "1:9999999999:x.AAAA", step.pending + "x", None, 42):
        with pytest.raises(AuthenticationError, match="took too long"):
            two_factor.verify(db, forged, totp.at(clock.now()))
    clock.advance(second_factor.PENDING_LIFETIME)
    with pytest.raises(AuthenticationError, match="took too long"):
        two_factor.verify(db, step.pending, totp.at(clock.now()))


def test_enrolment_needs_the_right_code(db: Session) -> None:
    _desk(db)
    step = _password_step(db)
    two_factor.begin_enrolment(db, step.pending)
    with pytest.raises(AuthenticationError, match="not right"):
        two_factor.confirm_enrolment(db, step.pending, "12345x")
    user = db.scalar(select(User).where(User.email == "desk@example.com"))
    assert user is not None and not second_factor.enrolled(user)
    assert db.scalar(select(RecoveryCode.id)) is None


def test_setting_off_signs_staff_in_with_the_password_alone(db: Session) -> None:
    _desk(db)
    f.portal_settings(db, require_two_factor_for_staff=False)
    db.commit()
    assert isinstance(auth.sign_in(db, "desk@example.com", f.PASSWORD), auth.SignInResult)


def test_guardians_sign_in_with_the_password_alone(db: Session) -> None:
    f.family(db)
    db.commit()
    guardian_email = db.scalar(select(User.email).where(User.role == Role.GUARDIAN))
    assert isinstance(auth.sign_in(db, guardian_email, f.PASSWORD), auth.SignInResult)
