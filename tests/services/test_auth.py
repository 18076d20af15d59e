"""Sign-in, sessions, timeouts, throttling and password changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import GuardianAccess, Role, SignInSession, SignInThrottle
from services.accounts import auth, sign_in_throttle
from services.accounts.passwords import (
    UNUSABLE_CHARACTERS,
    check_new_password,
    check_password_rules,
)
from services.kernel import clock
from services.kernel.errors import AuthenticationError, ValidationError
from services.kernel.secrets_util import token_hash
from tests import factories as f


def _signed_in(db: Session, email: str) -> int:
    result = auth.sign_in(db, email, f.PASSWORD)
    assert auth.exchange_grant(db, result.grant) is not None
    return result.session_id


def test_password_hash_uses_argon2id_with_the_documented_parameters(db: Session) -> None:
    _, _, account = f.family(db)
    # OWASP's configuration (docs/decisions.md, "Passwords")
    params = extract_parameters(account.password_hash)
    assert (params.type, params.memory_cost, params.time_cost) == (Type.ID, 19 * 1024, 2)
    assert account.password_hash.startswith("$argon2id$")


def test_a_hash_made_with_the_earlier_parameters_is_redone_at_sign_in(db: Session) -> None:
    """Accounts hashed with RFC 9106's 64 MiB / 3 passes (before issue 17) still sign in, and
    their hash moves to the current parameters."""
    _, _, account = f.family(db, email="old@example.com")
    older = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1, type=Type.ID)
    account.password_hash = older.hash(f.PASSWORD)
    db.commit()
    auth.sign_in(db, "old@example.com", f.PASSWORD)
    db.refresh(account)
    params = extract_parameters(account.password_hash)
    assert (params.memory_cost, params.time_cost) == (19 * 1024, 2)


def test_sign_in_opens_a_session_that_builds_the_actor(db: Session) -> None:
    fam, guardian, _account = f.family(db, email="Parent@Example.com")
    db.commit()
    result = auth.sign_in(db, "  PARENT@example.com ", f.PASSWORD)
    actor = auth.actor_for_session(db, result.session_id)
    assert (actor.role, actor.family_id, actor.guardian_id) == (Role.GUARDIAN, fam.id, guardian.id)
    assert actor.is_primary and actor.may_pay
    row = db.get(SignInSession, result.session_id)
    assert row.grant_hash and row.token_hash is None
    assert result.grant not in (row.grant_hash,)  # only the hash is stored


def test_grant_is_traded_for_a_cookie_token_once(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    result = auth.sign_in(db, "p@example.com", f.PASSWORD)
    token = auth.exchange_grant(db, result.grant)
    assert token and auth.exchange_grant(db, result.grant) is None
    assert auth.session_id_for_token(db, token) == result.session_id
    row = db.get(SignInSession, result.session_id)
    assert row.token_hash != token and row.grant_hash is None


def test_grant_expires(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    result = auth.sign_in(db, "p@example.com", f.PASSWORD)
    clock.advance(auth.GRANT_LIFETIME + timedelta(seconds=1))
    assert auth.exchange_grant(db, result.grant) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-token"])
def test_unknown_or_malformed_cookie_opens_nothing(db: Session, token: str | None) -> None:
    assert auth.session_id_for_token(db, token) is None
    assert auth.exchange_grant(db, token or "") is None


def test_wrong_password_and_unknown_email_get_the_same_message(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    messages = []
    for email, password in [
        ("p@example.com", "wrong-password"),
        ("nobody@example.com", "x"),
        ("", ""),
        ("p@example.com", ""),
    ]:
        with pytest.raises(AuthenticationError) as err:
            auth.sign_in(db, email, password)
        messages.append(err.value.message)
    assert set(messages) == {auth.SIGN_IN_FAILED}
    assert db.scalar(select(func.count()).select_from(SignInSession)) == 0


@pytest.mark.parametrize("email", ["p@example.com", "nobody@example.com"])
def test_repeated_failures_lock_the_address_then_the_lock_expires(db: Session, email: str) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, email, "wrong-password")
    # Locked: even the right password is refused, for known and unknown addresses alike.
    with pytest.raises(AuthenticationError, match="Too many"):
        auth.sign_in(db, email, f.PASSWORD)
    clock.advance(auth.LOCKOUT_DURATION + timedelta(seconds=1))
    if email == "p@example.com":
        assert auth.sign_in(db, email, f.PASSWORD).session_id
    else:
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, email, f.PASSWORD)


def test_success_resets_the_failure_count(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    for _ in range(auth.LOCKOUT_AFTER_FAILURES - 1):
        with pytest.raises(AuthenticationError):
            auth.sign_in(db, "p@example.com", "wrong-password")
    auth.sign_in(db, "p@example.com", f.PASSWORD)
    for _ in range(auth.LOCKOUT_AFTER_FAILURES - 1):
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, "p@example.com", "wrong-password")


@pytest.mark.parametrize(
    "access", [GuardianAccess.INVITE_SENT, GuardianAccess.INVITE_REVOKED, GuardianAccess.NO_LOGIN]
)
def test_guardians_without_log_in_access_cannot_sign_in(db: Session, access) -> None:
    f.family(db, email="g@example.com", access=access)
    db.commit()
    with pytest.raises(AuthenticationError, match="do not match"):
        auth.sign_in(db, "g@example.com", f.PASSWORD)


def test_idle_timeout(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    session_id = _signed_in(db, "p@example.com")
    clock.advance(auth.IDLE_TIMEOUT - timedelta(minutes=1))
    auth.actor_for_session(db, session_id)  # activity refreshes the idle timer
    clock.advance(auth.IDLE_TIMEOUT - timedelta(minutes=1))
    assert auth.actor_for_session(db, session_id).session_id == session_id
    clock.advance(auth.IDLE_TIMEOUT)
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, session_id)


def test_absolute_timeout_even_with_activity(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    result = auth.sign_in(db, "p@example.com", f.PASSWORD)
    token = auth.exchange_grant(db, result.grant)
    elapsed = timedelta()
    while elapsed < auth.ABSOLUTE_TIMEOUT - timedelta(minutes=20):
        clock.advance(timedelta(minutes=20))
        elapsed += timedelta(minutes=20)
        auth.actor_for_session(db, result.session_id)
    clock.advance(timedelta(minutes=21))
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, result.session_id)
    assert auth.session_id_for_token(db, token) is None


def test_sign_out_revokes_the_session_and_its_cookie(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    result = auth.sign_in(db, "p@example.com", f.PASSWORD)
    token = auth.exchange_grant(db, result.grant)
    auth.sign_out(db, result.session_id)
    assert auth.session_id_for_token(db, token) is None
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, result.session_id)


def test_password_change_ends_other_sessions_only(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    phone = _signed_in(db, "p@example.com")
    laptop = _signed_in(db, "p@example.com")
    actor = auth.actor_for_session(db, laptop)
    auth.change_password(db, actor, f.PASSWORD, "a-much-better-secret", "a-much-better-secret")
    assert auth.actor_for_session(db, laptop).user_id == actor.user_id
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, phone)
    auth.sign_out(db, laptop)
    assert auth.sign_in(db, "p@example.com", "a-much-better-secret").session_id
    with pytest.raises(AuthenticationError):
        auth.sign_in(db, "p@example.com", f.PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong", "a-much-better-secret", "a-much-better-secret", "current password"),
        (f.PASSWORD, "a-much-better-secret", "a-much-better-secreT", "do not match"),
        (f.PASSWORD, "short", "short", "at least 8"),
        (f.PASSWORD, "x" * 129, "x" * 129, "at most 128"),
        (f.PASSWORD, "password123", "password123", "too common"),
    ],
)
def test_bad_password_changes_change_nothing(db, current, new, confirm, message) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    session_id = _signed_in(db, "p@example.com")
    actor = auth.actor_for_session(db, session_id)
    with pytest.raises(ValidationError, match=message):
        auth.change_password(db, actor, current, new, confirm)
    auth.sign_out(db, session_id)
    assert auth.sign_in(db, "p@example.com", f.PASSWORD).session_id


def test_guessing_the_current_password_counts_toward_the_lockout(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    actor = auth.actor_for_session(db, _signed_in(db, "p@example.com"))
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        with pytest.raises(ValidationError, match="current password is not correct"):
            auth.change_password(db, actor, "guess", "a-much-better-secret", "a-much-better-secret")
    # Locked now for this session: even the right current password is refused. The lock is
    # the session's own (a stolen session cannot lock the parent's browsers out), and the
    # guesses count toward the address's ceiling (issue 13, item 12).
    with pytest.raises(ValidationError, match="Too many failed"):
        auth.change_password(db, actor, f.PASSWORD, "a-much-better-secret", "a-much-better-secret")
    assert auth.sign_in(db, "p@example.com", f.PASSWORD).session_id
    ceiling = db.get(SignInThrottle, token_hash("p@example.com"))
    assert ceiling is not None and ceiling.failed_attempts == auth.LOCKOUT_AFTER_FAILURES


def test_long_passphrases_are_allowed() -> None:
    check_password_rules("correct horse battery staple " * 2 + "and more words here")  # 77 chars


def test_staff_actor_carries_its_locations(db: Session) -> None:
    north, south = f.location(db, "North"), f.location(db, "South")
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "owner@example.com", [north, south], role=Role.ADMIN)
    f.portal_settings(db, require_two_factor_for_staff=False)  # password alone, as the demo
    db.commit()
    desk = auth.actor_for_session(db, _signed_in(db, "desk@example.com"))
    owner = auth.actor_for_session(db, _signed_in(db, "owner@example.com"))
    assert desk.location_ids == {north.id} and desk.is_staff and not desk.is_admin
    assert owner.location_ids == {north.id, south.id} and owner.is_admin
    assert desk.family_id is None


def test_secondary_guardian_may_pay_only_when_granted(db: Session) -> None:
    fam, _, _ = f.family(db, email="p@example.com")
    second = f.user(db, "s@example.com")
    db.add(
        f.Guardian(
            family_id=fam.id,
            first_name="Sam",
            last_name="Rivera",
            is_primary=False,
            may_pay=False,
            access=GuardianAccess.CAN_LOG_IN,
            user_id=second.id,
            created_at=clock.now(),
        )
    )
    db.commit()
    actor = auth.actor_for_session(db, _signed_in(db, "s@example.com"))
    assert actor.family_id == fam.id and not actor.is_primary and not actor.may_pay


def test_deactivated_account_loses_its_sessions(db: Session) -> None:
    _, _, account = f.family(db, email="p@example.com")
    db.commit()
    session_id = _signed_in(db, "p@example.com")
    account.is_active = False
    db.commit()
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, session_id)


# The lockout is per address and client, with a per-address ceiling (issue 13, item 12)

ATTACKER, PARENT = "203.0.113.9", "198.51.100.7"


@pytest.mark.parametrize("email", ["p@example.com", "nobody@example.com"])
def test_a_locked_client_does_not_lock_the_parent_out(db: Session, email: str) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, email, "wrong-password", client=ATTACKER)
    with pytest.raises(AuthenticationError) as locked:
        auth.sign_in(db, email, f.PASSWORD, client=ATTACKER)
    assert locked.value.message == auth.SIGN_IN_LOCKED
    if email == "p@example.com":
        assert auth.sign_in(db, email, f.PASSWORD, client=PARENT).session_id
    else:
        with pytest.raises(AuthenticationError) as refused:
            auth.sign_in(db, email, f.PASSWORD, client=PARENT)
        assert refused.value.message == auth.SIGN_IN_FAILED


@pytest.mark.parametrize("email", ["p@example.com", "nobody@example.com"])
def test_failures_from_many_clients_pause_the_address_until_the_window_ends(
    db: Session, email: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sign_in_throttle, "ACCOUNT_FAILURE_LIMIT", 8)  # 50 in production
    f.family(db, email="p@example.com")
    db.commit()
    for n in range(8):  # one guess from each of 8 addresses: no client reaches its own lock
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, email, "wrong-password", client=f"203.0.113.{n}")
    with pytest.raises(AuthenticationError) as paused:
        auth.sign_in(db, email, f.PASSWORD, client=PARENT)
    assert paused.value.message == sign_in_throttle.ACCOUNT_PAUSED  # known or not alike
    clock.advance(sign_in_throttle.ACCOUNT_WINDOW)
    if email == "p@example.com":
        assert auth.sign_in(db, email, f.PASSWORD, client=PARENT).session_id
    else:
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, email, f.PASSWORD, client=PARENT)


def test_the_ceiling_counts_failures_within_one_window(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sign_in_throttle, "ACCOUNT_FAILURE_LIMIT", 4)
    f.family(db, email="p@example.com")
    db.commit()
    for n in range(3):
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, "p@example.com", "wrong-password", client=f"c{n}")
    clock.advance(sign_in_throttle.ACCOUNT_WINDOW)  # a new window: the count starts again
    for n in range(3):
        with pytest.raises(AuthenticationError, match="do not match"):
            auth.sign_in(db, "p@example.com", "wrong-password", client=f"d{n}")
    assert auth.sign_in(db, "p@example.com", f.PASSWORD, client=PARENT).session_id
    row = db.get(SignInThrottle, token_hash("p@example.com"))
    assert row is not None and row.failed_attempts == 3


# Values that are not text never crash (issue 13, item 22)

NOT_TEXT = [None, 12345678, ["a-much-better-secret"], b"a-much-better-secret"]
BAD_TEXT = ["bad\udc80password", "nul\x00password"]


@pytest.mark.parametrize("value", NOT_TEXT + BAD_TEXT)
def test_sign_in_refuses_values_that_are_not_text_like_a_wrong_password(
    db: Session, value: object
) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    for email, password in [("p@example.com", value), (value, f.PASSWORD)]:
        with pytest.raises(AuthenticationError) as refused:
            auth.sign_in(db, email, password, client=value)  # type: ignore[arg-type]
        assert refused.value.message == auth.SIGN_IN_FAILED


@pytest.mark.parametrize("value", NOT_TEXT + BAD_TEXT)
def test_change_password_refuses_values_that_are_not_text_readably(
    db: Session, value: object
) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    actor = auth.actor_for_session(db, _signed_in(db, "p@example.com"))
    with pytest.raises(ValidationError, match="current password is not correct"):
        auth.change_password(db, actor, value, "a-much-better-secret", "a-much-better-secret")
    with pytest.raises(ValidationError) as refused:
        auth.change_password(db, actor, f.PASSWORD, value, value)
    expected = UNUSABLE_CHARACTERS if value in BAD_TEXT else "Enter a password."
    assert refused.value.message == expected


@pytest.mark.parametrize("value", NOT_TEXT + BAD_TEXT)
def test_a_password_chosen_from_a_link_refuses_values_that_are_not_text(value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        check_new_password(value, value, email="p@example.com")
    assert refused.value.message in (UNUSABLE_CHARACTERS, "Enter a password.")
