"""Password resets: the same answer for unknown addresses, 60-minute single-use links, every
session ending, and the primary guardian sending a link to a secondary guardian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Family,
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OutboxMessage,
    Role,
    SignInThrottle,
    User,
)
from services.accounts import auth
from services.accounts.invitations import revoke_invitation
from services.accounts.password_reset import (
    RESEND_AFTER,
    RESET_VALID,
    request_password_reset,
    reset_password,
    reset_token_valid,
    send_password_reset_for_guardian,
)
from services.families.guardians import add_guardian
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, AuthenticationError, NotFound, ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER
from services.kernel.secrets_util import token_hash
from services.messages.link_mail import NothingToSend
from tests import factories as f
from tests.support.links import sent_token
from tests.support.queries import count_queries

BASE = "https://portal.example.com"
NEW_PASSWORD = "cartwheels-on-the-beam"
INVALID = "This password reset link is no longer valid"


def _token(db: Session, to: str) -> str:
    return sent_token(db, to, "password_reset", BASE)


def _counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (OneTimeToken, OutboxMessage, AuditEntry)
    )


def _parent(db: Session, email: str = "p@example.com") -> User:
    _, _, account = f.family(db, email=email)
    db.commit()
    return account


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "not-an-e-mail",
        "x" * 300 + "@example.com",
        "a b@example.com",
        None,
        42,
        "p\udc80@example.com",
        "p\x00@example.com",
    ],
)
def test_malformed_addresses_get_the_same_answer_and_nothing_is_queued(
    db: Session, email: object
) -> None:
    _parent(db)
    assert request_password_reset(db, email, base_url=BASE) is None  # type: ignore[arg-type]
    assert _counts(db) == (0, 0, 0)


def _reset_request_work(db: Session, engine: Engine, email: str) -> tuple[list[str], tuple]:
    """The SQL statements (without their values) and the rows a reset request writes."""
    db.commit()
    before = _counts(db)
    db.commit()
    with count_queries(engine) as statements:
        request_password_reset(db, email, base_url=BASE)
    written = tuple(after - then for after, then in zip(_counts(db), before, strict=True))
    return statements, written


def test_known_and_unknown_addresses_make_the_same_writes_and_calls(
    db: Session, engine: Engine
) -> None:
    """Issue 13, item 11: the request does not look the account up, so its work (and so its
    timing) is the same for an address with an account and one without."""
    _parent(db)
    known = _reset_request_work(db, engine, "p@example.com")
    unknown = _reset_request_work(db, engine, "nobody@example.com")
    assert known == unknown
    assert known[1] == (0, 1, 0)  # one queued e-mail; no token, no audit entry yet
    assert not any("users" in statement for statement in known[0])
    messages = list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [m.to_address for m in messages] == ["p@example.com", "nobody@example.com"]
    assert all(LINK_PLACEHOLDER in m.body_text for m in messages)


def test_the_sender_sends_nothing_for_an_address_without_an_account(db: Session) -> None:
    request_password_reset(db, "nobody@example.com", base_url=BASE)
    with pytest.raises(NothingToSend, match="No account signs in with this address"):
        _token(db, "nobody@example.com")
    assert _counts(db)[0] == 0


def test_a_reset_link_sets_the_password_and_ends_every_session(db: Session) -> None:
    account = _parent(db, "P@Example.com")
    sessions = [auth.sign_in(db, "p@example.com", f.PASSWORD).session_id for _ in range(2)]
    request_password_reset(db, "  P@EXAMPLE.COM ", base_url=BASE)
    message = db.scalars(select(OutboxMessage)).one()
    assert (message.to_address, message.subject) == (
        "p@example.com",
        "Reset your Cartwheel Gym password",
    )
    assert "expires in 60 minutes" in message.body_text
    token = _token(db, "p@example.com")
    row = db.scalars(select(OneTimeToken)).one()
    assert row.token_hash == token_hash(token) and row.user_id == account.id
    assert row.expires_at == clock.now() + RESET_VALID == clock.now() + timedelta(minutes=60)
    assert reset_token_valid(db, token)
    reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)
    for session_id in sessions:
        with pytest.raises(AuthenticationError, match="session has ended"):
            auth.actor_for_session(db, session_id)
    with pytest.raises(AuthenticationError):
        auth.sign_in(db, "p@example.com", f.PASSWORD)
    auth.sign_in(db, "p@example.com", NEW_PASSWORD)
    actions = list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert "auth.password_reset_requested" in actions and "auth.password_reset" in actions
    # Single use.
    assert not reset_token_valid(db, token)
    with pytest.raises(ValidationError, match=INVALID):
        reset_password(db, token, "another-good-password", "another-good-password")


def test_the_link_expires_after_60_minutes(db: Session) -> None:
    _parent(db)
    request_password_reset(db, "p@example.com", base_url=BASE)
    token = _token(db, "p@example.com")
    clock.advance(RESET_VALID - timedelta(seconds=1))
    assert reset_token_valid(db, token)
    clock.advance(timedelta(seconds=1))
    assert not reset_token_valid(db, token)
    with pytest.raises(ValidationError, match=INVALID):
        reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)
    auth.sign_in(db, "p@example.com", f.PASSWORD)  # the old password still works


def test_a_second_request_soon_after_sends_nothing_later_a_new_link_replaces_the_old(
    db: Session,
) -> None:
    _parent(db)
    request_password_reset(db, "p@example.com", base_url=BASE)
    first = _token(db, "p@example.com")
    request_password_reset(db, "p@example.com", base_url=BASE)
    assert _counts(db)[:2] == (1, 1)
    clock.advance(RESEND_AFTER + timedelta(seconds=1))
    request_password_reset(db, "p@example.com", base_url=BASE)
    second = _token(db, "p@example.com")
    assert second != first and _counts(db)[:2] == (2, 2)
    assert not reset_token_valid(db, first) and reset_token_valid(db, second)


@pytest.mark.parametrize(
    "access", [GuardianAccess.NO_LOGIN, GuardianAccess.INVITE_SENT, GuardianAccess.INVITE_REVOKED]
)
def test_guardians_who_cannot_sign_in_get_no_e_mail(db: Session, access: GuardianAccess) -> None:
    f.family(db, email="g@example.com", access=access)
    db.commit()
    request_password_reset(db, "g@example.com", base_url=BASE)
    with pytest.raises(NothingToSend):
        _token(db, "g@example.com")
    assert _counts(db) == (0, 1, 0)


def test_deactivated_accounts_get_no_e_mail_and_their_links_stop_working(db: Session) -> None:
    account = _parent(db)
    request_password_reset(db, "p@example.com", base_url=BASE)
    token = _token(db, "p@example.com")
    account.is_active = False
    db.commit()
    assert not reset_token_valid(db, token)
    with pytest.raises(ValidationError, match=INVALID):
        reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)
    clock.advance(RESEND_AFTER + timedelta(seconds=1))
    request_password_reset(db, "p@example.com", base_url=BASE)
    with pytest.raises(NothingToSend):
        _token(db, "p@example.com")
    assert _counts(db)[:2] == (1, 2)


def test_staff_reset_the_same_way(db: Session) -> None:
    loc = f.location(db)
    f.staff(db, "desk@example.com", [loc])
    db.commit()
    request_password_reset(db, "desk@example.com", base_url=BASE)
    reset_password(db, _token(db, "desk@example.com"), NEW_PASSWORD, NEW_PASSWORD)
    assert auth.sign_in(db, "desk@example.com", NEW_PASSWORD)


def test_a_reset_lifts_a_sign_in_lockout(db: Session) -> None:
    _parent(db)
    for _ in range(auth.LOCKOUT_AFTER_FAILURES):
        with pytest.raises(AuthenticationError):
            auth.sign_in(db, "p@example.com", "wrong-password")
    request_password_reset(db, "p@example.com", base_url=BASE)
    reset_password(db, _token(db, "p@example.com"), NEW_PASSWORD, NEW_PASSWORD)
    assert db.scalar(select(func.count()).select_from(SignInThrottle)) == 0  # every client's
    auth.sign_in(db, "p@example.com", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short1", "short1", "at least 8"),
        ("qwerty123", "qwerty123", "too common"),
        ("p@example.com", "p@example.com", "e-mail address"),
        (NEW_PASSWORD, "something-else-entirely", "do not match"),
        ("", "", "Enter a password"),
    ],
)
def test_password_rules_refuse_and_keep_the_link(
    db: Session, password: str, confirm: str, message: str
) -> None:
    account = _parent(db)
    request_password_reset(db, "p@example.com", base_url=BASE)
    token = _token(db, "p@example.com")
    before = (_counts(db), account.password_hash)
    with pytest.raises(ValidationError, match=message):
        reset_password(db, token, password, confirm)
    assert (_counts(db), db.get(User, account.id).password_hash) == before
    assert reset_token_valid(db, token)


@pytest.mark.parametrize("token", [None, "", "nope", "x" * 500])
def test_malformed_links(db: Session, token: object) -> None:
    assert not reset_token_valid(db, token)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=INVALID):
        reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)  # type: ignore[arg-type]


def test_an_invitation_link_is_not_a_reset_link(db: Session) -> None:
    _, _, account = f.family(db)
    primary = f.signed_in(db, account)
    add_guardian(
        db,
        primary,
        first_name="Sam",
        last_name="Rivera",
        email="sam@example.com",
        invite=True,
        base_url=BASE,
    )
    invitation = sent_token(db, "sam@example.com", "invitation", BASE)
    assert not reset_token_valid(db, invitation)


def _family_with_sam(db: Session) -> tuple[Family, Actor, Guardian]:
    """Rivera family: a signed-in primary guardian and Sam, a secondary who can sign in."""
    fam, _, account = f.family(db)
    primary = f.signed_in(db, account)
    secondary = f.second_guardian(db, fam, "sam@example.com")
    db.commit()
    return fam, primary, db.get(Guardian, secondary.guardian_id)


def test_the_primary_guardian_sends_a_secondary_a_reset_link(db: Session) -> None:
    fam, primary, sam = _family_with_sam(db)
    send_password_reset_for_guardian(db, primary, sam.id, base_url=BASE)
    token = _token(db, "sam@example.com")
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.password_reset_sent")
    ).one()
    assert (entry.family_id, entry.actor_user_id) == (fam.id, primary.user_id)
    reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert auth.sign_in(db, "sam@example.com", NEW_PASSWORD)


def test_revoking_the_guardian_kills_a_reset_link_already_sent(db: Session) -> None:
    _, primary, sam = _family_with_sam(db)
    send_password_reset_for_guardian(db, primary, sam.id, base_url=BASE)
    token = _token(db, "sam@example.com")
    revoke_invitation(db, primary, sam.id)
    assert not reset_token_valid(db, token)
    with pytest.raises(ValidationError, match=INVALID):
        reset_password(db, token, NEW_PASSWORD, NEW_PASSWORD)
    with pytest.raises(ValidationError, match="Sam cannot sign in"):
        send_password_reset_for_guardian(db, primary, sam.id, base_url=BASE)


def test_only_the_primary_guardian_sends_a_reset_for_a_guardian_of_the_family(
    db: Session,
) -> None:
    _, primary, sam = _family_with_sam(db)
    secondary = auth.build_actor(db, db.get(User, sam.user_id))
    _, _, other_account = f.family(db, "Okafor")
    other_primary = f.guardian_actor(db, other_account)
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    invited = add_guardian(
        db,
        primary,
        first_name="Jo",
        last_name="Rivera",
        email="jo@example.com",
        invite=True,
        base_url=BASE,
    )
    db.commit()
    before = _counts(db)
    for actor in (secondary, desk, admin):
        with pytest.raises(AccessDenied):
            send_password_reset_for_guardian(db, actor, sam.id, base_url=BASE)
    with pytest.raises(NotFound, match="That guardian was not found"):
        send_password_reset_for_guardian(db, other_primary, sam.id, base_url=BASE)
    with pytest.raises(ValidationError, match="primary guardian signs in"):
        send_password_reset_for_guardian(db, primary, primary.guardian_id, base_url=BASE)
    with pytest.raises(ValidationError, match="Jo cannot sign in"):
        send_password_reset_for_guardian(db, primary, invited.id, base_url=BASE)
    with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
        send_password_reset_for_guardian(db, primary, sam.id, base_url="not a url")
    assert _counts(db) == before


def test_a_bad_public_address_is_refused_alike_for_every_e_mail(db: Session) -> None:
    _parent(db)
    for email in ("p@example.com", "nobody@example.com"):
        with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
            request_password_reset(db, email, base_url="portal.example.com")
    assert _counts(db) == (0, 0, 0)
