"""Two-factor sign-in turned on (and off) from the Account page by someone already signed in:
a parent who opts in, or staff while the portal does not require it.

Turning it on needs a recent sign-in (services.accounts.reauth): a session left open must not
let someone tie the account to their own phone. It counts once a code from the app is
confirmed; the recovery codes are returned once. Turning it off needs a current code (or a
recovery code) and is refused while the portal requires it for this account's role.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import User
from services.accounts import recovery_codes, second_factor
from services.accounts.passwords import text_or_empty
from services.accounts.reauth import require_recent_sign_in
from services.accounts.two_factor import (
    ALREADY_ENROLLED,
    CODE_WRONG,
    Enrolment,
    enrolment_for,
    spend_code,
)
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import AuthenticationError, ValidationError
from services.kernel.settings import get_settings


def two_factor_on(db: Session, actor: Actor) -> bool:
    return second_factor.enrolled(_user(db, actor))


def start_two_factor(db: Session, actor: Actor) -> Enrolment:
    """The secret to add to an authenticator app (the same one until confirmed)."""
    require_recent_sign_in(db, actor)
    begin_write(db)
    user = _user(db, actor)
    if second_factor.enrolled(user):
        db.rollback()
        raise ValidationError(ALREADY_ENROLLED)
    enrolment = enrolment_for(db, user)
    db.commit()
    return enrolment


def confirm_two_factor(db: Session, actor: Actor, code: object) -> list[str]:
    """Turn two-factor sign-in on with the app's current code; returns the recovery codes."""
    begin_write(db)
    user = _user(db, actor)
    if second_factor.enrolled(user) or user.totp_secret_encrypted is None:
        db.rollback()
        raise ValidationError(ALREADY_ENROLLED if user.totp_confirmed_at else "Start again.")
    if not spend_code(db, user, text_or_empty(code)):
        db.rollback()
        raise ValidationError(CODE_WRONG)
    user.totp_confirmed_at = clock.now()
    codes = recovery_codes.replace_all(db, user.id)
    audit.record(db, actor, "auth.two_factor_enrolled", entity="user", entity_id=user.id)
    db.commit()
    return codes


def turn_off_two_factor(db: Session, actor: Actor, code: object) -> None:
    """Turn it off with a current code or a recovery code (not while the portal requires it)."""
    begin_write(db)
    user = _user(db, actor)
    if not second_factor.enrolled(user):
        db.rollback()
        raise ValidationError("Two-factor sign-in is not on for this account.")
    if user.role in second_factor.STAFF_ROLES and get_settings(db).require_two_factor_for_staff:
        db.rollback()
        raise ValidationError("Two-factor sign-in is required for staff on this portal.")
    typed = text_or_empty(code)
    if not (spend_code(db, user, typed) or recovery_codes.spend(db, user.id, typed)):
        db.rollback()
        raise ValidationError(CODE_WRONG)
    second_factor.clear(db, user)
    audit.record(db, actor, "auth.two_factor_turned_off", entity="user", entity_id=user.id)
    db.commit()


def _user(db: Session, actor: Actor) -> User:
    user = db.get(User, actor.user_id)
    if user is None or not user.is_active:
        db.rollback()
        raise AuthenticationError(second_factor.STEP_EXPIRED)
    return user
