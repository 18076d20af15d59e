"""Adding, correcting and deleting a family's contact details: e-mail addresses, phone numbers
and mailing addresses, by the family or at the front desk.

Who may change which value, and the audit entry each change writes, is
`services.families.editable_contacts`. Opting in or out is `contact_consent`, moving a value to
another guardian `contact_reassign`. The sign-in e-mail address cannot be deleted; correcting it
is `login_email_change`.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Address, EmailAddress, PhoneNumber
from services.families.contact_validation import (
    AddressInput,
    clean_address,
    clean_email,
    clean_phone,
    national_format,
)
from services.families.editable_contacts import (
    _editable_guardian,
    _editable_row,
    _record,
    contact_scope,
)
from services.families.login_email_change import _change_login_email
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

PHONE_LABELS = ("mobile", "home", "work", "other")

EMAIL_TAKEN = "That e-mail address is already on your family's account."
PHONE_TAKEN = "The phone number {number} is already on your family's account."
ADDRESS_TAKEN = "That mailing address is already on your family's account."
LOGIN_EMAIL_KEPT = (
    "The sign-in e-mail address cannot be deleted. Change it instead, or keep it to sign in."
)


# E-mail addresses


def add_email(db: Session, actor: Actor, guardian_id: int, email: str) -> int:
    """A new e-mail address for a guardian; returns its id. A guardian's own addition is
    opted in to e-mail news; one the desk adds is not, until the desk records the parent's
    yes (`contact_consent`), so consent is never assumed for them."""
    scope = contact_scope(actor)
    require_id(guardian_id, "guardian")
    address = clean_email(email)
    with write_transaction(db, conflict=EMAIL_TAKEN):
        guardian = _editable_guardian(db, actor, scope, guardian_id)
        family_id = guardian.family_id
        _refuse_duplicate_email(db, family_id, address)
        row = EmailAddress(
            family_id=family_id,
            guardian_id=guardian.id,
            email=address,
            blasts_opt_in=not actor.is_staff,
            created_at=clock.now(),
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.email_added", row, guardian, email=address)
    return row.id


def update_email(db: Session, actor: Actor, email_id: int, email: str) -> None:
    """Correct an e-mail address. For the sign-in address this also changes the account's
    sign-in e-mail, needs a recent sign-in, and the old address is told of the change."""
    scope = contact_scope(actor)
    require_id(email_id, "e-mail address")
    address = clean_email(email)
    with write_transaction(db, conflict=EMAIL_TAKEN):
        row, guardian = _editable_row(db, actor, scope, EmailAddress, email_id)
        old = row.email
        if old == address:
            return
        _refuse_duplicate_email(db, row.family_id, address, other_than=row.id)
        if row.is_login:
            _change_login_email(db, actor, row, guardian, address)
            return
        row.email = address
        _record(db, actor, "contact.email_changed", row, guardian, old=old, new=address)


def delete_email(db: Session, actor: Actor, email_id: int) -> None:
    """Remove an e-mail address; the sign-in address cannot be removed."""
    scope = contact_scope(actor)
    require_id(email_id, "e-mail address")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, scope, EmailAddress, email_id)
        if row.is_login:
            raise ValidationError(LOGIN_EMAIL_KEPT)
        _record(db, actor, "contact.email_deleted", row, guardian, email=row.email)
        db.delete(row)


# Phone numbers


def add_phone(db: Session, actor: Actor, guardian_id: int, raw: str, label: str = "mobile") -> int:
    """A new phone number for a guardian; returns its id. Opted in to SMS/voice when the
    guardian adds it, not when the desk does (see `add_email`). A number without a country
    code is read in the portal's default phone region."""
    scope = contact_scope(actor)
    require_id(guardian_id, "guardian")
    e164 = clean_phone(raw, get_settings(db).default_phone_region)
    label = _clean_label(label)
    with write_transaction(db, conflict=PHONE_TAKEN.format(number=national_format(e164))):
        guardian = _editable_guardian(db, actor, scope, guardian_id)
        _refuse_duplicate_phone(db, guardian.family_id, e164)
        row = PhoneNumber(
            family_id=guardian.family_id,
            guardian_id=guardian.id,
            e164=e164,
            label=label,
            sms_opt_in=not actor.is_staff,
            created_at=clock.now(),
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.phone_added", row, guardian, phone=e164, label=label)
    return row.id


def update_phone(db: Session, actor: Actor, phone_id: int, raw: str, label: str) -> None:
    """Correct a phone number or its label."""
    scope = contact_scope(actor)
    require_id(phone_id, "phone number")
    e164 = clean_phone(raw, get_settings(db).default_phone_region)
    label = _clean_label(label)
    with write_transaction(db, conflict=PHONE_TAKEN.format(number=national_format(e164))):
        row, guardian = _editable_row(db, actor, scope, PhoneNumber, phone_id)
        old = {"phone": row.e164, "label": row.label}
        new = {"phone": e164, "label": label}
        if old == new:
            return
        if e164 != row.e164:
            _refuse_duplicate_phone(db, row.family_id, e164, other_than=row.id)
        row.e164, row.label = e164, label
        _record(db, actor, "contact.phone_changed", row, guardian, old=old, new=new)


def delete_phone(db: Session, actor: Actor, phone_id: int) -> None:
    scope = contact_scope(actor)
    require_id(phone_id, "phone number")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, scope, PhoneNumber, phone_id)
        _record(db, actor, "contact.phone_deleted", row, guardian, phone=row.e164)
        db.delete(row)


# Mailing addresses


def add_address(db: Session, actor: Actor, guardian_id: int, address: AddressInput) -> int:
    """A new mailing address for a guardian; returns its id."""
    scope = contact_scope(actor)
    require_id(guardian_id, "guardian")
    clean = clean_address(address)
    with write_transaction(db):
        guardian = _editable_guardian(db, actor, scope, guardian_id)
        _refuse_duplicate_address(db, guardian.family_id, clean)
        row = Address(
            family_id=guardian.family_id,
            guardian_id=guardian.id,
            created_at=clock.now(),
            **asdict(clean),
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.address_added", row, guardian, address=asdict(clean))
    return row.id


def update_address(db: Session, actor: Actor, address_id: int, address: AddressInput) -> None:
    scope = contact_scope(actor)
    require_id(address_id, "mailing address")
    clean = clean_address(address)
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, scope, Address, address_id)
        old = _address_of(row)
        if old == clean:
            return
        _refuse_duplicate_address(db, row.family_id, clean, other_than=row.id)
        for name, value in asdict(clean).items():
            setattr(row, name, value)
        _record(
            db, actor, "contact.address_changed", row, guardian, old=asdict(old), new=asdict(clean)
        )


def delete_address(db: Session, actor: Actor, address_id: int) -> None:
    scope = contact_scope(actor)
    require_id(address_id, "mailing address")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, scope, Address, address_id)
        _record(
            db, actor, "contact.address_deleted", row, guardian, address=asdict(_address_of(row))
        )
        db.delete(row)


# Helpers


def _refuse_duplicate_email(
    db: Session, family_id: int, address: str, *, other_than: int | None = None
) -> None:
    query = select(EmailAddress.id).where(
        EmailAddress.family_id == family_id, EmailAddress.email == address
    )
    if other_than is not None:
        query = query.where(EmailAddress.id != other_than)
    if db.scalar(query) is not None:
        raise ValidationError(EMAIL_TAKEN)


def _refuse_duplicate_phone(
    db: Session, family_id: int, e164: str, *, other_than: int | None = None
) -> None:
    query = select(PhoneNumber.id).where(
        PhoneNumber.family_id == family_id, PhoneNumber.e164 == e164
    )
    if other_than is not None:
        query = query.where(PhoneNumber.id != other_than)
    if db.scalar(query) is not None:
        raise ValidationError(PHONE_TAKEN.format(number=national_format(e164)))


def _refuse_duplicate_address(
    db: Session, family_id: int, clean: AddressInput, *, other_than: int | None = None
) -> None:
    """The same address written with other capitals is the same address."""
    key = _address_key(clean)
    rows = db.scalars(select(Address).where(Address.family_id == family_id))
    if any(r.id != other_than and _address_key(_address_of(r)) == key for r in rows):
        raise ValidationError(ADDRESS_TAKEN)


def _address_key(a: AddressInput) -> tuple[str, ...]:
    return tuple(v.casefold() for v in asdict(a).values())


def _address_of(row: Address) -> AddressInput:
    return AddressInput(row.line1, row.line2, row.city, row.region, row.postal_code, row.country)


def _clean_label(label: object) -> str:
    if isinstance(label, str) and label.strip().lower() in PHONE_LABELS:
        return label.strip().lower()
    raise ValidationError("Choose the kind of phone number: mobile, home, work or other.")
