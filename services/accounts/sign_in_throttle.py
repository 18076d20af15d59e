"""Brute-force protection for passwords: two counters per e-mail address, known or not.

- Per address and client (the browser's network address as the server sees it; a signed-in
  session for re-entering or changing a password): `LOCKOUT_AFTER_FAILURES` failures lock
  that client out of that address for `LOCKOUT_DURATION`. Someone typing a parent's address
  with wrong passwords locks only themselves out, not the parent's own phone.
- Per address, from every client together: `ACCOUNT_FAILURE_LIMIT` failures within
  `ACCOUNT_WINDOW` pause sign-in for that address until the window ends. This bounds
  guessing from many addresses (a botnet) at about 50 guesses an hour per account.

The trade-off: the ceiling can still be used to pause a parent's sign-in, but only by
someone who keeps up 50 failures an hour from several addresses, and a password reset
lifts it at once. Rows are kept for unknown addresses too, so the answers never tell which
addresses have accounts. Helpers work in the caller's write transaction; no actor.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import SignInThrottle
from services.kernel import clock
from services.kernel.secrets_util import token_hash

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_DURATION = timedelta(minutes=15)
ACCOUNT_FAILURE_LIMIT = 50
ACCOUNT_WINDOW = timedelta(hours=1)

SIGN_IN_LOCKED = "Too many failed sign-in attempts for this e-mail. Wait 15 minutes and try again."
ACCOUNT_PAUSED = (
    "Too many failed sign-in attempts for this e-mail from several places, so signing in "
    'with it is paused for up to an hour. "Forgot your password?" still works and lifts '
    "the pause."
)


def session_client(session_id: int | None) -> str:
    """The client for a password typed inside a signed-in session (re-entry, change)."""
    return f"session:{session_id}"


def refusal(db: Session, email: str, client: str) -> str | None:
    """The message to refuse with while the address is locked for this client, else None."""
    now = clock.now()
    if _locked(db.get(SignInThrottle, _client_key(email, client)), now):
        return SIGN_IN_LOCKED
    if _locked(db.get(SignInThrottle, _account_key(email)), now):
        return ACCOUNT_PAUSED
    return None


def record_failure(db: Session, email: str, client: str) -> None:
    """Count one failed password for the address from this client, and for the address."""
    now = clock.now()
    here = _row(db, _client_key(email, client), email)
    if here.locked_until and here.locked_until <= now:
        here.failed_attempts = 0  # an expired lockout starts a fresh count
        here.locked_until = None
    here.failed_attempts += 1
    here.last_failed_at = now
    if here.failed_attempts >= LOCKOUT_AFTER_FAILURES:
        here.locked_until = now + LOCKOUT_DURATION
    account = _row(db, _account_key(email), email)
    if account.window_started_at is None or now - account.window_started_at >= ACCOUNT_WINDOW:
        account.window_started_at = now
        account.failed_attempts = 0
        account.locked_until = None
    account.failed_attempts += 1
    account.last_failed_at = now
    if account.failed_attempts >= ACCOUNT_FAILURE_LIMIT:
        account.locked_until = account.window_started_at + ACCOUNT_WINDOW


def count_failure(db: Session, email: str, client: str) -> None:
    """`record_failure`, committed. Two first failures racing to create the same row on
    PostgreSQL: the loser's failure goes uncounted rather than failing the page."""
    try:
        record_failure(db, email, client)
        db.commit()
    except IntegrityError:
        db.rollback()


def forget_client(db: Session, email: str, client: str) -> None:
    """A right password from this client clears its count (the address's ceiling stays)."""
    db.execute(
        delete(SignInThrottle).where(SignInThrottle.email_hash == _client_key(email, client))
    )


def lift(db: Session, email: str) -> None:
    """A new password (reset, invitation) lifts every lock on the address."""
    account = _account_key(email)
    db.execute(
        delete(SignInThrottle).where(
            or_(SignInThrottle.email_hash == account, SignInThrottle.account_hash == account)
        )
    )


def _locked(row: SignInThrottle | None, now: datetime) -> bool:
    return row is not None and row.locked_until is not None and row.locked_until > now


def _row(db: Session, key: str, email: str) -> SignInThrottle:
    row = db.get(SignInThrottle, key, with_for_update=True)
    if row is None:
        row = SignInThrottle(email_hash=key, account_hash=_account_key(email), failed_attempts=0)
        db.add(row)
    return row


def _account_key(email: str) -> str:
    return token_hash(email)


def _client_key(email: str, client: str) -> str:
    # NUL never occurs in an accepted address or client, so no client key equals an address's.
    return token_hash(f"client\x00{client}\x00{email}")
