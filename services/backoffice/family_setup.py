"""Registering a family at the front desk: its guardians with their contact details and
consent, its students, and the location where it was registered (its home location, which lets
that location's staff reach it at once; services.kernel.reach).

Before anything is written the desk is warned when an e-mail address, or a guardian's name with
a phone number, is already on file: `create_family` raises `PossibleDuplicate` naming the
families (a family the actor cannot reach is named only as "a family at another location"),
and the desk either opens that family or confirms "create anyway". Nothing is ever merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Address,
    EmailAddress,
    Family,
    Guardian,
    GuardianAccess,
    Location,
    PhoneNumber,
)
from data.models import Student as StudentRow
from services.backoffice.family_input import CleanFamily, CleanGuardian, FamilySetup, clean_family
from services.families.contact_consent import CONSENT_ACTIONS
from services.kernel import audit, clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import reachable_family
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

OTHER_LOCATION = "a family at another location"


@dataclass(frozen=True)
class DuplicateMatch:
    family_id: int | None  # None when the actor cannot reach that family
    family_name: str  # OTHER_LOCATION when the actor cannot reach it
    reason: str  # "e-mail maria@example.com", "Maria Garcia with +13125550123"


class PossibleDuplicate(ValidationError):
    """The family may already be on file; nothing was written. Confirm to create it anyway."""

    def __init__(self, matches: tuple[DuplicateMatch, ...]) -> None:
        listed = "; ".join(f"{m.family_name} ({m.reason})" for m in matches)
        super().__init__(
            f"This family may already be on file: {listed}. Open that family instead, or "
            "confirm to create a new family anyway."
        )
        self.matches = matches


def create_family(
    db: Session, actor: Actor, setup: FamilySetup, *, location_id: int, create_anyway: bool
) -> int:
    """Register a family at `location_id` (one of the actor's locations; admins any) and return
    its id. Refused with `PossibleDuplicate` unless `create_anyway` when its e-mails or a
    guardian's name and phone are already on file. Guardians start without a sign-in: invite
    the primary guardian afterwards (services.accounts.invitations.invite_primary_guardian)."""
    require_staff(actor)
    require_id(location_id, "location")
    require_location(actor, location_id)
    if not isinstance(create_anyway, bool):
        raise ValidationError("Choose whether to create the family anyway.")
    with write_transaction(db):
        location = db.get(Location, location_id)
        if location is None or not location.is_active:
            raise NotFound("location")
        clean = clean_family(db, setup, clock.today_in(location.timezone))
        matches = _duplicates(db, actor, clean)
        if matches and not create_anyway:
            raise PossibleDuplicate(matches)
        family = Family(name=clean.name, home_location_id=location.id, created_at=clock.now())
        db.add(family)
        db.flush()
        for guardian in clean.guardians:
            add_guardian_rows(db, actor, family.id, guardian)
        for student in clean.students:
            row = StudentRow(family_id=family.id, created_at=clock.now(), **vars(student))
            db.add(row)
            db.flush()
            audit.record(
                db, actor, "student.added", entity="student", entity_id=row.id,
                family_id=family.id,
            )  # fmt: skip
        audit.record(
            db,
            actor,
            "family.created",
            entity="family",
            entity_id=family.id,
            family_id=family.id,
            details={
                "name": family.name,
                "location_id": location.id,
                "guardians": len(clean.guardians),
                "students": len(clean.students),
                "despite_possible_duplicates": sorted(
                    {m.family_id for m in matches if m.family_id is not None}
                )
                if matches
                else [],
            },
        )
    return family.id


def add_guardian_rows(db: Session, actor: Actor, family_id: int, clean: CleanGuardian) -> Guardian:
    """A checked guardian with their e-mails, phones and address, each consent recorded as the
    family's consent history records it (services.families.contact_consent). Inside the
    caller's write transaction."""
    now = clock.now()
    guardian = Guardian(
        family_id=family_id,
        first_name=clean.first_name,
        last_name=clean.last_name,
        is_primary=clean.is_primary,
        may_pay=clean.is_primary,
        access=GuardianAccess.NO_LOGIN,
        created_at=now,
    )
    db.add(guardian)
    db.flush()
    if clean.address is not None:
        db.add(Address(family_id=family_id, guardian_id=guardian.id, created_at=now,
                       **vars(clean.address)))  # fmt: skip
    add_contact_rows(db, actor, guardian, clean.emails, clean.phones,
                     email_opt_in=clean.email_opt_in, sms_opt_in=clean.sms_opt_in)  # fmt: skip
    audit.record(
        db, actor, "guardian.added", entity="guardian", entity_id=guardian.id,
        family_id=family_id, details={"guardian": clean.full_name, "primary": clean.is_primary},
    )  # fmt: skip
    return guardian


def add_contact_rows(
    db: Session,
    actor: Actor,
    guardian: Guardian,
    emails: tuple[str, ...],
    phones: tuple[str, ...],
    *,
    email_opt_in: bool,
    sms_opt_in: bool,
) -> None:
    """Checked e-mails and phones (E.164) for `guardian`, each with its consent recorded the
    way the family's consent history reads it (services.families.contact_consent). Inside the
    caller's write transaction; the family keeping none of them already."""
    who = {"guardian_id": guardian.id, "guardian": f"{guardian.first_name} {guardian.last_name}"}
    rows: list[tuple[EmailAddress | PhoneNumber, str, dict[str, object]]] = []
    for email in emails:
        row = EmailAddress(
            family_id=guardian.family_id, guardian_id=guardian.id, email=email,
            blasts_opt_in=email_opt_in, created_at=clock.now(),
        )  # fmt: skip
        rows.append((row, CONSENT_ACTIONS[("email", email_opt_in)], {"email": email}))
    for phone in phones:
        row = PhoneNumber(
            family_id=guardian.family_id, guardian_id=guardian.id, e164=phone,
            sms_opt_in=sms_opt_in, created_at=clock.now(),
        )  # fmt: skip
        rows.append((row, CONSENT_ACTIONS[("sms", sms_opt_in)], {"phone": phone}))
    for row, action, value in rows:
        db.add(row)
        db.flush()
        audit.record(
            db, actor, action, entity=row.__tablename__, entity_id=row.id,
            family_id=guardian.family_id,
            details={**who, **value, "opted_in": action.endswith("_opt_in")},
        )  # fmt: skip


def _duplicates(db: Session, actor: Actor, clean: CleanFamily) -> tuple[DuplicateMatch, ...]:
    """Families already holding one of the e-mails, or a guardian with the same name and one
    of the phone numbers."""
    found: dict[tuple[int, str], None] = {}
    emails = [e for g in clean.guardians for e in g.emails]
    for family_id, email in db.execute(
        select(EmailAddress.family_id, EmailAddress.email)
        .where(EmailAddress.email.in_(emails))
        .order_by(EmailAddress.family_id)
    ):
        found[(family_id, f"e-mail {email}")] = None
    for g in clean.guardians:
        if not g.phones:
            continue
        for family_id, phone in db.execute(
            select(Guardian.family_id, PhoneNumber.e164)
            .join(PhoneNumber, PhoneNumber.guardian_id == Guardian.id)
            .where(
                func.lower(Guardian.first_name) == g.first_name.lower(),
                func.lower(Guardian.last_name) == g.last_name.lower(),
                PhoneNumber.e164.in_(g.phones),
            )
            .order_by(Guardian.family_id)
        ):
            found[(family_id, f"{g.full_name} with {phone}")] = None
    return tuple(_match(db, actor, family_id, reason) for family_id, reason in found)


def _match(db: Session, actor: Actor, family_id: int, reason: str) -> DuplicateMatch:
    try:
        reachable_family(db, actor, family_id)
    except NotFound:
        return DuplicateMatch(None, OTHER_LOCATION, reason)
    name = db.scalar(select(Family.name).where(Family.id == family_id)) or ""
    return DuplicateMatch(family_id, name, reason)
