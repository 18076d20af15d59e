"""Sensitive changes need a recent sign-in: the window, re-entering the password, lockout."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, Role, SignInSession, SignInThrottle
from services.accounts import auth
from services.accounts.reauth import (
    RECENT_SIGN_IN,
    needs_reauthentication,
    reauthenticate,
    require_recent_sign_in,
)
from services.kernel import clock
from services.kernel.errors import AuthenticationError, ReauthenticationRequired
from services.kernel.secrets_util import token_hash
from tests import factories as f


def test_a_fresh_sign_in_is_recent_for_ten_minutes(db: Session) -> None:
    _, _, account = f.family(db)
    actor = f.signed_in(db, account)
    assert timedelta(minutes=10) == RECENT_SIGN_IN
    assert not needs_reauthentication(db, actor)
    clock.advance(RECENT_SIGN_IN)
    require_recent_sign_in(db, actor)  # exactly ten minutes still counts
    clock.advance(timedelta(seconds=1))
    assert needs_reauthentication(db, actor)
    with pytest.raises(ReauthenticationRequired, match="enter your password again"):
        require_recent_sign_in(db, actor)


def test_reauthenticate_restarts_the_window_and_is_audited(db: Session) -> None:
    _, _, account = f.family(db)
    actor = f.signed_in(db, account)
    clock.advance(timedelta(minutes=25))
    assert needs_reauthentication(db, actor)
    reauthenticate(db, actor, f.PASSWORD)
    assert not needs_reauthentication(db, actor)
    assert db.get(SignInSession, actor.session_id).authenticated_at == clock.now()
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.actor_user_id == account.id))
    assert "auth.reauthenticated" in list(actions)
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    assert needs_reauthentication(db, actor)


def test_sessions_from_before_the_column_count_from_their_creation(db: Session) -> None:
    _, _, account = f.family(db)
    actor = f.signed_in(db, account)
    db.get(SignInSession, actor.session_id).authenticated_at = None
    db.commit()
    assert not needs_reauthentication(db, actor)
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    assert needs_reauthentication(db, actor)


def test_wrong_password_is_refused_changes_nothing_and_counts_toward_lockout(db: Session) -> None:
    _, _, account = f.family(db, email="p@example.com")
    actor = f.signed_in(db, account)
    clock.advance(timedelta(minutes=20))
    for bad in ["wrong-password", "", "x" * 500]:
        with pytest.raises(AuthenticationError, match="password is not correct"):
            reauthenticate(db, actor, bad)
    assert needs_reauthentication(db, actor)
    throttle = db.get(SignInThrottle, token_hash("p@example.com"))
    assert throttle.failed_attempts == 3
    for _ in range(auth.LOCKOUT_AFTER_FAILURES - 3):
        with pytest.raises(AuthenticationError):
            reauthenticate(db, actor, "wrong-password")
    with pytest.raises(AuthenticationError, match="Too many failed"):
        reauthenticate(db, actor, f.PASSWORD)  # locked: even the right password waits
    # The lock is this session's own: the parent can still sign in elsewhere (issue 13,
    # item 12); the guesses count toward the address's ceiling.
    assert auth.sign_in(db, "p@example.com", f.PASSWORD).session_id
    clock.advance(auth.LOCKOUT_DURATION)
    reauthenticate(db, actor, f.PASSWORD)
    throttle = db.get(SignInThrottle, token_hash("p@example.com"), populate_existing=True)
    assert throttle.failed_attempts == auth.LOCKOUT_AFTER_FAILURES


def test_an_actor_without_a_live_session_of_their_own_must_sign_in(db: Session) -> None:
    _, _, account = f.family(db)
    _, _, other_account = f.family(db, "Okafor")
    other = f.signed_in(db, other_account)
    sessionless = f.guardian_actor(db, account)
    assert needs_reauthentication(db, sessionless)
    with pytest.raises(AuthenticationError, match="session has ended"):
        reauthenticate(db, sessionless, f.PASSWORD)
    # An actor naming someone else's session gets nothing from it.
    signed_in_at = clock.now()
    clock.advance(timedelta(minutes=1))
    forged = replace(sessionless, session_id=other.session_id)
    assert needs_reauthentication(db, forged)
    with pytest.raises(AuthenticationError, match="session has ended"):
        reauthenticate(db, forged, f.PASSWORD)
    assert db.get(SignInSession, other.session_id).authenticated_at == signed_in_at


def test_a_signed_out_session_cannot_be_refreshed(db: Session) -> None:
    _, _, account = f.family(db)
    actor = f.signed_in(db, account)
    auth.sign_out(db, actor.session_id)
    assert needs_reauthentication(db, actor)
    with pytest.raises(AuthenticationError, match="session has ended"):
        reauthenticate(db, actor, f.PASSWORD)


def test_staff_reauthenticate_the_same_way(db: Session) -> None:
    loc = f.location(db)
    f.staff(db, "desk@example.com", [loc], Role.STAFF)
    f.portal_settings(db, require_two_factor_for_staff=False)  # password alone, as the demo
    account = db.scalar(select(f.User).where(f.User.email == "desk@example.com"))
    actor = f.signed_in(db, account)
    clock.advance(timedelta(minutes=29))  # past the window, inside the idle timeout
    assert needs_reauthentication(db, actor)
    reauthenticate(db, actor, f.PASSWORD)
    assert not needs_reauthentication(db, actor)
