"""Sign-in, sessions and the Actor.

Flow: the sign-in form calls `sign_in`, which checks the password and creates a session row
holding only hashes. The browser then trades the one-time grant for the session cookie at
`/auth/session` (routes/auth.py → `exchange_grant`). Each script run rebuilds the Actor from
the session (`actor_for_session`), so idle and absolute timeouts, sign-out and revocation
take effect at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import Guardian, GuardianAccess, Role, SignInSession, User
from data.models.accounts import staff_locations
from data.password_hashing import hash_password
from services.accounts import second_factor, sign_in_throttle
from services.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    check_password_rules,
    needs_rehash,
    text_or_empty,
    verify_password,
)
from services.accounts.second_factor import SecondStep
from services.accounts.sign_in_throttle import (  # noqa: F401  (re-exported for callers and tests)
    LOCKOUT_AFTER_FAILURES,
    LOCKOUT_DURATION,
    SIGN_IN_LOCKED,
)
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import AuthenticationError, ValidationError
from services.kernel.secrets_util import new_token, token_hash

log = logging.getLogger(__name__)

SESSION_COOKIE = "cartwheel_session"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
GRANT_LIFETIME = timedelta(minutes=2)
LAST_SEEN_RESOLUTION = timedelta(minutes=1)  # write last_seen_at at most once a minute

SIGN_IN_FAILED = "That e-mail and password do not match an account."
SESSION_ENDED = "Your session has ended. Please sign in again."


@dataclass(frozen=True)
class SignInResult:
    session_id: int
    grant: str  # single use; the browser trades it for the session cookie


def normalise_email(email: str) -> str:
    return email.strip().lower()


def sign_in(
    db: Session, email: object, password: object, *, user_agent: str = "", client: str = ""
) -> SignInResult | SecondStep:
    """Check the password and open a session, or answer `SecondStep` when the user must
    still confirm with a second factor (services.accounts.second_factor). The same message
    for unknown e-mail and wrong password; repeated failures lock the address for this
    client (`client`: the browser's network address), and many from everywhere pause it
    (services.accounts.sign_in_throttle)."""
    address, typed, client = (
        normalise_email(text_or_empty(email)),
        text_or_empty(password),
        text_or_empty(client),
    )
    if not address or not typed or len(address) > 254 or len(typed) > MAX_PASSWORD_LENGTH:
        verify_password(None, "")
        raise AuthenticationError(SIGN_IN_FAILED)
    begin_write(db)
    refused = sign_in_throttle.refusal(db, address, client)
    if refused is not None:
        db.rollback()
        raise AuthenticationError(refused)
    user = db.scalar(select(User).where(User.email == address))
    ok = verify_password(user.password_hash if user else None, typed)
    if not ok or user is None or not user.is_active or not _may_sign_in(db, user):
        sign_in_throttle.count_failure(db, address, client)
        raise AuthenticationError(SIGN_IN_FAILED)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(typed)
    if second_factor.required(db, user):
        # The client's failure count stays until the code is right too: a known password
        # must not reset the count of wrong codes.
        db.commit()
        return second_factor.second_step(user)
    sign_in_throttle.forget_client(db, address, client)
    return open_session(db, user, user_agent=user_agent)


def open_session(db: Session, user: User, *, user_agent: object = "") -> SignInResult:
    """Open a session for a user whose sign-in is complete, in the caller's write
    transaction, and commit. Only `sign_in` and the second step
    (services.accounts.two_factor) call this."""
    now = clock.now()
    grant = new_token()
    session = SignInSession(
        user_id=user.id,
        grant_hash=token_hash(grant),
        grant_expires_at=now + GRANT_LIFETIME,
        created_at=now,
        authenticated_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_TIMEOUT,
        user_agent=text_or_empty(user_agent)[:300],
    )
    db.add(session)
    db.flush()
    audit.record(db, None, "auth.sign_in", entity="session", entity_id=session.id, user_id=user.id)
    db.commit()
    return SignInResult(session_id=session.id, grant=grant)


def _may_sign_in(db: Session, user: User) -> bool:
    """Guardians sign in only while their access is "Can Log In" (revoked invites cannot)."""
    if user.role is not Role.GUARDIAN:
        return True
    access = db.scalar(select(Guardian.access).where(Guardian.user_id == user.id))
    return access is GuardianAccess.CAN_LOG_IN


def exchange_grant(db: Session, grant: str) -> str | None:
    """Trade a fresh, unused grant for the session's cookie token (once). None if invalid."""
    if not isinstance(grant, str) or not grant or len(grant) > 100:
        return None
    now = clock.now()
    token = new_token()
    result = db.execute(
        update(SignInSession)
        .where(
            SignInSession.grant_hash == token_hash(grant),
            SignInSession.grant_expires_at > now,
            SignInSession.revoked_at.is_(None),
            SignInSession.token_hash.is_(None),
        )
        .values(token_hash=token_hash(token), grant_hash=None, grant_expires_at=None)
    )
    db.commit()
    return token if result.rowcount == 1 else None


def session_id_for_token(db: Session, token: str | None) -> int | None:
    """The session a cookie token belongs to, if it is still valid."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = _session_row(db, _SESSION_BY_TOKEN, token_hash(token))
    if row is None or _session_row_ended(row, clock.now()):
        return None
    return row.session_id


def _session_row(db: Session, which: Select[Any], value: object) -> Row[Any] | None:
    """A session with what decides whether it is live and who it is for, in one query: its
    user and, for a guardian, the guardian row (every script run asks)."""
    return db.execute(which, {"which": value}).first()


_SESSION_ROW = (
    select(
        SignInSession.id.label("session_id"),
        SignInSession.revoked_at,
        SignInSession.expires_at,
        SignInSession.last_seen_at,
        SignInSession.created_at,
        User.id.label("user_id"),
        User.role,
        User.is_active,
        User.sessions_valid_after,
        User.display_name,
        User.email,
        Guardian.id.label("guardian_id"),
        Guardian.family_id,
        Guardian.first_name,
        Guardian.last_name,
        Guardian.is_primary,
        Guardian.may_pay,
        Guardian.access,
    )
    .join(User, User.id == SignInSession.user_id)
    .outerjoin(Guardian, Guardian.user_id == User.id)
)
# Built once: SQLAlchemy reuses their cache keys instead of building the join on every run.
_SESSION_BY_ID = _SESSION_ROW.where(SignInSession.id == bindparam("which"))
_SESSION_BY_TOKEN = _SESSION_ROW.where(SignInSession.token_hash == bindparam("which"))


def _session_row_ended(row: Row[Any], now: datetime) -> bool:
    """Revoked, past its absolute or idle timeout, its user switched off or no longer allowed
    to sign in (a guardian without "Can Log In"), or started before the user's sessions were
    ended (a password change)."""
    if row.revoked_at is not None or now >= row.expires_at:
        return True
    if now - row.last_seen_at >= IDLE_TIMEOUT or not row.is_active:
        return True
    if row.role is Role.GUARDIAN and row.access is not GuardianAccess.CAN_LOG_IN:
        return True  # no guardian row (access None) ends it too
    return row.sessions_valid_after is not None and row.created_at < row.sessions_valid_after


def actor_for_session(db: Session, session_id: int) -> Actor:
    """The Actor for a live session; refreshes the idle timer. Raises when the session ended."""
    now = clock.now()
    row = _session_row(db, _SESSION_BY_ID, session_id)
    if row is None or _session_row_ended(row, now):
        raise AuthenticationError(SESSION_ENDED)
    if row.role is Role.GUARDIAN:
        actor = _guardian_actor(row.user_id, row.guardian_id, row, session_id)
    else:
        actor = _staff_actor(db, row.user_id, row.role, row.display_name or row.email, session_id)
    if now - row.last_seen_at >= LAST_SEEN_RESOLUTION:
        _touch_session(db, session_id, now)
    return actor


def _touch_session(db: Session, session_id: int, now: datetime) -> None:
    """Move the idle timer on, in a write transaction of its own (BEGIN IMMEDIATE on SQLite,
    which waits for the write lock; upgrading the page's read transaction instead fails at
    once with "database is locked" when another session wrote meanwhile). Conditional, so
    concurrent runs of one session write once. A failure only delays the idle timer by a
    run: it is logged and the page goes on."""
    try:
        begin_write(db)
        db.execute(
            update(SignInSession)
            .where(
                SignInSession.id == session_id,
                SignInSession.last_seen_at <= now - LAST_SEEN_RESOLUTION,
            )
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
        db.commit()
    except SQLAlchemyError:
        db.rollback()
        log.warning("could not refresh last_seen_at of session %s", session_id, exc_info=True)


def build_actor(db: Session, user: User, *, session_id: int | None = None) -> Actor:
    if user.role is Role.GUARDIAN:
        guardian = db.scalar(select(Guardian).where(Guardian.user_id == user.id))
        if guardian is None:
            raise AuthenticationError(SESSION_ENDED)
        return _guardian_actor(user.id, guardian.id, guardian, session_id)
    return _staff_actor(db, user.id, user.role, user.display_name or user.email, session_id)


def _guardian_actor(user_id: int, guardian_id: int, guardian: Any, session_id: int | None) -> Actor:
    """`guardian`: the Guardian row, or the session query's row with the same names."""
    return Actor(
        user_id=user_id,
        role=Role.GUARDIAN,
        display_name=f"{guardian.first_name} {guardian.last_name}",
        family_id=guardian.family_id,
        guardian_id=guardian_id,
        is_primary=guardian.is_primary,
        may_pay=guardian.is_primary or guardian.may_pay,
        session_id=session_id,
    )


def _staff_actor(
    db: Session, user_id: int, role: Role, display_name: str, session_id: int | None
) -> Actor:
    location_ids = frozenset(
        db.scalars(
            select(staff_locations.c.location_id).where(staff_locations.c.user_id == user_id)
        )
    )
    return Actor(
        user_id=user_id,
        role=role,
        display_name=display_name,
        location_ids=location_ids,
        session_id=session_id,
    )


def sign_out(db: Session, session_id: int) -> None:
    """End one session now (the cookie, if any, no longer opens it)."""
    db.execute(
        update(SignInSession)
        .where(SignInSession.id == session_id, SignInSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.commit()


def end_all_sessions(db: Session, user_id: int, *, keep_session_id: int | None = None) -> None:
    """Revoke a user's sessions (password change, reset, revoked access). Caller commits."""
    query = update(SignInSession).where(
        SignInSession.user_id == user_id, SignInSession.revoked_at.is_(None)
    )
    if keep_session_id is not None:
        query = query.where(SignInSession.id != keep_session_id)
    db.execute(query.values(revoked_at=clock.now()))


def change_password(
    db: Session,
    actor: Actor,
    current_password: object,
    new_password: object,
    confirm_password: object,
) -> None:
    """Change the actor's own password; every other session of theirs ends. Wrong current
    passwords count toward the lockout for this session and the address's ceiling."""
    begin_write(db)
    user = db.get(User, actor.user_id)
    if user is None:
        db.rollback()
        raise AuthenticationError(SESSION_ENDED)
    client = sign_in_throttle.session_client(actor.session_id)
    refused = sign_in_throttle.refusal(db, user.email, client)
    if refused is not None:
        db.rollback()
        raise ValidationError(refused)
    if not verify_password(user.password_hash, current_password):
        sign_in_throttle.count_failure(db, user.email, client)
        raise ValidationError("The current password is not correct.")
    if new_password != confirm_password:
        db.rollback()
        raise ValidationError("The new passwords do not match.")
    try:
        check_password_rules(new_password, email=user.email)
    except ValidationError:
        db.rollback()
        raise
    assert isinstance(new_password, str)  # check_password_rules refuses anything else
    sign_in_throttle.forget_client(db, user.email, client)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()
    end_all_sessions(db, user.id, keep_session_id=actor.session_id)
    audit.record(db, actor, "auth.password_changed", entity="user", entity_id=user.id)
    db.commit()
