"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from data.password_hashing import HASHER as _hasher
from services.kernel.errors import ValidationError
from services.kernel.validation import storable_text

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


UNUSABLE_CHARACTERS = (
    "A password can only contain letters, digits, spaces and symbols. Please type it again."
)


def text_or_empty(value: object) -> str:
    """`value` when it is storable text (services.kernel.validation.storable_text), else "" (refused
    as empty). A forged widget value can be anything."""
    return value if isinstance(value, str) and storable_text(value) else ""


def verify_password(password_hash: str | None, password: object) -> bool:
    """True when the password matches. An account without a password, or a value that cannot
    be a password, never matches (and takes a verification's time all the same)."""
    text = text_or_empty(password)
    if not password_hash or not text:
        _burn_equal_time(text)
        return False
    try:
        return _hasher.verify(password_hash, text)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("cartwheel-timing-equaliser")


def _burn_equal_time(password: str) -> None:
    """Spend a real verification's time so an unknown e-mail answers as slowly as a known one."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), password)


@functools.cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines() if line
    )


def check_password_rules(password: object, *, email: str = "") -> None:
    """Refuse passwords that are too short, too long, too common or the e-mail itself."""
    if not isinstance(password, str) or not password:
        raise ValidationError("Enter a password.")
    if not storable_text(password):
        raise ValidationError(UNUSABLE_CHARACTERS)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords():
        raise ValidationError("That password is too common. Choose one that is harder to guess.")
    if email and lowered in (email.lower(), email.lower().split("@")[0]):
        raise ValidationError("Do not use your e-mail address as your password.")


def check_new_password(password: object, confirm: object, *, email: str = "") -> str:
    """A password someone chooses from an e-mailed link (invitation, reset): typed twice the
    same and within the rules. Returns it, ready to hash."""
    if not isinstance(password, str) or not password:
        raise ValidationError("Enter a password.")
    if password != confirm:
        raise ValidationError("The passwords do not match.")
    check_password_rules(password, email=email)
    return password
