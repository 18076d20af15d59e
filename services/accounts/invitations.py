"""Inviting a secondary guardian to sign in, and their side: opening the link, choosing a
password.

A guardian's access moves through these states (`Guardian.access`):

    no_login ──send──> invite_sent ──accept──> can_log_in
                          │  ▲ re-send (new link; the old one stops working)
                   revoke │  │ send
                          ▼  │
                     invite_revoked <──revoke── can_log_in

Only the primary guardian sends, re-sends and revokes a secondary guardian's invitation; staff
invite (and re-invite) a family's primary guardian, for families they reach
(`invite_primary_guardian`, used when the desk registered the family). The link carries a
single-use token valid `INVITATION_VALID`; only its hash is stored. Revoking ends the guardian's
sessions at once and makes every link of theirs invalid; sign-in refuses a revoked guardian
(services.accounts.auth._may_sign_in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    EmailAddress,
    Family,
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OneTimeTokenPurpose,
    Role,
    User,
)
from data.password_hashing import hash_password
from services.accounts import one_time_tokens
from services.accounts.auth import end_all_sessions
from services.accounts.passwords import check_new_password
from services.accounts.reauth import require_recent_sign_in
from services.kernel import audit, clock
from services.kernel.access import Actor, require_primary_guardian, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import guardian_for
from services.kernel.outbox import INVITATION_KIND, LINK_PLACEHOLDER, enqueue_email
from services.kernel.reach import reachable_family
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

INVITATION_VALID = timedelta(hours=72)
INVITATION = OneTimeTokenPurpose.INVITATION
LINK_PARAMETER = "invitation"
INVITATION_INVALID = (
    "This invitation link is no longer valid. Ask the family's primary guardian to send a new one."
)
EMAIL_TAKEN = (
    "That e-mail address already belongs to another Cartwheel account. "
    "Use a different address for this guardian."
)
INVITABLE = frozenset(
    {GuardianAccess.NO_LOGIN, GuardianAccess.INVITE_SENT, GuardianAccess.INVITE_REVOKED}
)
REVOCABLE = frozenset({GuardianAccess.INVITE_SENT, GuardianAccess.CAN_LOG_IN})


@dataclass(frozen=True)
class InvitationDetails:
    """What the accept page shows before the guardian chooses a password."""

    guardian_name: str
    family_name: str
    email: str


def send_invitation(db: Session, actor: Actor, guardian_id: int, *, base_url: str) -> None:
    """Send (or re-send) a secondary guardian an invitation to sign in. A re-send issues a new
    link and the earlier one stops working. Needs a recent sign-in: the link hands out
    access to the family account."""
    require_primary_guardian(actor)
    require_recent_sign_in(db, actor)
    with write_transaction(db):
        guardian = locked_secondary_guardian(db, actor, guardian_id)
        invite(db, actor, guardian, base_url=base_url)


def invite_primary_guardian(db: Session, actor: Actor, family_id: int, *, base_url: str) -> None:
    """Staff invite a family's primary guardian to sign in (or send a new link, the earlier one
    stopping). Staff reach only families seen at their locations; admins any."""
    require_staff(actor)
    require_id(family_id, "family")
    with write_transaction(db):
        family_id = reachable_family(db, actor, family_id)
        primary_id = db.scalar(
            select(Guardian.id).where(Guardian.family_id == family_id, Guardian.is_primary)
        )
        guardian = _lock(db, primary_id) if primary_id is not None else None
        if guardian is None:
            raise ValidationError("This family has no primary guardian to invite.")
        invite(db, actor, guardian, base_url=base_url)


def revoke_invitation(db: Session, actor: Actor, guardian_id: int) -> None:
    """End a secondary guardian's access: the invitation link stops working, their sessions end
    at once and they can no longer sign in. Payment permission is withdrawn with it."""
    require_primary_guardian(actor)
    with write_transaction(db):
        guardian = locked_secondary_guardian(db, actor, guardian_id)
        if guardian.access not in REVOCABLE or guardian.user_id is None:
            raise ValidationError(
                f"{guardian.first_name} has no invitation or sign-in access to revoke."
            )
        previous = guardian.access
        guardian.access = GuardianAccess.INVITE_REVOKED
        guardian.may_pay = False
        one_time_tokens.revoke_unused(db, user_id=guardian.user_id)  # invitations and resets
        end_all_sessions(db, guardian.user_id)
        audit.record(
            db,
            actor,
            "invitation.revoked",
            entity="guardian",
            entity_id=guardian.id,
            details={"guardian": _full_name(guardian), "previous_access": previous.value},
        )


def invitation_details(db: Session, token: str) -> InvitationDetails | None:
    """The invitation a link carries, or None when the link is unknown, expired, used or
    revoked. No actor: the person opening the link is not signed in; the token is the proof."""
    found = _invitation(db, token)
    if found is None:
        return None
    _, guardian, user = found
    family_name = db.scalar(select(Family.name).where(Family.id == guardian.family_id)) or ""
    return InvitationDetails(_full_name(guardian), family_name, user.email)


def accept_invitation(db: Session, token: str, password: str, confirm: str) -> int:
    """Set the invited guardian's password and let them sign in; returns their user id.

    The link works once: the token is spent by a conditional UPDATE under the guardian's row
    lock, so two tabs submitting together give one success and one refusal.
    """
    found = _invitation(db, token)
    if found is None:
        db.rollback()
        raise ValidationError(INVITATION_INVALID)
    token_id, guardian_id, user_id = found[0].id, found[1].id, found[2].id
    email = found[2].email
    db.rollback()  # end the read: hashing takes a moment and must not hold the write lock
    password_hash = hash_password(check_new_password(password, confirm, email=email))
    with write_transaction(db):
        guardian = _lock(db, guardian_id)
        if (
            guardian is None
            or guardian.access is not GuardianAccess.INVITE_SENT
            or guardian.user_id != user_id
            or not one_time_tokens.consume(db, token_id)
        ):
            raise ValidationError(INVITATION_INVALID)
        account = db.get(User, user_id, populate_existing=True)
        assert account is not None  # the guardian row points at it
        now = clock.now()
        guardian.access = GuardianAccess.CAN_LOG_IN
        account.password_hash = password_hash
        account.password_changed_at = now
        audit.record(
            db,
            None,
            "invitation.accepted",
            entity="guardian",
            entity_id=guardian.id,
            family_id=guardian.family_id,
            user_id=account.id,
            details={"guardian": _full_name(guardian)},
        )
    return user_id


def invite(db: Session, actor: Actor, guardian: Guardian, *, base_url: str) -> None:
    """The invitation itself, inside the caller's write transaction (also used by
    services.families.guardians.add_guardian). The caller has checked the actor and locked the
    row."""
    if guardian.access not in INVITABLE:
        raise ValidationError(f"{guardian.first_name} can already sign in.")
    email_row = _login_email(db, guardian)
    email = email_row.email.strip().lower()
    user = _account_for(db, guardian, email)
    email_row.is_login = True
    # Any state but "No login" means an invitation went before (the link itself is created
    # when the e-mail is sent, so no token may exist yet).
    resent = guardian.access is not GuardianAccess.NO_LOGIN
    one_time_tokens.public_address(base_url)  # the link is made when sent; a bad setup shows now
    one_time_tokens.revoke_unused(db, user_id=user.id, purpose=INVITATION)
    guardian.access = GuardianAccess.INVITE_SENT
    family_name = db.scalar(select(Family.name).where(Family.id == guardian.family_id)) or ""
    business = get_settings(db).business_name
    enqueue_email(
        db,
        to_address=email,
        subject=f"{actor.display_name} invited you to the {family_name} account at {business}",
        body_text=(
            f"Hello {guardian.first_name},\n\n"
            f"{actor.display_name} added you as a guardian on the {family_name} account at "
            f"{business}. Choose a password to see the family's classes, attendance and "
            f"account:\n\n{LINK_PLACEHOLDER}\n\n"
            "The link works once and expires in 72 hours. If you were not expecting this "
            "e-mail, you can ignore it.\n"
        ),
        kind=INVITATION_KIND,
        family_id=guardian.family_id,
    )
    audit.record(
        db,
        actor,
        "invitation.resent" if resent else "invitation.sent",
        entity="guardian",
        entity_id=guardian.id,
        family_id=guardian.family_id,
        details={"guardian": _full_name(guardian), "email": email},
    )


def locked_secondary_guardian(db: Session, actor: Actor, guardian_id: object) -> Guardian:
    """A secondary guardian of the actor's family, row-locked for the rest of the transaction
    (PostgreSQL; SQLite's write transaction already excludes other writers)."""
    guardian = _lock(db, guardian_for(db, actor, guardian_id).id)
    if guardian is None:
        raise NotFound("guardian")
    if guardian.is_primary:
        raise ValidationError("The primary guardian signs in with their own account.")
    return guardian


def _lock(db: Session, guardian_id: int) -> Guardian | None:
    return db.get(Guardian, guardian_id, with_for_update=True, populate_existing=True)


def _invitation(db: Session, token: object) -> tuple[OneTimeToken, Guardian, User] | None:
    row = one_time_tokens.usable(db, INVITATION, token)
    if row is None or row.guardian_id is None or row.user_id is None:
        return None
    guardian = db.get(Guardian, row.guardian_id)
    user = db.get(User, row.user_id)
    if (
        guardian is None
        or user is None
        or guardian.user_id != user.id
        or guardian.access is not GuardianAccess.INVITE_SENT
    ):
        return None
    return row, guardian, user


def _login_email(db: Session, guardian: Guardian) -> EmailAddress:
    """The guardian's sign-in address: the one marked login, else their first address."""
    row = db.scalar(
        select(EmailAddress)
        .where(EmailAddress.guardian_id == guardian.id)
        .order_by(EmailAddress.is_login.desc(), EmailAddress.id)
        .limit(1)
    )
    if row is None:
        raise ValidationError(
            f"Add an e-mail address for {guardian.first_name} before sending an invitation."
        )
    return row


def _account_for(db: Session, guardian: Guardian, email: str) -> User:
    """The guardian's sign-in account with `email`, created on the first invitation. Until they
    accept, the account follows the address the primary guardian keeps for them."""
    holder = db.scalar(select(User).where(User.email == email))
    if guardian.user_id is not None:
        user = db.get(User, guardian.user_id)
        assert user is not None  # users.id is a foreign key of guardians.user_id
        if holder is not None and holder.id != user.id:
            raise ValidationError(EMAIL_TAKEN)
        user.email = email
        return user
    if holder is not None:
        raise ValidationError(EMAIL_TAKEN)
    user = User(
        email=email,
        password_hash=None,
        role=Role.GUARDIAN,
        display_name=_full_name(guardian),
        created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    guardian.user_id = user.id
    return user


def _full_name(guardian: Guardian) -> str:
    return f"{guardian.first_name} {guardian.last_name}"
