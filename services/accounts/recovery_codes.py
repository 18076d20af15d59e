"""One-time recovery codes for two-factor sign-in: shown once, stored hashed, spent once.

A code is 10 random hex digits shown as `xxxxx-xxxxx`; typing ignores case, spaces and
dashes. Spending is one conditional UPDATE, so two sign-ins racing with one code give one
success. Helpers in the caller's transaction; the callers check who may act.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from data.models import RecoveryCode
from services.kernel import clock
from services.kernel.secrets_util import token_hash

COUNT = 10
MAX_TYPED_LENGTH = 40


def normalise(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").lower()


def looks_like_code(typed: str) -> bool:
    clean = normalise(typed)
    return len(clean) == 10 and all(c in "0123456789abcdef" for c in clean)


def replace_all(db: Session, user_id: int) -> list[str]:
    """New codes for the user (earlier ones stop working); returned to be shown once."""
    delete_all(db, user_id)
    now = clock.now()
    codes = []
    for _ in range(COUNT):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(user_id=user_id, code_hash=token_hash(raw), created_at=now))
    db.flush()
    return codes


def spend(db: Session, user_id: int, typed: str) -> bool:
    """True for the one caller that marks an unused code of this user's used."""
    if len(typed) > MAX_TYPED_LENGTH or not looks_like_code(typed):
        return False
    result = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == token_hash(normalise(typed)),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
    )
    return result.rowcount == 1


def delete_all(db: Session, user_id: int) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
