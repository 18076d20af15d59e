"""E-mails that carry a sign-in link (password resets, guardian and staff invitations): the
link is created when the e-mail is sent, never stored.

The outbox keeps such a message with `LINK_PLACEHOLDER` where the link goes, so no usable
token rests in the database or shows on the admin's Outbox page. The sender
(services.messages.mailer) calls `mint_link` while it claims the message: it finds who the message
is
for from its kind and address, issues a single-use token (only its hash is stored; earlier
unused links of the same purpose stop working) and substitutes the link into the copy it
hands to the mail server. A send that fails revokes that token at once; a sender that dies
mid-send leaves a token nobody ever saw, which expires. When nobody may receive a link any
more (no account signs in with a reset's address, the invitation was revoked or accepted, a
newer message replaced this one), `NothingToSend` says why and nothing is sent.

Without SMTP an admin helps the parent with `create_fresh_link`: audited, and the link is
returned once to be shown on screen (not kept in the audit entry or anywhere else).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from data.models import (
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OutboxMessage,
    OutboxStatus,
    User,
)
from services.accounts import auth, one_time_tokens
from services.accounts.invitations import INVITATION, INVITATION_VALID
from services.accounts.invitations import LINK_PARAMETER as INVITATION_PARAMETER
from services.accounts.password_reset import LINK_PARAMETER as RESET_PARAMETER
from services.accounts.password_reset import RESET, RESET_VALID
from services.accounts.staff_invitations import LINK_PARAMETER as STAFF_PARAMETER
from services.accounts.staff_invitations import STAFF_INVITATION_VALID, invitable
from services.kernel import audit, clock, outbox
from services.kernel.access import Actor, require_admin
from services.kernel.errors import NotFound, ValidationError
from services.kernel.outbox import (
    INVITATION_KIND,
    LINK_KINDS,
    LINK_PLACEHOLDER,
    RESET_KIND,
    STAFF_INVITATION_KIND,
)
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id


class NothingToSend(ValidationError):
    """Nobody may receive this message's link any more; the message says why."""


@dataclass(frozen=True)
class MintedLink:
    token_id: int
    link: str
    user_id: int
    family_id: int | None


def mint_link(db: Session, message: OutboxMessage, *, base_url: str) -> MintedLink:
    """Issue the link for a reset or invitation message, in the caller's transaction.
    Raises NothingToSend when no link may go out, ValidationError for a bad base_url."""
    one_time_tokens.public_address(base_url)  # a setup mistake refuses before any token
    newer = db.scalar(
        select(
            exists().where(
                OutboxMessage.kind == message.kind,
                OutboxMessage.to_address == message.to_address,
                OutboxMessage.id > message.id,
            )
        )
    )
    if newer:
        raise NothingToSend("A newer message to this address replaced this one; not sent.")
    user = db.scalar(select(User).where(User.email == message.to_address))
    guardian = (
        db.scalar(select(Guardian).where(Guardian.user_id == user.id)) if user is not None else None
    )
    family_id = guardian.family_id if guardian is not None else None
    if message.kind == RESET_KIND:
        if user is None or not user.is_active or not auth._may_sign_in(db, user):
            raise NothingToSend("No account signs in with this address, so no link was sent.")
        one_time_tokens.revoke_unused(db, user_id=user.id, purpose=RESET)
        token, token_id = one_time_tokens.issue(db, RESET, RESET_VALID, user_id=user.id)
        parameter = RESET_PARAMETER
        audit.record(
            db,
            None,
            "auth.password_reset_requested",
            entity="user",
            entity_id=user.id,
            user_id=user.id,
            family_id=family_id,
        )
    elif message.kind == INVITATION_KIND:
        if user is None or guardian is None or guardian.access is not GuardianAccess.INVITE_SENT:
            raise NothingToSend("The invitation was revoked or accepted since; not sent.")
        one_time_tokens.revoke_unused(db, user_id=user.id, purpose=INVITATION)
        token, token_id = one_time_tokens.issue(
            db, INVITATION, INVITATION_VALID, user_id=user.id, guardian_id=guardian.id
        )
        parameter = INVITATION_PARAMETER
    elif message.kind == STAFF_INVITATION_KIND:
        if user is None or not invitable(user):
            raise NothingToSend("The staff invitation was accepted or withdrawn since; not sent.")
        one_time_tokens.revoke_unused(db, user_id=user.id, purpose=INVITATION)
        token, token_id = one_time_tokens.issue(
            db, INVITATION, STAFF_INVITATION_VALID, user_id=user.id
        )
        parameter = STAFF_PARAMETER
    else:
        raise ValueError(f"{message.kind} messages carry no link")
    return MintedLink(
        token_id, one_time_tokens.link(base_url, parameter, token), user.id, family_id
    )


def with_link(body_text: str, link: str) -> str:
    """The body as the addressee reads it."""
    return body_text.replace(LINK_PLACEHOLDER, link)


def revoke(db: Session, token_id: int) -> None:
    """The link of a send that failed stops working (unless it was somehow used already)."""
    db.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.id == token_id,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.revoked_at.is_(None),
        )
        .values(revoked_at=clock.now())
    )


def create_fresh_link(db: Session, actor: Actor, message_id: object, *, base_url: str) -> str:
    """Admin: a new link for a queued or failed reset or invitation message, returned to be
    shown once (the admin hands it to the parent). Earlier unused links of the same kind stop
    working, and the message is no longer sent (it would replace this link). Audited; the
    link itself is kept nowhere."""
    require_admin(actor)
    require_id(message_id, "message")
    with write_transaction(db):
        message = db.get(OutboxMessage, message_id, with_for_update=True)
        if message is None:
            raise NotFound("message")
        if message.kind not in LINK_KINDS:
            raise ValidationError("Only password reset and invitation e-mails carry a link.")
        if message.status is OutboxStatus.SENT:
            raise ValidationError(
                "This e-mail was sent with its own link. Ask the person to use it, or to ask "
                "for a new one."
            )
        minted = mint_link(db, message, base_url=base_url)
        outbox.give_up(
            db,
            message.id,
            f"Not sent: {actor.display_name} created a fresh link on "
            f"{clock.now():%d %b %Y %H:%M} UTC to hand over.",
        )
        audit.record(
            db,
            actor,
            "outbox.fresh_link_created",
            entity="outbox",
            entity_id=message.id,
            family_id=minted.family_id,
            details={"kind": message.kind, "user_id": minted.user_id},
        )
    return minted.link
