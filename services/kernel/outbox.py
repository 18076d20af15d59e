"""The outbox: e-mails and texts Cartwheel sends (invitations, resets, receipts).

Messages are queued here and a sender delivers them when SMTP is configured; until then they
stay queued and an admin can read them on the Outbox page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import OutboxMessage, OutboxStatus
from services.kernel import clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import ValidationError

PAGE_SIZE = 200
# A sender gives up on a message after this many attempts; it stays failed on the Outbox page.
MAX_ATTEMPTS = 5
# Where the link goes in a reset or invitation e-mail: the sender puts the link there when it
# sends (services.messages.link_mail), so the stored body, and the Outbox page, never hold one.
LINK_PLACEHOLDER = "[link created when sent]"
RESET_KIND = "password_reset"
INVITATION_KIND = "invitation"
STAFF_INVITATION_KIND = "staff_invitation"
LINK_KINDS = frozenset({RESET_KIND, INVITATION_KIND, STAFF_INVITATION_KIND})


@dataclass(frozen=True)
class OutboxView:
    id: int
    channel: str
    to_address: str
    subject: str
    kind: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    body_text: str


def list_outbox(db: Session, actor: Actor, *, status: str | None = None) -> list[OutboxView]:
    """Admin only: the newest messages first, optionally one status (queued, sent, failed)."""
    require_admin(actor)
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        if not isinstance(status, str) or status not in {s.value for s in OutboxStatus}:
            raise ValidationError("Choose queued, sent or failed.")
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    return [
        OutboxView(
            m.id,
            m.channel,
            m.to_address,
            m.subject,
            m.kind,
            m.status.value,
            m.attempts,
            m.last_error,
            m.created_at,
            m.sent_at,
            m.body_text,
        )
        for m in db.scalars(query.limit(PAGE_SIZE))
    ]


def enqueue_email(
    db: Session,
    *,
    to_address: str,
    subject: str,
    body_text: str,
    kind: str,
    family_id: int | None = None,
) -> OutboxMessage:
    """Queue one e-mail inside the caller's transaction (the caller commits).

    Internal: callers are service functions that have already checked the actor, so this
    takes no actor. The sender (services.messages.mailer) delivers queued messages when SMTP is set
    up.
    """
    address = to_address.strip()
    if not address or "@" not in address or len(address) > 254:
        raise ValidationError("An e-mail needs a valid recipient address.")
    if not body_text.strip():
        raise ValidationError("An e-mail needs a body.")
    message = OutboxMessage(
        channel="email",
        to_address=address,
        subject=subject.strip()[:300],
        body_text=body_text,
        kind=kind,
        family_id=family_id,
        status=OutboxStatus.QUEUED,
        created_at=clock.now(),
    )
    db.add(message)
    return message


def give_up(db: Session, message_id: int, reason: str) -> None:
    """Mark a message no sender will ever send: failed for good, with the reason an admin
    reads. Internal (no actor), in the caller's transaction."""
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status=OutboxStatus.FAILED,
            last_error=reason[:500],
            attempts=MAX_ATTEMPTS,
            next_attempt_at=None,
        )
    )
