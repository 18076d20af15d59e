"""Sensitive changes need a recent sign-in.

Inviting a guardian, granting payment permission, changing the login e-mail or the password
ask for the password again when the session's password was entered more than
`RECENT_SIGN_IN` ago. A stolen or forgotten-open session then cannot hand the family account
to someone else without the password. The moment is kept per session
(`sign_in_sessions.authenticated_at`): set by sign-in, refreshed by `reauthenticate`.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import SignInSession, User
from services.accounts import auth, sign_in_throttle
from services.accounts.passwords import MAX_PASSWORD_LENGTH, verify_password
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import AuthenticationError, ReauthenticationRequired

# Long enough for one sitting on the Account page, short enough that a session left open on a
# shared computer soon stops allowing sensitive changes.
RECENT_SIGN_IN = timedelta(minutes=10)

REAUTH_REFUSED = "That password is not correct. Enter the password you sign in with."


def needs_reauthentication(db: Session, actor: Actor) -> bool:
    """True when the actor's password was entered more than RECENT_SIGN_IN ago, or the actor
    has no live session of their own to vouch for it."""
    if actor.session_id is None:
        return True
    row = db.execute(
        select(
            SignInSession.user_id,
            SignInSession.authenticated_at,
            SignInSession.created_at,
            SignInSession.revoked_at,
        ).where(SignInSession.id == actor.session_id)
    ).first()
    if row is None or row.user_id != actor.user_id or row.revoked_at is not None:
        return True
    entered_at = row.authenticated_at or row.created_at
    return clock.now() - entered_at > RECENT_SIGN_IN


def require_recent_sign_in(db: Session, actor: Actor) -> None:
    """Refuse with ReauthenticationRequired (the page then asks for the password)."""
    if needs_reauthentication(db, actor):
        raise ReauthenticationRequired()


def reauthenticate(db: Session, actor: Actor, password: str) -> None:
    """Check the actor's password again and mark their session as freshly signed in.

    A wrong password counts toward the same per-address lockout as sign-in, so this cannot
    be used to guess passwords faster than the sign-in form allows.
    """
    if actor.session_id is None:
        raise AuthenticationError(auth.SESSION_ENDED)
    live = auth.actor_for_session(db, actor.session_id)  # raises when the session ended
    user = db.get(User, actor.user_id)
    if live.user_id != actor.user_id or user is None:
        raise AuthenticationError(auth.SESSION_ENDED)
    client = sign_in_throttle.session_client(actor.session_id)
    ok = (
        isinstance(password, str)
        and 0 < len(password) <= MAX_PASSWORD_LENGTH
        and verify_password(user.password_hash, password)
    )
    begin_write(db)
    refused = sign_in_throttle.refusal(db, user.email, client)
    if refused is not None:
        db.rollback()
        raise AuthenticationError(refused)
    if not ok:
        sign_in_throttle.count_failure(db, user.email, client)
        raise AuthenticationError(REAUTH_REFUSED)
    sign_in_throttle.forget_client(db, user.email, client)
    db.execute(
        update(SignInSession)
        .where(SignInSession.id == actor.session_id)
        .values(authenticated_at=clock.now())
    )
    audit.record(db, actor, "auth.reauthenticated", entity="session", entity_id=actor.session_id)
    db.commit()
