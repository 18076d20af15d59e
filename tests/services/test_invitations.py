"""Invitations: every transition (send, re-send, accept, expire, revoke, accept after revoke),
single use under concurrency, the password rules, and who may do what."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    EmailAddress,
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OutboxMessage,
    Role,
    User,
)
from services.accounts import auth
from services.accounts.invitations import (
    INVITATION_VALID,
    InvitationDetails,
    accept_invitation,
    invitation_details,
    revoke_invitation,
    send_invitation,
)
from services.accounts.reauth import RECENT_SIGN_IN
from services.families.guardians import add_guardian
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import (
    AccessDenied,
    AuthenticationError,
    NotFound,
    ReauthenticationRequired,
    ValidationError,
)
from services.kernel.outbox import LINK_PLACEHOLDER
from services.kernel.secrets_util import token_hash
from tests import factories as f
from tests.support.links import sent_token

BASE = "https://portal.example.com"
NEW_PASSWORD = "tumbling-mats-at-dawn"
INVALID = "This invitation link is no longer valid. Ask the family's primary guardian"


@dataclass
class Setup:
    primary: Actor  # signed in just now
    guardian_id: int  # Sam, a secondary guardian without a sign-in yet
    other_primary: Actor
    other_guardian_id: int


def _setup(db: Session) -> Setup:
    fam, _, account = f.family(db, "Rivera")
    other_fam, _, other_account = f.family(db, "Okafor")
    primary = f.signed_in(db, account)
    other_primary = f.signed_in(db, other_account)
    sam = add_guardian(
        db,
        primary,
        first_name="Sam",
        last_name="Rivera",
        email="Sam@Example.com",
        invite=False,
        base_url=BASE,
    )
    kit = add_guardian(
        db,
        other_primary,
        first_name="Kit",
        last_name="Okafor",
        email="kit@example.com",
        invite=False,
        base_url=BASE,
    )
    assert fam.id != other_fam.id
    return Setup(primary, sam.id, other_primary, kit.id)


def _last_token(db: Session, to: str = "sam@example.com") -> str:
    return sent_token(db, to, "invitation", BASE)


def _access(db: Session, guardian_id: int) -> GuardianAccess:
    return db.scalar(select(Guardian.access).where(Guardian.id == guardian_id))


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _counts(db: Session) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model))
        for model in (User, OneTimeToken, OutboxMessage, AuditEntry)
    )


def test_send_creates_the_account_stores_only_a_hash_and_queues_the_link(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE + "/")
    token = _last_token(db)
    guardian = db.get(Guardian, s.guardian_id)
    user = db.get(User, guardian.user_id)
    assert (guardian.access, user.email, user.role, user.password_hash) == (
        GuardianAccess.INVITE_SENT,
        "sam@example.com",
        Role.GUARDIAN,
        None,
    )
    [row] = db.scalars(select(OneTimeToken)).all()
    assert row.token_hash == token_hash(token) and token not in row.token_hash
    assert row.expires_at == clock.now() + INVITATION_VALID == clock.now() + timedelta(hours=72)
    assert row.guardian_id == s.guardian_id  # made by the sender, when it sends
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "invitation")).one()
    assert LINK_PLACEHOLDER in message.body_text and token not in message.body_text
    assert message.subject == (
        "Alex Rivera invited you to the Rivera family account at Cartwheel Gym"
    )
    assert "expires in 72 hours" in message.body_text and message.family_id == guardian.family_id
    login = db.scalars(select(EmailAddress).where(EmailAddress.guardian_id == s.guardian_id)).one()
    assert login.is_login
    assert _actions(db)[-1] == "invitation.sent"
    assert invitation_details(db, token) == InvitationDetails(
        "Sam Rivera", "Rivera family", "sam@example.com"
    )
    with pytest.raises(AuthenticationError):  # not before accepting
        auth.sign_in(db, "sam@example.com", NEW_PASSWORD)


def test_re_send_issues_a_new_link_and_the_old_one_stops_working(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    first = _last_token(db)
    clock.advance(timedelta(minutes=5))
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    second = _last_token(db)
    assert first != second
    assert invitation_details(db, first) is None
    assert invitation_details(db, second) is not None
    assert _actions(db)[-2:] == ["invitation.sent", "invitation.resent"]
    with pytest.raises(ValidationError, match=INVALID):
        accept_invitation(db, first, NEW_PASSWORD, NEW_PASSWORD)
    assert accept_invitation(db, second, NEW_PASSWORD, NEW_PASSWORD)


def test_accept_sets_the_password_and_the_guardian_can_sign_in_once(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    token = _last_token(db)
    user_id = accept_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert user_id == db.get(Guardian, s.guardian_id).user_id
    assert _access(db, s.guardian_id) is GuardianAccess.CAN_LOG_IN
    assert db.scalar(select(OneTimeToken.used_at)) == clock.now()
    assert _actions(db)[-1] == "invitation.accepted"
    session = auth.sign_in(db, "sam@example.com", NEW_PASSWORD)
    actor = auth.actor_for_session(db, session.session_id)
    assert (actor.guardian_id, actor.is_primary, actor.may_pay) == (s.guardian_id, False, False)
    # The link is spent: a second use, or a look at it, finds nothing.
    assert invitation_details(db, token) is None
    with pytest.raises(ValidationError, match=INVALID):
        accept_invitation(db, token, "another-fine-password", "another-fine-password")
    with pytest.raises(ValidationError, match="can already sign in"):
        send_invitation(db, s.primary, s.guardian_id, base_url=BASE)


def test_the_link_expires_after_72_hours(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    token = _last_token(db)
    clock.advance(INVITATION_VALID - timedelta(seconds=1))
    assert invitation_details(db, token) is not None
    clock.advance(timedelta(seconds=1))
    assert invitation_details(db, token) is None
    with pytest.raises(ValidationError, match=INVALID):
        accept_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert _access(db, s.guardian_id) is GuardianAccess.INVITE_SENT  # until re-sent
    s.primary = f.signed_in(db, db.get(User, s.primary.user_id))
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    assert accept_invitation(db, _last_token(db), NEW_PASSWORD, NEW_PASSWORD)


def test_revoke_kills_the_link_and_a_later_send_starts_over(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    token = _last_token(db)
    revoke_invitation(db, s.primary, s.guardian_id)
    assert _access(db, s.guardian_id) is GuardianAccess.INVITE_REVOKED
    assert _actions(db)[-1] == "invitation.revoked"
    assert invitation_details(db, token) is None
    with pytest.raises(ValidationError, match=INVALID):
        accept_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    with pytest.raises(ValidationError, match="no invitation or sign-in access to revoke"):
        revoke_invitation(db, s.primary, s.guardian_id)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    assert _access(db, s.guardian_id) is GuardianAccess.INVITE_SENT
    assert _actions(db)[-1] == "invitation.resent"
    assert accept_invitation(db, _last_token(db), NEW_PASSWORD, NEW_PASSWORD)


def test_revoking_a_guardian_who_signed_in_ends_their_sessions_at_once(db: Session) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    accept_invitation(db, _last_token(db), NEW_PASSWORD, NEW_PASSWORD)
    db.get(Guardian, s.guardian_id).may_pay = True
    db.commit()
    sessions = [auth.sign_in(db, "sam@example.com", NEW_PASSWORD).session_id for _ in range(2)]
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))  # revoking never waits for a password
    revoke_invitation(db, s.primary, s.guardian_id)
    for session_id in sessions:
        with pytest.raises(AuthenticationError, match="session has ended"):
            auth.actor_for_session(db, session_id)
    with pytest.raises(AuthenticationError, match="do not match"):
        auth.sign_in(db, "sam@example.com", NEW_PASSWORD)
    assert not db.get(Guardian, s.guardian_id).may_pay


def test_revoke_with_nothing_to_revoke_is_refused(db: Session) -> None:
    s = _setup(db)
    before = _counts(db)
    with pytest.raises(ValidationError, match="Sam has no invitation"):
        revoke_invitation(db, s.primary, s.guardian_id)
    assert _counts(db) == before and _access(db, s.guardian_id) is GuardianAccess.NO_LOGIN


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short1", "short1", "at least 8"),
        ("password123", "password123", "too common"),
        ("sam@example.com", "sam@example.com", "e-mail address"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "do not match"),
        ("", "", "Enter a password"),
        ("x" * 129, "x" * 129, "at most 128"),
    ],
)
def test_accept_applies_the_password_rules_and_keeps_the_link(
    db: Session, password: str, confirm: str, message: str
) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    token = _last_token(db)
    before = _counts(db)
    with pytest.raises(ValidationError, match=message):
        accept_invitation(db, token, password, confirm)
    assert _counts(db) == before
    assert _access(db, s.guardian_id) is GuardianAccess.INVITE_SENT
    assert invitation_details(db, token) is not None
    assert accept_invitation(db, token, "x" * 64, "x" * 64)  # long passphrases are fine


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 500, 12345])
def test_unknown_or_malformed_links_find_nothing(db: Session, token: object) -> None:
    _setup(db)
    assert invitation_details(db, token) is None  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=INVALID):
        accept_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)  # type: ignore[arg-type]


def test_two_tabs_accepting_at_once_only_one_wins(db: Session, engine: Engine) -> None:
    s = _setup(db)
    send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    token = _last_token(db)
    db.close()
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def accept(password: str) -> None:
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            try:
                outcomes.append(accept_invitation(session, token, password, password))
            except ValidationError as refused:
                outcomes.append(refused.message)

    threads = [
        threading.Thread(target=accept, args=(p,))
        for p in ("first-tab-password", "second-tab-password")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [o for o in outcomes if isinstance(o, int)]
    losers = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].startswith(INVALID)
    assert db.scalar(select(func.count()).where(OneTimeToken.used_at.is_not(None))) == 1
    assert _access(db, s.guardian_id) is GuardianAccess.CAN_LOG_IN


def test_sending_needs_a_recent_sign_in(db: Session) -> None:
    s = _setup(db)
    clock.advance(RECENT_SIGN_IN + timedelta(seconds=1))
    before = _counts(db)
    with pytest.raises(ReauthenticationRequired):
        send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    assert _counts(db) == before and _access(db, s.guardian_id) is GuardianAccess.NO_LOGIN


def test_an_address_that_belongs_to_another_account_is_refused(db: Session) -> None:
    s = _setup(db)
    f.user(db, "sam@example.com", Role.STAFF)  # staff account made after Sam was added
    before = _counts(db)
    with pytest.raises(ValidationError, match="already belongs to another Cartwheel account"):
        send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    assert _counts(db) == before and _access(db, s.guardian_id) is GuardianAccess.NO_LOGIN


def test_a_guardian_without_an_e_mail_address_cannot_be_invited(db: Session) -> None:
    s = _setup(db)
    db.execute(EmailAddress.__table__.delete().where(EmailAddress.guardian_id == s.guardian_id))
    db.commit()
    before = _counts(db)
    with pytest.raises(ValidationError, match="Add an e-mail address for Sam"):
        send_invitation(db, s.primary, s.guardian_id, base_url=BASE)
    assert _counts(db) == before


@pytest.mark.parametrize(
    "base_url", ["", "portal.example.com", "javascript:alert(1)", BASE + "?x=1"]
)
def test_a_bad_public_address_writes_nothing(db: Session, base_url: str) -> None:
    s = _setup(db)
    before = _counts(db)
    with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
        send_invitation(db, s.primary, s.guardian_id, base_url=base_url)
    assert _counts(db) == before and _access(db, s.guardian_id) is GuardianAccess.NO_LOGIN


def test_only_the_primary_guardian_of_the_family_sends_and_revokes(db: Session) -> None:
    s = _setup(db)
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    fam_id = s.primary.family_id
    secondary = f.second_guardian(db, db.get(f.Family, fam_id), "second@example.com")
    db.commit()
    before = _counts(db)
    for call in (
        lambda a, g: send_invitation(db, a, g, base_url=BASE),
        lambda a, g: revoke_invitation(db, a, g),
    ):
        for actor in (secondary, desk, admin):
            with pytest.raises(AccessDenied):
                call(actor, s.guardian_id)
        for guardian_id in (s.other_guardian_id, 999_999):
            with pytest.raises(NotFound, match="That guardian was not found"):
                call(s.primary, guardian_id)
        with pytest.raises(ValidationError, match="primary guardian signs in with their own"):
            call(s.primary, s.primary.guardian_id)
        for bad in ("1", None, True, 2.0):
            with pytest.raises(ValidationError, match="guardian is not valid"):
                call(s.primary, bad)
    assert _counts(db) == before
    assert _access(db, s.other_guardian_id) is GuardianAccess.NO_LOGIN
