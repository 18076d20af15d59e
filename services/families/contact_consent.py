"""A family's e-mail/SMS consent: opting an e-mail address in or out of e-mail blasts, a phone
number in or out of SMS/voice messages, and the consent history.

Opting in or out is recorded as its own audit action (`consent.email_opt_in`,
`consent.email_opt_out`, `consent.sms_opt_in`, `consent.sms_opt_out`) with the time and the
actor: that is the consent history (`consent_history`). Who may change which value is
`services.families.editable_contacts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, ContactChannel, EmailAddress, PhoneNumber
from services.families.account_activity import who_did
from services.families.contacts import family_guardians, may_edit
from services.families.editable_contacts import (
    CONTACT_NAMES,
    _editable_row,
    _kind_of,
    _record,
    contact_scope,
)
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

CONSENT_ACTIONS = {
    ("email", True): "consent.email_opt_in",
    ("email", False): "consent.email_opt_out",
    ("sms", True): "consent.sms_opt_in",
    ("sms", False): "consent.sms_opt_out",
}


@dataclass(frozen=True)
class ConsentChange:
    at: datetime
    who: str  # the guardian (or "Staff", "Cartwheel") who made the change
    channel: str  # a ContactChannel value: "email" or "sms"
    value: str  # the address or number (E.164)
    opted_in: bool


def set_email_opt_in(db: Session, actor: Actor, email_id: int, opted_in: bool) -> None:
    """Subscribe or unsubscribe an address from e-mail blasts (recorded as consent)."""
    _set_consent(db, actor, EmailAddress, email_id, opted_in)


def set_phone_opt_in(db: Session, actor: Actor, phone_id: int, opted_in: bool) -> None:
    """Allow or stop SMS/voice messages to a number (recorded as consent)."""
    _set_consent(db, actor, PhoneNumber, phone_id, opted_in)


def consent_history(db: Session, actor: Actor) -> list[ConsentChange]:
    """The family's opt-in and opt-out changes, newest first, for the values whose guardian's
    details the actor may see (unassigned ones for the primary guardian only)."""
    family_id = require_guardian(actor)
    visible = {g.id for g in family_guardians(db, family_id) if may_edit(actor, g)}
    entries = db.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.family_id == family_id,
            AuditEntry.action.in_(sorted(CONSENT_ACTIONS.values())),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
    shown = [
        e
        for e in entries
        if (gid := e.details.get("guardian_id")) in visible or (gid is None and actor.is_primary)
    ]
    names = who_did(db, family_id, [e.actor_user_id for e in shown])
    return [
        ConsentChange(
            at=e.at,
            who=names.get(e.actor_user_id, "Cartwheel") if e.actor_user_id else "Cartwheel",
            channel=ContactChannel.EMAIL.value
            if e.action.startswith("consent.email")
            else ContactChannel.SMS.value,
            value=str(e.details.get("email") or e.details.get("phone") or ""),
            opted_in=e.action.endswith("_opt_in"),
        )
        for e in shown
    ]


def _set_consent(
    db: Session,
    actor: Actor,
    model: type[EmailAddress] | type[PhoneNumber],
    row_id: int,
    opted_in: bool,
) -> None:
    """Record an opt-in or opt-out (nothing when the value already says so)."""
    scope = contact_scope(actor)
    require_id(row_id, CONTACT_NAMES[_kind_of(model)])
    if not isinstance(opted_in, bool):
        raise ValidationError("Choose subscribed or unsubscribed.")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, scope, model, row_id)
        if isinstance(row, EmailAddress):
            channel, column, value = "email", "blasts_opt_in", {"email": row.email}
        else:
            channel, column, value = "sms", "sms_opt_in", {"phone": row.e164}
        if getattr(row, column) == opted_in:
            return
        setattr(row, column, opted_in)
        action = CONSENT_ACTIONS[(channel, opted_in)]
        _record(db, actor, action, row, guardian, **value, opted_in=opted_in)
