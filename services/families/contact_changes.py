"""Changing a family's contact details: e-mail addresses, phone numbers, mailing addresses,
their e-mail/SMS consent, and moving a value to another guardian.

Who may change what is `services.families.contacts.may_edit`: a guardian their own details; the
primary
guardian also those of secondary guardians who do not sign in themselves, and the values
linked to no guardian. Staff are refused; another family's ids answer "not found".

Each change is one transaction with one audit entry whose details hold the values (contact
details are not secrets). Opting in or out is recorded as its own audit action
(`consent.email_opt_in`, `consent.email_opt_out`, `consent.sms_opt_in`, `consent.sms_opt_out`)
with the time and the actor: that is the consent history (`consent_history`).

The sign-in e-mail address cannot be deleted or moved; changing it also changes the account's
sign-in address (`users.email`, unique across all accounts), asks for a recent sign-in
(`services.accounts.reauth.require_recent_sign_in`) and tells the old address by e-mail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Address,
    AuditEntry,
    ContactChannel,
    EmailAddress,
    Guardian,
    PhoneNumber,
    User,
)
from services.accounts.reauth import require_recent_sign_in
from services.families.account_activity import who_did
from services.families.contact_validation import (
    AddressInput,
    clean_address,
    clean_email,
    clean_phone,
    national_format,
)
from services.families.contacts import family_guardians, guardian_name, may_edit
from services.kernel import audit, clock, outbox
from services.kernel.access import Actor, require_guardian, require_primary_guardian
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

PHONE_LABELS = ("mobile", "home", "work", "other")
ContactKind = Literal["email", "phone", "address"]
ContactRow = TypeVar("ContactRow", EmailAddress, PhoneNumber, Address)
CONTACT_MODELS: dict[str, type[EmailAddress] | type[PhoneNumber] | type[Address]] = {
    "email": EmailAddress,
    "phone": PhoneNumber,
    "address": Address,
}
CONTACT_NAMES = {"email": "e-mail address", "phone": "phone number", "address": "mailing address"}

EMAIL_TAKEN = "That e-mail address is already on your family's account."
PHONE_TAKEN = "The phone number {number} is already on your family's account."
ADDRESS_TAKEN = "That mailing address is already on your family's account."
LOGIN_EMAIL_TAKEN = (
    "That e-mail address is already used to sign in to another account. Choose another one."
)
LOGIN_EMAIL_KEPT = (
    "The sign-in e-mail address cannot be deleted. Change it instead, or keep it to sign in."
)
LOGIN_EMAIL_STAYS = "The sign-in e-mail address stays with its guardian."
ONLY_OWN = "You can change only your own contact details."
UNASSIGNED_PRIMARY = (
    "Only the primary guardian can change contact details that are not linked to a guardian."
)
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


# E-mail addresses


def add_email(db: Session, actor: Actor, guardian_id: int, email: str) -> int:
    """A new e-mail address for a guardian (opted in to e-mail news); returns its id."""
    family_id = require_guardian(actor)
    require_id(guardian_id, "guardian")
    address = clean_email(email)
    with write_transaction(db, conflict=EMAIL_TAKEN):
        guardian = _editable_guardian(db, actor, family_id, guardian_id)
        _refuse_duplicate_email(db, family_id, address)
        row = EmailAddress(
            family_id=family_id, guardian_id=guardian.id, email=address, created_at=clock.now()
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.email_added", row, guardian, email=address)
    return row.id


def update_email(db: Session, actor: Actor, email_id: int, email: str) -> None:
    """Correct an e-mail address. For the sign-in address this also changes the account's
    sign-in e-mail, needs a recent sign-in, and the old address is told of the change."""
    family_id = require_guardian(actor)
    require_id(email_id, "e-mail address")
    address = clean_email(email)
    with write_transaction(db, conflict=EMAIL_TAKEN):
        row, guardian = _editable_row(db, actor, family_id, EmailAddress, email_id)
        old = row.email
        if old == address:
            return
        _refuse_duplicate_email(db, family_id, address, other_than=row.id)
        if row.is_login:
            _change_login_email(db, actor, row, guardian, address)
            return
        row.email = address
        _record(db, actor, "contact.email_changed", row, guardian, old=old, new=address)


def delete_email(db: Session, actor: Actor, email_id: int) -> None:
    """Remove an e-mail address; the sign-in address cannot be removed."""
    family_id = require_guardian(actor)
    require_id(email_id, "e-mail address")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, family_id, EmailAddress, email_id)
        if row.is_login:
            raise ValidationError(LOGIN_EMAIL_KEPT)
        _record(db, actor, "contact.email_deleted", row, guardian, email=row.email)
        db.delete(row)


def set_email_opt_in(db: Session, actor: Actor, email_id: int, opted_in: bool) -> None:
    """Subscribe or unsubscribe an address from e-mail blasts (recorded as consent)."""
    _set_consent(db, actor, EmailAddress, email_id, opted_in)


# Phone numbers


def add_phone(db: Session, actor: Actor, guardian_id: int, raw: str, label: str = "mobile") -> int:
    """A new phone number for a guardian (opted in to SMS/voice); returns its id. A number
    without a country code is read in the portal's default phone region."""
    family_id = require_guardian(actor)
    require_id(guardian_id, "guardian")
    e164 = clean_phone(raw, get_settings(db).default_phone_region)
    label = _clean_label(label)
    with write_transaction(db, conflict=PHONE_TAKEN.format(number=national_format(e164))):
        guardian = _editable_guardian(db, actor, family_id, guardian_id)
        _refuse_duplicate_phone(db, family_id, e164)
        row = PhoneNumber(
            family_id=family_id,
            guardian_id=guardian.id,
            e164=e164,
            label=label,
            created_at=clock.now(),
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.phone_added", row, guardian, phone=e164, label=label)
    return row.id


def update_phone(db: Session, actor: Actor, phone_id: int, raw: str, label: str) -> None:
    """Correct a phone number or its label."""
    family_id = require_guardian(actor)
    require_id(phone_id, "phone number")
    e164 = clean_phone(raw, get_settings(db).default_phone_region)
    label = _clean_label(label)
    with write_transaction(db, conflict=PHONE_TAKEN.format(number=national_format(e164))):
        row, guardian = _editable_row(db, actor, family_id, PhoneNumber, phone_id)
        old = {"phone": row.e164, "label": row.label}
        new = {"phone": e164, "label": label}
        if old == new:
            return
        if e164 != row.e164:
            _refuse_duplicate_phone(db, family_id, e164, other_than=row.id)
        row.e164, row.label = e164, label
        _record(db, actor, "contact.phone_changed", row, guardian, old=old, new=new)


def delete_phone(db: Session, actor: Actor, phone_id: int) -> None:
    family_id = require_guardian(actor)
    require_id(phone_id, "phone number")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, family_id, PhoneNumber, phone_id)
        _record(db, actor, "contact.phone_deleted", row, guardian, phone=row.e164)
        db.delete(row)


def set_phone_opt_in(db: Session, actor: Actor, phone_id: int, opted_in: bool) -> None:
    """Allow or stop SMS/voice messages to a number (recorded as consent)."""
    _set_consent(db, actor, PhoneNumber, phone_id, opted_in)


# Mailing addresses


def add_address(db: Session, actor: Actor, guardian_id: int, address: AddressInput) -> int:
    """A new mailing address for a guardian; returns its id."""
    family_id = require_guardian(actor)
    require_id(guardian_id, "guardian")
    clean = clean_address(address)
    with write_transaction(db):
        guardian = _editable_guardian(db, actor, family_id, guardian_id)
        _refuse_duplicate_address(db, family_id, clean)
        row = Address(
            family_id=family_id, guardian_id=guardian.id, created_at=clock.now(), **asdict(clean)
        )
        db.add(row)
        db.flush()
        _record(db, actor, "contact.address_added", row, guardian, address=asdict(clean))
    return row.id


def update_address(db: Session, actor: Actor, address_id: int, address: AddressInput) -> None:
    family_id = require_guardian(actor)
    require_id(address_id, "mailing address")
    clean = clean_address(address)
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, family_id, Address, address_id)
        old = _address_of(row)
        if old == clean:
            return
        _refuse_duplicate_address(db, family_id, clean, other_than=row.id)
        for name, value in asdict(clean).items():
            setattr(row, name, value)
        _record(
            db, actor, "contact.address_changed", row, guardian, old=asdict(old), new=asdict(clean)
        )


def delete_address(db: Session, actor: Actor, address_id: int) -> None:
    family_id = require_guardian(actor)
    require_id(address_id, "mailing address")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, family_id, Address, address_id)
        _record(
            db, actor, "contact.address_deleted", row, guardian, address=asdict(_address_of(row))
        )
        db.delete(row)


# Reassigning


def reassign_contact(
    db: Session, actor: Actor, kind: ContactKind, contact_id: int, guardian_id: int
) -> None:
    """Primary guardian only: link an unassigned value (or one of a guardian whose details
    they manage) to a guardian whose details they manage. Sign-in addresses stay put."""
    family_id = require_primary_guardian(actor)
    if kind not in CONTACT_MODELS:
        raise ValidationError("Choose an e-mail address, a phone number or a mailing address.")
    require_id(contact_id, CONTACT_NAMES[kind])
    require_id(guardian_id, "guardian")
    with write_transaction(db):
        row, source = _editable_row(db, actor, family_id, CONTACT_MODELS[kind], contact_id)
        if isinstance(row, EmailAddress) and row.is_login:
            raise ValidationError(LOGIN_EMAIL_STAYS)
        target = _editable_guardian(db, actor, family_id, guardian_id)
        if source is not None and source.id == target.id:
            return
        row.guardian_id = target.id
        audit.record(
            db,
            actor,
            f"contact.{kind}_reassigned",
            entity=row.__tablename__,
            entity_id=row.id,
            family_id=family_id,
            details={
                "value": _value_of(row),
                "from_guardian_id": source.id if source else None,
                "from_guardian": guardian_name(source) if source else None,
                "guardian_id": target.id,
                "guardian": guardian_name(target),
            },
        )


# Consent history


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


# Helpers


def _set_consent(
    db: Session,
    actor: Actor,
    model: type[EmailAddress] | type[PhoneNumber],
    row_id: int,
    opted_in: bool,
) -> None:
    """Record an opt-in or opt-out (nothing when the value already says so)."""
    family_id = require_guardian(actor)
    require_id(row_id, CONTACT_NAMES[_kind_of(model)])
    if not isinstance(opted_in, bool):
        raise ValidationError("Choose subscribed or unsubscribed.")
    with write_transaction(db):
        row, guardian = _editable_row(db, actor, family_id, model, row_id)
        if isinstance(row, EmailAddress):
            channel, column, value = "email", "blasts_opt_in", {"email": row.email}
        else:
            channel, column, value = "sms", "sms_opt_in", {"phone": row.e164}
        if getattr(row, column) == opted_in:
            return
        setattr(row, column, opted_in)
        action = CONSENT_ACTIONS[(channel, opted_in)]
        _record(db, actor, action, row, guardian, **value, opted_in=opted_in)


def _editable_guardian(db: Session, actor: Actor, family_id: int, guardian_id: int) -> Guardian:
    """A guardian of the actor's family whose details the actor may change."""
    guardian = db.get(Guardian, guardian_id)
    if guardian is None or guardian.family_id != family_id:
        raise NotFound("guardian")
    _require_may_edit(actor, guardian)
    return guardian


def _editable_row(
    db: Session, actor: Actor, family_id: int, model: type[ContactRow], row_id: int
) -> tuple[ContactRow, Guardian | None]:
    """A contact row of the actor's family (locked for the change) and its guardian, if the
    actor may change it."""
    row = db.get(model, row_id, with_for_update=True)
    what = CONTACT_NAMES[_kind_of(model)]
    if row is None or row.family_id != family_id:
        raise NotFound(what)
    if row.guardian_id is None:
        if not actor.is_primary:
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


def _change_login_email(
    db: Session, actor: Actor, row: EmailAddress, guardian: Guardian | None, address: str
) -> None:
    require_recent_sign_in(db, actor)
    assert guardian is not None  # a sign-in address always has a guardian (CHECK constraint)
    old = row.email
    account = db.get(User, guardian.user_id) if guardian.user_id is not None else None
    if account is not None:
        taken = db.scalar(select(User.id).where(User.email == address, User.id != account.id))
        if taken is not None:
            raise ValidationError(LOGIN_EMAIL_TAKEN)
        account.email = address
    row.email = address
    outbox.enqueue_email(
        db,
        to_address=old,
        subject="Your sign-in e-mail address was changed",
        body_text=(
            f"The sign-in e-mail address of {guardian_name(guardian)} was changed from {old} "
            f"to {address} on {clock.now():%Y-%m-%d %H:%M} UTC.\n\n"
            "If you did not expect this, contact the front desk."
        ),
        kind="login_email_changed",
        family_id=row.family_id,
    )
    _record(db, actor, "contact.login_email_changed", row, guardian, old=old, new=address)


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


def _kind_of(model: type) -> str:
    return next(kind for kind, m in CONTACT_MODELS.items() if m is model)


def _value_of(row: EmailAddress | PhoneNumber | Address) -> object:
    if isinstance(row, EmailAddress):
        return row.email
    if isinstance(row, PhoneNumber):
        return row.e164
    return asdict(_address_of(row))


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
