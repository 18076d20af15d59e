"""Who must confirm a sign-in with a second factor, the short-lived "password checked"
token between the two steps, and the TOTP secret at rest.

Staff, instructors and admins need a second factor while the portal setting
`require_two_factor_for_staff` is on (the demo gym turns it off); anyone who enrolled one
(a parent who opted in, staff while the setting was on) always uses it. After the password,
`services.accounts.auth.sign_in` answers with a `SecondStep` carrying a signed pending token
(`PENDING_LIFETIME`, never stored; the page keeps it in server-side session state); only the
second step (services.accounts.two_factor) opens a session.

The secret is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived by HKDF
from the app's secret key (services.kernel.signing), so a copy of the database alone does not
give the codes. Changing the secret key makes every enrolled user unable to sign in until an
admin resets their second factor.
"""

from __future__ import annotations

import base64
import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from data.models import Role, User
from services.accounts import recovery_codes
from services.kernel import clock, signing
from services.kernel.errors import AuthenticationError
from services.kernel.settings import get_settings

PENDING_LIFETIME = timedelta(minutes=5)
PENDING_PURPOSE = "sign-in-second-step"
STEP_EXPIRED = "Signing in took too long. Please enter your e-mail and password again."
STAFF_ROLES = frozenset({Role.STAFF, Role.INSTRUCTOR, Role.ADMIN})


@dataclass(frozen=True)
class SecondStep:
    """The password was right; the sign-in continues with a code (or first sets one up)."""

    pending: str  # signed, expires after PENDING_LIFETIME; proves the password was checked
    enrol: bool  # True: no authenticator yet, set one up first


def enrolled(user: User) -> bool:
    return user.totp_secret_encrypted is not None and user.totp_confirmed_at is not None


def required(db: Session, user: User) -> bool:
    """Whether this user's sign-in needs a second step."""
    if enrolled(user):
        return True
    return user.role in STAFF_ROLES and get_settings(db).require_two_factor_for_staff


def second_step(user: User) -> SecondStep:
    expires = int((clock.now() + PENDING_LIFETIME).timestamp())
    payload = f"{user.id}:{expires}:{secrets.token_urlsafe(12)}"
    return SecondStep(pending=signing.sign(PENDING_PURPOSE, payload), enrol=not enrolled(user))


def pending_user(db: Session, pending: object) -> User:
    """The user whose password a pending token proves, while it is fresh; refuses otherwise."""
    payload = signing.verify(PENDING_PURPOSE, pending) if isinstance(pending, str) else None
    parts = payload.split(":") if payload else []
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise AuthenticationError(STEP_EXPIRED)
    if clock.now().timestamp() >= int(parts[1]):
        raise AuthenticationError(STEP_EXPIRED)
    user = db.get(User, int(parts[0]))
    if user is None or not user.is_active:
        raise AuthenticationError(STEP_EXPIRED)
    return user


@functools.cache
def _fernet(key: bytes) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cartwheel totp secret"
    ).derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str) -> str:
    return _fernet(signing.secret_key()).encrypt(secret.encode("ascii")).decode("ascii")


def unseal(sealed: str) -> str:
    """The secret; AuthenticationError when it cannot be read (the app's key changed)."""
    try:
        return _fernet(signing.secret_key()).decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError) as unreadable:
        raise AuthenticationError(
            "Your two-factor set-up cannot be read any more. Ask an administrator to reset it."
        ) from unreadable


def clear(db: Session, user: User) -> None:
    """Forget the user's authenticator and recovery codes (caller audits and commits)."""
    user.totp_secret_encrypted = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    recovery_codes.delete_all(db, user.id)
