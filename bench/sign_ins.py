"""Sign-in cookies for the server benchmarks: a session row per family's primary guardian.

Only the demo family's password is known, so the benchmark writes the sign-in session rows
itself (token hashes, as services.accounts.auth does) and hands the tokens to its clients."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.databases import BENCH_NOW
from data.db import make_engine
from data.demo.logins import PRIMARY_EMAIL
from data.models import Guardian, GuardianAccess, SignInSession, User
from services.accounts.auth import ABSOLUTE_TIMEOUT
from services.kernel.secrets_util import token_hash


def parent_cookies(
    database_url: str,
    count: int,
    *,
    seen_at: datetime = BENCH_NOW,
    user_agent: str = "cartwheel bench",
) -> list[str]:
    """Cookie tokens for `count` sign-in sessions, each a different family's primary guardian
    who can sign in (the demo family first), signed in and last seen at `seen_at`."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            users = list(
                db.scalars(
                    select(User.id)
                    .join(Guardian, Guardian.user_id == User.id)
                    .where(
                        Guardian.is_primary.is_(True),
                        Guardian.access == GuardianAccess.CAN_LOG_IN,
                        User.is_active.is_(True),
                    )
                    .order_by(User.email != PRIMARY_EMAIL, User.id)
                    .limit(count)
                )
            )
            tokens = [secrets.token_urlsafe(32) for _ in users]
            for user_id, token in zip(users, tokens, strict=True):
                db.add(
                    SignInSession(
                        user_id=user_id,
                        token_hash=token_hash(token),
                        created_at=seen_at,
                        authenticated_at=seen_at,
                        last_seen_at=seen_at,
                        expires_at=seen_at + ABSOLUTE_TIMEOUT,
                        user_agent=user_agent,
                    )
                )
            db.commit()
    finally:
        engine.dispose()
    if len(tokens) < count:
        raise RuntimeError(f"only {len(tokens)} parents can sign in; {count} wanted")
    return tokens
