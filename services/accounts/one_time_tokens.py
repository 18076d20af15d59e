"""Single-use, expiring tokens for the links Cartwheel e-mails (invitations, password resets)
and the first-run setup link the server prints (services/accounts/setup_link.py).

Only the SHA-256 of a token is stored. A token is spent by one conditional UPDATE
(`consume`), so two tabs or two servers opening the same link cannot both use it.
These helpers work inside the caller's transaction and check no actor: the services that
call them do.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import OneTimeToken, OneTimeTokenPurpose
from services.kernel import clock
from services.kernel.errors import ValidationError
from services.kernel.secrets_util import new_token, token_hash

MAX_TOKEN_LENGTH = 100  # new_token() makes 43 characters; anything far longer is not ours
BAD_BASE_URL = (
    "The portal's public address is not set correctly (CARTWHEEL_BASE_URL), so the e-mail "
    "could not be sent. Ask the gym to fix it."
)


def issue(
    db: Session,
    purpose: OneTimeTokenPurpose,
    lifetime: timedelta,
    *,
    user_id: int | None,
    guardian_id: int | None = None,
    created_by_user_id: int | None = None,
) -> tuple[str, int]:
    """A new token for the user (and guardian): the token itself, to be e-mailed and kept
    nowhere, and its row's id."""
    token = new_token()
    now = clock.now()
    row = OneTimeToken(
        purpose=purpose,
        token_hash=token_hash(token),
        user_id=user_id,
        guardian_id=guardian_id,
        created_by_user_id=created_by_user_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(row)
    db.flush()
    return token, row.id


def revoke_unused(db: Session, *, user_id: int, purpose: OneTimeTokenPurpose | None = None) -> int:
    """Revoke the user's unused tokens (of one purpose, or all); returns how many. Expired
    ones are marked too, so every token's row says how it ended."""
    query = update(OneTimeToken).where(
        OneTimeToken.user_id == user_id,
        OneTimeToken.used_at.is_(None),
        OneTimeToken.revoked_at.is_(None),
    )
    if purpose is not None:
        query = query.where(OneTimeToken.purpose == purpose)
    return db.execute(query.values(revoked_at=clock.now())).rowcount


def lock_unused(db: Session, purpose: OneTimeTokenPurpose) -> list[int]:
    """Row-lock every unused token of `purpose` (in id order, so two callers cannot deadlock)
    and return their ids: a concurrent caller waits here until this transaction ends, then
    finds what it left (PostgreSQL; SQLite's write transaction already excludes writers)."""
    return list(
        db.scalars(
            select(OneTimeToken.id)
            .where(
                OneTimeToken.purpose == purpose,
                OneTimeToken.used_at.is_(None),
                OneTimeToken.revoked_at.is_(None),
            )
            .order_by(OneTimeToken.id)
            .with_for_update()
        )
    )


def revoke_ids(db: Session, token_ids: list[int]) -> None:
    """Revoke these tokens (the caller locked them with `lock_unused`)."""
    if token_ids:
        db.execute(
            update(OneTimeToken)
            .where(OneTimeToken.id.in_(token_ids))
            .values(revoked_at=clock.now())
        )


def usable(db: Session, purpose: OneTimeTokenPurpose, token: object) -> OneTimeToken | None:
    """The token's row while it is unused, unrevoked and unexpired; None for anything else."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = db.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_hash(token), OneTimeToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.revoked_at is not None:
        return None
    return row if clock.now() < row.expires_at else None


def consume(db: Session, token_id: int) -> bool:
    """Spend the token: True for the one caller that marks it used while still valid."""
    now = clock.now()
    result = db.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.id == token_id,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def link(base_url: str, parameter: str, token: str) -> str:
    """`{base_url}/?{parameter}=<token>` on the portal's configured public address."""
    return f"{public_address(base_url)}/?" + urlencode({parameter: token})


def public_address(base_url: str) -> str:
    """The portal's public address without a trailing slash; refused unless it is a plain
    http(s) address (it goes into e-mails, so nothing else may slip in)."""
    parts = urlsplit(base_url.strip()) if isinstance(base_url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise ValidationError(BAD_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
