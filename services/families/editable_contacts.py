"""The contact value (or the guardian) an actor may change, found and locked for the change,
and the audit entry every contact change writes.

Who may change what is `services.families.contacts.may_edit`: a guardian their own details; the
primary guardian also those of secondary guardians who do not sign in themselves, and the
values linked to no guardian; the front desk (staff and admins) every value of a family it
reaches (`services.kernel.reach`: staff only families seen at their locations). Instructors
are refused; another family's ids, or a family out of the desk's reach, answer "not found".

Each change is one transaction with one audit entry whose details hold the values (contact
details are not secrets).
"""

from __future__ import annotations

from typing import Literal, TypeVar

from sqlalchemy.orm import Session

from data.models import Address, EmailAddress, Guardian, PhoneNumber
from services.families.contacts import guardian_name, may_edit
from services.kernel import audit
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import AccessDenied, NotFound
from services.kernel.reach import reachable_family

ContactKind = Literal["email", "phone", "address"]
ContactRow = TypeVar("ContactRow", EmailAddress, PhoneNumber, Address)
CONTACT_MODELS: dict[str, type[EmailAddress] | type[PhoneNumber] | type[Address]] = {
    "email": EmailAddress,
    "phone": PhoneNumber,
    "address": Address,
}
CONTACT_NAMES = {"email": "e-mail address", "phone": "phone number", "address": "mailing address"}

ONLY_OWN = "You can change only your own contact details."
UNASSIGNED_PRIMARY = (
    "Only the primary guardian can change contact details that are not linked to a guardian."
)


NOT_FOR_INSTRUCTORS = "Contact details are changed by the family or at the front desk."


def contact_scope(actor: Actor) -> int | None:
    """The family a contact change is confined to: a guardian's own; None for the desk (staff
    and admins), whose reach is checked on each value's family. Anyone else is refused."""
    if actor.is_staff:
        return None
    if actor.is_instructor:
        raise AccessDenied(NOT_FOR_INSTRUCTORS)
    return require_guardian(actor)


def _in_scope(db: Session, actor: Actor, scope: int | None, family_id: int) -> bool:
    if scope is not None:
        return family_id == scope
    try:
        reachable_family(db, actor, family_id)
    except NotFound:
        return False
    return True


def _editable_guardian(db: Session, actor: Actor, scope: int | None, guardian_id: int) -> Guardian:
    """A guardian in the actor's scope (see `contact_scope`) whose details the actor may
    change."""
    guardian = db.get(Guardian, guardian_id)
    if guardian is None or not _in_scope(db, actor, scope, guardian.family_id):
        raise NotFound("guardian")
    _require_may_edit(actor, guardian)
    return guardian


def _editable_row(
    db: Session, actor: Actor, scope: int | None, model: type[ContactRow], row_id: int
) -> tuple[ContactRow, Guardian | None]:
    """A contact row in the actor's scope (locked for the change) and its guardian, if the
    actor may change it."""
    row = db.get(model, row_id, with_for_update=True)
    what = CONTACT_NAMES[_kind_of(model)]
    if row is None or not _in_scope(db, actor, scope, row.family_id):
        raise NotFound(what)
    if row.guardian_id is None:
        if not (actor.is_primary or actor.is_staff):
            raise AccessDenied(UNASSIGNED_PRIMARY)
        return row, None
    guardian = db.get(Guardian, row.guardian_id)
    assert guardian is not None  # the foreign key holds
    _require_may_edit(actor, guardian)
    return row, guardian


def _require_may_edit(actor: Actor, guardian: Guardian) -> None:
    if may_edit(actor, guardian):
        return
    if actor.is_primary:
        raise AccessDenied(
            f"{guardian_name(guardian)} signs in and keeps their own contact details; "
            "only they can change them."
        )
    raise AccessDenied(ONLY_OWN)


def _kind_of(model: type) -> str:
    return next(kind for kind, m in CONTACT_MODELS.items() if m is model)


def _record(
    db: Session,
    actor: Actor,
    action: str,
    row: EmailAddress | PhoneNumber | Address,
    guardian: Guardian | None,
    **details: object,
) -> None:
    audit.record(
        db,
        actor,
        action,
        entity=row.__tablename__,
        entity_id=row.id,
        family_id=row.family_id,
        details={
            "guardian_id": guardian.id if guardian else None,
            "guardian": guardian_name(guardian) if guardian else None,
            **details,
        },
    )
