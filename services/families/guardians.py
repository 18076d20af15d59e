"""A family's guardians as the Account page lists them; adding a guardian and the payment
permission, both the primary guardian's to manage.

Contact details (e-mails, phones, addresses) are services/families/contacts.py; invitations and
their
states are services/accounts/invitations.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, GuardianAccess, PhoneNumber, User
from services.accounts import invitations
from services.accounts.invitations import EMAIL_TAKEN, locked_secondary_guardian
from services.accounts.reauth import require_recent_sign_in
from services.families.contact_validation import clean_email, clean_phone
from services.families.students import clean_person_name  # one rule for every name
from services.kernel import audit, clock
from services.kernel.access import Actor, require_guardian, require_primary_guardian
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction


@dataclass(frozen=True)
class GuardianView:
    id: int
    name: str
    email: str  # the sign-in address (else the guardian's first address, else "")
    access: str  # GuardianAccess value: no_login, invite_sent, can_log_in, invite_revoked
    may_pay: bool  # the primary guardian always may
    is_primary: bool


def list_guardians(db: Session, actor: Actor) -> list[GuardianView]:
    """The actor's family's guardians, the primary first. Any guardian of the family."""
    family_id = require_guardian(actor)
    guardians = db.scalars(
        select(Guardian)
        .where(Guardian.family_id == family_id)
        .order_by(Guardian.is_primary.desc(), Guardian.id)
    ).all()
    emails: dict[int, str] = {}
    for guardian_id, email in db.execute(
        select(EmailAddress.guardian_id, EmailAddress.email)
        .where(EmailAddress.family_id == family_id, EmailAddress.guardian_id.is_not(None))
        .order_by(EmailAddress.is_login.desc(), EmailAddress.id)
    ):
        emails.setdefault(guardian_id, email)
    return [_view(g, emails.get(g.id, "")) for g in guardians]


def add_guardian(
    db: Session,
    actor: Actor,
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    invite: bool,
    base_url: str,
) -> GuardianView:
    """A new secondary guardian with their e-mail (and phone), optionally invited to sign in at
    once. Inviting needs a recent sign-in. An address or number the family already keeps
    unassigned is given to the new guardian."""
    family_id = require_primary_guardian(actor)
    if not isinstance(invite, bool):
        raise ValidationError("Choose whether to invite the guardian to sign in.")
    first = clean_person_name(first_name, "first name")
    last = clean_person_name(last_name, "last name")
    address = clean_email(email)
    number = ""
    if not isinstance(phone, str):
        raise ValidationError("Enter a phone number.")
    if phone.strip():
        number = clean_phone(phone, get_settings(db).default_phone_region)
    if invite:
        require_recent_sign_in(db, actor)
    with write_transaction(db):
        if db.scalar(select(User.id).where(User.email == address)) is not None:
            raise ValidationError(EMAIL_TAKEN)
        email_row = _unassigned(
            db,
            db.scalar(
                select(EmailAddress).where(
                    EmailAddress.family_id == family_id, EmailAddress.email == address
                )
            ),
            "e-mail address",
        )
        phone_row = _unassigned(
            db,
            db.scalar(
                select(PhoneNumber).where(
                    PhoneNumber.family_id == family_id, PhoneNumber.e164 == number
                )
            )
            if number
            else None,
            "phone number",
        )
        now = clock.now()
        guardian = Guardian(
            family_id=family_id,
            first_name=first,
            last_name=last,
            is_primary=False,
            may_pay=False,
            access=GuardianAccess.NO_LOGIN,
            created_at=now,
        )
        db.add(guardian)
        db.flush()
        if email_row is None:
            email_row = EmailAddress(family_id=family_id, email=address, created_at=now)
            db.add(email_row)
        email_row.guardian_id, email_row.is_login = guardian.id, True
        if number and phone_row is None:
            phone_row = PhoneNumber(family_id=family_id, e164=number, created_at=now)
            db.add(phone_row)
        if phone_row is not None:
            phone_row.guardian_id = guardian.id
        db.flush()
        audit.record(
            db,
            actor,
            "guardian.added",
            entity="guardian",
            entity_id=guardian.id,
            details={"guardian": f"{first} {last}"},
        )
        if invite:
            invitations.invite(db, actor, guardian, base_url=base_url)
    return _view(guardian, address)


def set_payment_permission(db: Session, actor: Actor, guardian_id: int, allowed: bool) -> None:
    """Let a secondary guardian pay on the family's account, or stop them. Granting needs a
    recent sign-in; withdrawing never waits for one."""
    require_primary_guardian(actor)
    if not isinstance(allowed, bool):
        raise ValidationError("Choose whether the guardian may make payments.")
    if allowed:
        require_recent_sign_in(db, actor)
    with write_transaction(db):
        guardian = locked_secondary_guardian(db, actor, guardian_id)
        if guardian.may_pay == allowed:
            return
        guardian.may_pay = allowed
        audit.record(
            db,
            actor,
            "guardian.payment_permission",
            entity="guardian",
            entity_id=guardian.id,
            details={"guardian": f"{guardian.first_name} {guardian.last_name}", "allowed": allowed},
        )


Contact = TypeVar("Contact", EmailAddress, PhoneNumber)


def _unassigned(db: Session, row: Contact | None, what: str) -> Contact | None:
    """The family's existing row with the new value, free to give to the new guardian; refused
    when another guardian holds it (the family keeps each value once)."""
    if row is None or row.guardian_id is None:
        return row
    holder = db.get(Guardian, row.guardian_id)
    name = holder.first_name if holder else "another guardian"
    raise ValidationError(f"That {what} is already listed for {name}.")


def _view(guardian: Guardian, email: str) -> GuardianView:
    return GuardianView(
        id=guardian.id,
        name=f"{guardian.first_name} {guardian.last_name}",
        email=email,
        access=guardian.access.value,
        may_pay=guardian.is_primary or guardian.may_pay,
        is_primary=guardian.is_primary,
    )
