"""The desk's changes to a family after it is registered: a guardian's name, another e-mail or
phone for a guardian, another (secondary) guardian with their contact details. Students are
added and edited with the families domain's own functions (services.families.students
add_student / update_student take a `family_id` for staff); a family keeps exactly one primary
guardian."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, PhoneNumber
from services.backoffice.family_input import MAX_GUARDIANS, GuardianSetup, clean_guardian
from services.backoffice.family_setup import add_contact_rows, add_guardian_rows
from services.families.contact_validation import clean_email, clean_phone
from services.families.students import clean_person_name
from services.kernel import audit
from services.kernel.access import Actor, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import guardian_for
from services.kernel.reach import reachable_family
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_text


def rename_guardian(
    db: Session, actor: Actor, guardian_id: int, first_name: str, last_name: str
) -> None:
    """Correct a guardian's name (staff of a location that sees the family; admins any)."""
    require_staff(actor)
    require_id(guardian_id, "guardian")
    first = clean_person_name(first_name, "first name")
    last = clean_person_name(last_name, "last name")
    with write_transaction(db):
        guardian = _guardian_in_reach(db, actor, guardian_id)
        before = f"{guardian.first_name} {guardian.last_name}"
        if (guardian.first_name, guardian.last_name) == (first, last):
            return
        guardian.first_name, guardian.last_name = first, last
        audit.record(
            db, actor, "guardian.renamed", entity="guardian", entity_id=guardian.id,
            family_id=guardian.family_id, details={"before": before, "after": f"{first} {last}"},
        )  # fmt: skip


def add_family_guardian(db: Session, actor: Actor, family_id: int, guardian: GuardianSetup) -> int:
    """A secondary guardian joins the family with their contact details; returns their id.
    The family already has its primary guardian, so a second primary is refused."""
    require_staff(actor)
    require_id(family_id, "family")
    clean = clean_guardian(guardian, get_settings(db).default_phone_region)
    if clean.is_primary:
        raise ValidationError("The family already has its primary guardian; add a secondary one.")
    with write_transaction(db):
        family_id = reachable_family(db, actor, family_id)
        count = len(db.scalars(select(Guardian.id).where(Guardian.family_id == family_id)).all())
        if count >= MAX_GUARDIANS:
            raise ValidationError(f"A family can have at most {MAX_GUARDIANS} guardians here.")
        _refuse_kept(db, family_id, clean.emails, clean.phones)
        return add_guardian_rows(db, actor, family_id, clean).id


def add_guardian_contact(
    db: Session,
    actor: Actor,
    guardian_id: int,
    *,
    email: str,
    phone: str,
    email_opt_in: bool,
    sms_opt_in: bool,
) -> None:
    """Give a guardian another e-mail address and/or phone number, with the consent the
    guardian gave for it (either may be blank, not both)."""
    require_staff(actor)
    require_id(guardian_id, "guardian")
    if not isinstance(email_opt_in, bool) or not isinstance(sms_opt_in, bool):
        raise ValidationError("Choose the e-mail and SMS consent.")
    region = get_settings(db).default_phone_region
    emails = (clean_email(email),) if require_text(email, "e-mail address").strip() else ()
    phones = (clean_phone(phone, region),) if require_text(phone, "phone number").strip() else ()
    if not emails and not phones:
        raise ValidationError("Enter an e-mail address or a phone number to add.")
    with write_transaction(db):
        guardian = _guardian_in_reach(db, actor, guardian_id)
        _refuse_kept(db, guardian.family_id, emails, phones)
        add_contact_rows(
            db, actor, guardian, emails, phones, email_opt_in=email_opt_in, sms_opt_in=sms_opt_in
        )


def _refuse_kept(
    db: Session, family_id: int, emails: tuple[str, ...], phones: tuple[str, ...]
) -> None:
    """A family keeps each address and number once (unique in the database too)."""
    for email in emails:
        if db.scalar(_kept(EmailAddress, family_id, EmailAddress.email == email)):
            raise ValidationError(f"The family already keeps the e-mail address {email}.")
    for phone in phones:
        if db.scalar(_kept(PhoneNumber, family_id, PhoneNumber.e164 == phone)):
            raise ValidationError(f"The family already keeps the phone number {phone}.")


def _kept(model: type[EmailAddress] | type[PhoneNumber], family_id: int, same: object):  # type: ignore[no-untyped-def]
    return select(model.id).where(model.family_id == family_id, same)  # type: ignore[arg-type]


def _guardian_in_reach(db: Session, actor: Actor, guardian_id: int) -> Guardian:
    """The guardian, row-locked; one of a family out of the actor's reach answers like a
    missing guardian."""
    guardian = _reachable_guardian(db, actor, guardian_id)
    locked = db.get(Guardian, guardian.id, with_for_update=True, populate_existing=True)
    if locked is None:
        raise NotFound("guardian")
    return locked


def _reachable_guardian(db: Session, actor: Actor, guardian_id: int) -> Guardian:
    """The guardian (not locked) if the actor reaches their family; else "not found"."""
    guardian = guardian_for(db, actor, guardian_id)
    try:
        reachable_family(db, actor, guardian.family_id)
    except NotFound:
        raise NotFound("guardian") from None
    return guardian
