"""The desk makes another guardian of a family its primary guardian.

A family has exactly one primary guardian at all times: the partial unique index
`uq_guardians_one_primary_per_family` allows at most one, and the change is two conditional
UPDATEs in one transaction (the old primary steps down, then the new one steps up only if
still a secondary of the family whose access was not revoked), so no commit ever sees none.
The family's guardians are row-locked in id order first, so two desks changing it at once
take turns.

What follows from the change:
- The new primary guardian manages the account (other guardians' details and access,
  payment permission) from their next click: the Actor is built from the guardian row on
  every page load.
- The old primary guardian becomes a secondary guardian who may still pay (`may_pay`), so
  the cards they saved keep working; the new primary can withdraw that on the Account page.
- Saved payment methods stay with the guardian who saved them (a guardian pays only with
  their own cards), with their own primary and recurring-authorized flags: nothing moves.
- Both guardians are e-mailed (outbox), so a change made on the wrong family, or asked for by
  the wrong person, is noticed by the people it affects.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import Family, Guardian, GuardianAccess
from services.backoffice.family_edit import _reachable_guardian
from services.families.contacts import guardian_name
from services.kernel import audit, outbox
from services.kernel.access import Actor, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.messages.guardian_addresses import guardian_address

ALREADY_PRIMARY = "{name} is already the primary guardian."
REVOKED = "{name}'s portal access was revoked, so they cannot be the primary guardian."
NO_ADDRESS = (
    "Add an e-mail address for {name} first: the primary guardian receives the family's "
    "notices and the portal invitation there."
)
CHANGED_MEANWHILE = "The family's guardians changed meanwhile. Open the family again."


def make_primary_guardian(db: Session, actor: Actor, guardian_id: int) -> None:
    """Make `guardian_id` the family's primary guardian (staff of a location that sees the
    family, admins); the former primary stays as a secondary guardian who may pay."""
    require_staff(actor)
    require_id(guardian_id, "guardian")
    with write_transaction(db, conflict=CHANGED_MEANWHILE):
        family_id = _reachable_guardian(db, actor, guardian_id).family_id
        # Every guardian of the family, locked in id order (never the target first), so two
        # desks changing the same family queue up instead of deadlocking.
        guardians = db.scalars(
            select(Guardian)
            .where(Guardian.family_id == family_id)
            .order_by(Guardian.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        target = next((g for g in guardians if g.id == guardian_id), None)
        if target is None:
            raise NotFound("guardian")
        name = guardian_name(target)
        if target.is_primary:
            raise ValidationError(ALREADY_PRIMARY.format(name=name))
        if target.access is GuardianAccess.INVITE_REVOKED:
            raise ValidationError(REVOKED.format(name=name))
        if guardian_address(db, target) is None:
            raise ValidationError(NO_ADDRESS.format(name=name))
        former = next((g for g in guardians if g.is_primary), None)
        db.execute(
            update(Guardian)
            .where(Guardian.family_id == family_id, Guardian.is_primary)
            .values(is_primary=False, may_pay=True)
        )
        stepped_up = db.execute(
            update(Guardian)
            .where(
                Guardian.id == target.id,
                Guardian.family_id == family_id,
                Guardian.is_primary.is_(False),
                Guardian.access != GuardianAccess.INVITE_REVOKED,
            )
            .values(is_primary=True)
        ).rowcount
        if stepped_up != 1:
            raise ValidationError(CHANGED_MEANWHILE)
        audit.record(
            db, actor, "guardian.made_primary", entity="guardian", entity_id=target.id,
            family_id=family_id,
            details={"guardian": name, "former_guardian_id": former.id if former else None,
                     "former": guardian_name(former) if former else None},
        )  # fmt: skip
        _tell(db, family_id, name, [g for g in (target, former) if g is not None])


def _tell(db: Session, family_id: int, name: str, guardians: list[Guardian]) -> None:
    family = db.get(Family, family_id)
    business = get_settings(db).business_name
    for guardian in guardians:
        address = guardian_address(db, guardian)
        if address is None:
            continue
        outbox.enqueue_email(
            db,
            to_address=address,
            subject="Your family's primary guardian changed",
            body_text=(
                f"Hello {guardian.first_name},\n\n"
                f"{name} is now the primary guardian of the {family.name if family else ''} "
                f"account at {business}. The primary guardian manages the account: the other "
                "guardians' access and payment permission, and the contact details of "
                "guardians who do not sign in themselves. Saved cards stay with whoever "
                "saved them.\n\nIf you did not expect this, contact the front desk."
            ),
            kind="primary_guardian_changed",
            family_id=family_id,
        )
