"""Moving a contact value (an e-mail address, a phone number or a mailing address) to another
guardian of the family: the primary guardian's (or the front desk's) tidying of values linked
to no guardian or to a guardian whose details they manage. The sign-in e-mail address stays
with its guardian.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session

from data.models import Address, EmailAddress, PhoneNumber
from services.families.contact_changes import _address_of
from services.families.contacts import guardian_name
from services.families.editable_contacts import (
    CONTACT_MODELS,
    CONTACT_NAMES,
    ContactKind,
    _editable_guardian,
    _editable_row,
    contact_scope,
)
from services.kernel import audit
from services.kernel.access import Actor, require_primary_guardian
from services.kernel.errors import ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

LOGIN_EMAIL_STAYS = "The sign-in e-mail address stays with its guardian."


def reassign_contact(
    db: Session, actor: Actor, kind: ContactKind, contact_id: int, guardian_id: int
) -> None:
    """The primary guardian or the desk: link an unassigned value (or one of a guardian whose
    details they manage) to another guardian of the same family whose details they manage.
    Sign-in addresses stay put."""
    scope = contact_scope(actor)
    if scope is not None:  # a guardian, not the desk
        require_primary_guardian(actor)
    if kind not in CONTACT_MODELS:
        raise ValidationError("Choose an e-mail address, a phone number or a mailing address.")
    require_id(contact_id, CONTACT_NAMES[kind])
    require_id(guardian_id, "guardian")
    with write_transaction(db):
        row, source = _editable_row(db, actor, scope, CONTACT_MODELS[kind], contact_id)
        if isinstance(row, EmailAddress) and row.is_login:
            raise ValidationError(LOGIN_EMAIL_STAYS)
        target = _editable_guardian(db, actor, row.family_id, guardian_id)
        if source is not None and source.id == target.id:
            return
        row.guardian_id = target.id
        audit.record(
            db,
            actor,
            f"contact.{kind}_reassigned",
            entity=row.__tablename__,
            entity_id=row.id,
            family_id=row.family_id,
            details={
                "value": _value_of(row),
                "from_guardian_id": source.id if source else None,
                "from_guardian": guardian_name(source) if source else None,
                "guardian_id": target.id,
                "guardian": guardian_name(target),
            },
        )


def _value_of(row: EmailAddress | PhoneNumber | Address) -> object:
    if isinstance(row, EmailAddress):
        return row.email
    if isinstance(row, PhoneNumber):
        return row.e164
    return asdict(_address_of(row))
