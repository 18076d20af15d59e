"""The second step of signing in: setting up an authenticator app (TOTP) at the first
sign-in that needs one, and confirming each later sign-in with its code or a recovery code.

Every function takes the pending token `services.accounts.auth.sign_in` answered with
(services.accounts.second_factor), never an Actor: nobody is signed in yet. Wrong codes
count toward the same lockout as wrong passwords (services.accounts.sign_in_throttle), for
this client and for the address. A code is accepted for the current 30-second step or the
one before or after (clocks drift); a step already used is refused, so a code seen over a
shoulder cannot be replayed (one conditional UPDATE, so two racing sign-ins give one success).
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass

import pyotp
import qrcode
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import User
from services.accounts import recovery_codes, second_factor, sign_in_throttle
from services.accounts.auth import SignInResult, open_session
from services.accounts.passwords import text_or_empty
from services.kernel import audit, clock
from services.kernel.errors import AuthenticationError
from services.kernel.settings import get_settings

CODE_WRONG = "That code is not right. Enter the 6-digit code your authenticator app shows now."
ALREADY_ENROLLED = "Two-factor sign-in is already set up for this account."
NOT_ENROLLED = "Set up two-factor sign-in first."
STEP_SECONDS = 30
DRIFT_STEPS = 1


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown as text for apps that cannot scan
    uri: str  # otpauth:// URI

    def qr_png(self) -> bytes:
        """The URI as a QR code for the authenticator app to scan."""
        buffer = io.BytesIO()
        qrcode.make(self.uri, box_size=6, border=3).save(buffer, format="PNG")
        return buffer.getvalue()


@dataclass(frozen=True)
class Enrolled:
    result: SignInResult
    recovery_codes: list[str]  # shown once


def begin_enrolment(db: Session, pending: object) -> Enrolment:
    """The secret to add to an authenticator app. Kept (encrypted) until confirmed, so the
    page shows the same QR code on every rerun; refused once set up."""
    begin_write(db)
    user = second_factor.pending_user(db, pending)
    if second_factor.enrolled(user):
        db.rollback()
        raise AuthenticationError(ALREADY_ENROLLED)
    enrolment = enrolment_for(db, user)
    db.commit()
    return enrolment


def enrolment_for(db: Session, user: User) -> Enrolment:
    """The user's unconfirmed secret, made now if there is none (caller commits)."""
    if user.totp_secret_encrypted is None:
        user.totp_secret_encrypted = second_factor.seal(pyotp.random_base32())
    secret = second_factor.unseal(user.totp_secret_encrypted)
    issuer = get_settings(db).business_name
    return Enrolment(secret, pyotp.TOTP(secret).provisioning_uri(user.email, issuer_name=issuer))


def confirm_enrolment(
    db: Session, pending: object, code: object, *, user_agent: str = "", client: str = ""
) -> Enrolled:
    """Confirm the app with its current code: two-factor sign-in is on, the recovery codes
    are made (returned once) and the session opens."""
    begin_write(db)
    user = _checked_user(db, pending, client)
    if second_factor.enrolled(user) or user.totp_secret_encrypted is None:
        db.rollback()
        raise AuthenticationError(ALREADY_ENROLLED if user.totp_confirmed_at else NOT_ENROLLED)
    if not spend_code(db, user, text_or_empty(code)):
        _refuse(db, user, client)
    user.totp_confirmed_at = clock.now()
    codes = recovery_codes.replace_all(db, user.id)
    audit.record(
        db, None, "auth.two_factor_enrolled", entity="user", entity_id=user.id, user_id=user.id
    )
    sign_in_throttle.forget_client(db, user.email, client)
    return Enrolled(open_session(db, user, user_agent=user_agent), codes)


def verify(
    db: Session, pending: object, code: object, *, user_agent: str = "", client: str = ""
) -> SignInResult:
    """Finish signing in with the authenticator's code or an unused recovery code."""
    begin_write(db)
    user = _checked_user(db, pending, client)
    if not second_factor.enrolled(user):
        db.rollback()
        raise AuthenticationError(NOT_ENROLLED)
    typed = text_or_empty(code)
    if spend_code(db, user, typed):
        used = "totp"
    elif recovery_codes.spend(db, user.id, typed):
        used = "recovery_code"
    else:
        _refuse(db, user, client)
    audit.record(
        db,
        None,
        "auth.second_factor",
        entity="user",
        entity_id=user.id,
        user_id=user.id,
        details={"method": used},
    )
    sign_in_throttle.forget_client(db, user.email, client)
    return open_session(db, user, user_agent=user_agent)


def _checked_user(db: Session, pending: object, client: str) -> User:
    try:
        user = second_factor.pending_user(db, pending)
    except AuthenticationError:
        db.rollback()
        raise
    refused = sign_in_throttle.refusal(db, user.email, text_or_empty(client))
    if refused is not None:
        db.rollback()
        raise AuthenticationError(refused)
    return user


def _refuse(db: Session, user: User, client: str) -> None:
    db.rollback()
    begin_write(db)
    sign_in_throttle.count_failure(db, user.email, text_or_empty(client))
    raise AuthenticationError(CODE_WRONG)


def spend_code(db: Session, user: User, typed: str) -> bool:
    """True when `typed` is the code of a step near now that was not used before; that step
    becomes the last used (also the Account page's check, two_factor_opt_in)."""
    code = "".join(typed.split())
    if len(code) != 6 or not code.isdigit() or user.totp_secret_encrypted is None:
        return False
    totp = pyotp.TOTP(second_factor.unseal(user.totp_secret_encrypted))
    now_step = int(clock.now().timestamp()) // STEP_SECONDS
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            result = db.execute(
                update(User)
                .where(
                    User.id == user.id,
                    or_(User.totp_last_step.is_(None), User.totp_last_step < step),
                )
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False
