"""The link a reset or invitation e-mail carries, as the sender makes it when it sends.

The outbox keeps no link (services.messages.link_mail); tests that follow a link ask for it the way
the sender does: mint it for the newest message of that kind to the address, and commit."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, OneTimeTokenPurpose, OutboxMessage
from services.accounts import one_time_tokens
from services.families.guardians import add_guardian
from services.kernel.access import Actor
from services.messages.link_mail import mint_link
from tests import factories


def sent_link(db: Session, to: str, kind: str, base_url: str) -> str:
    """Mint and return the link of the newest `kind` message to `to`."""
    db.rollback()
    message = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == to, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no {kind} e-mail to {to}"
    link = mint_link(db, message, base_url=base_url).link
    db.commit()
    return link


def sent_token(db: Session, to: str, kind: str, base_url: str) -> str:
    """The token of `sent_link`: the value of its one query parameter."""
    [values] = parse_qs(urlsplit(sent_link(db, to, kind, base_url)).query).values()
    return values[0]


TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}")


def working_tokens_in(db: Session, texts: Iterable[object]) -> list[str]:
    """Every token-like word in `texts` that would still open a reset or invitation link."""
    db.rollback()
    candidates = {w for text in texts if isinstance(text, str) for w in TOKEN_LIKE.findall(text)}
    return sorted(
        word
        for word in candidates
        for purpose in OneTimeTokenPurpose
        if one_time_tokens.usable(db, purpose, word) is not None
    )


def outbox_texts(db: Session) -> list[object]:
    """Every value of every outbox row and audit entry, as text."""
    db.rollback()
    rows = [*db.execute(select(OutboxMessage.__table__)), *db.execute(select(AuditEntry.__table__))]
    return [str(value) for row in rows for value in row]


def invite_sam(db: Session, base_url: str) -> tuple[Actor, int]:
    """A family whose primary guardian adds Sam (sam@example.com) and invites them; returns
    the primary guardian and Sam's guardian id."""
    _, _, account = factories.family(db)
    primary = factories.signed_in(db, account)
    sam = add_guardian(
        db,
        primary,
        first_name="Sam",
        last_name="Rivera",
        email="sam@example.com",
        invite=True,
        base_url=base_url,
    )
    return primary, sam.id
