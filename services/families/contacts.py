"""The Account page's guardians and their contact details (read model), and the rule for whose
contact details a guardian may see and change.

Who sees what (issue 6):

- Only guardians of the family reach it (`account_contacts`); another family's records answer
  like missing ones. The front desk reads a family it reaches with `desk_contacts`: every
  guardian's details, and the values linked to no guardian (instructors are refused).
- Every guardian sees every guardian of the family by name, with the access indicator
  ("Can Log In", "Invite Sent", "Invite Revoked", "No login") and whether they may pay.
- Contact details (e-mails, phones, mailing addresses) are shown only where the actor may
  change them, so "may see" and "may change" are one rule, `editable`:
  - a guardian always edits their own;
  - the primary guardian edits those of secondary guardians who cannot sign in themselves
    (no login, invite sent, invite revoked). Once a secondary guardian has accepted the
    invitation ("Can Log In") the details are theirs: the primary sees only the name and
    the access indicator, and cannot change them;
  - a secondary guardian sees the other guardians' names only.
- Contact values linked to no guardian ("Unassigned") are shown to, and changed by, the
  primary guardian only.

Four queries per call (guardians, e-mails, phones, addresses) plus the portal settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from data.models import Address, EmailAddress, Guardian, GuardianAccess, PhoneNumber
from services.families.contact_validation import AddressInput, national_format, one_line
from services.kernel.access import Actor, require_guardian, require_staff
from services.kernel.reach import reachable_family
from services.kernel.settings import get_settings

ACCESS_LABELS = {
    GuardianAccess.CAN_LOG_IN: "Can Log In",
    GuardianAccess.INVITE_SENT: "Invite Sent",
    GuardianAccess.INVITE_REVOKED: "Invite Revoked",
    GuardianAccess.NO_LOGIN: "No login",
}


@dataclass(frozen=True)
class EmailView:
    id: int
    email: str
    is_login: bool  # the guardian's sign-in address: marked, cannot be deleted
    opted_out: bool  # shown as "Unsubscribed"


@dataclass(frozen=True)
class PhoneView:
    id: int
    e164: str
    national: str  # national format; numbers of another country than the portal's: +CC …
    label: str  # mobile, home, work or other
    opted_out: bool  # no SMS/voice messages: shown as "Unsubscribed"


@dataclass(frozen=True)
class AddressView:
    id: int
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    one_line: str


@dataclass(frozen=True)
class GuardianContacts:
    guardian_id: int
    name: str
    is_primary: bool
    is_self: bool
    access: str  # a GuardianAccess value
    access_label: str
    may_pay: bool
    editable: bool  # the actor may see and change this guardian's contact details
    emails: list[EmailView]  # empty when not editable
    phones: list[PhoneView]
    addresses: list[AddressView]


@dataclass(frozen=True)
class UnassignedContacts:
    addresses: list[AddressView]
    emails: list[EmailView]
    phones: list[PhoneView]


@dataclass(frozen=True)
class AccountContacts:
    guardians: list[GuardianContacts]  # primary first, then by name
    unassigned: UnassignedContacts  # empty unless the actor is the primary guardian or the desk


def account_contacts(db: Session, actor: Actor) -> AccountContacts:
    """The family's guardians with the contact details the actor may see (see module doc)."""
    return _contacts(db, actor, require_guardian(actor))


def desk_contacts(db: Session, actor: Actor, family_id: int) -> AccountContacts:
    """A family's guardians with all their contact details, for the front desk (staff of a
    location that sees the family, admins)."""
    require_staff(actor)
    return _contacts(db, actor, reachable_family(db, actor, family_id))


def _contacts(db: Session, actor: Actor, family_id: int) -> AccountContacts:
    guardians = family_guardians(db, family_id)
    editable = {g.id for g in guardians if may_edit(actor, g)}
    home_region = get_settings(db).default_phone_region

    emails: dict[int | None, list[EmailView]] = defaultdict(list)
    for e in db.scalars(
        select(EmailAddress)
        .where(
            EmailAddress.family_id == family_id,
            _in_reach(actor, editable, EmailAddress.guardian_id),
        )
        .order_by(EmailAddress.is_login.desc(), EmailAddress.email, EmailAddress.id)
    ):
        emails[e.guardian_id].append(EmailView(e.id, e.email, e.is_login, not e.blasts_opt_in))
    phones: dict[int | None, list[PhoneView]] = defaultdict(list)
    for p in db.scalars(
        select(PhoneNumber)
        .where(
            PhoneNumber.family_id == family_id, _in_reach(actor, editable, PhoneNumber.guardian_id)
        )
        .order_by(PhoneNumber.id)
    ):
        national = national_format(p.e164, home_region)
        phones[p.guardian_id].append(PhoneView(p.id, p.e164, national, p.label, not p.sms_opt_in))
    addresses: dict[int | None, list[AddressView]] = defaultdict(list)
    for a in db.scalars(
        select(Address)
        .where(Address.family_id == family_id, _in_reach(actor, editable, Address.guardian_id))
        .order_by(Address.id)
    ):
        addresses[a.guardian_id].append(address_view(a))

    return AccountContacts(
        guardians=[
            GuardianContacts(
                guardian_id=g.id,
                name=guardian_name(g),
                is_primary=g.is_primary,
                is_self=g.id == actor.guardian_id,
                access=g.access.value,
                access_label=ACCESS_LABELS[g.access],
                may_pay=g.is_primary or g.may_pay,
                editable=g.id in editable,
                emails=emails[g.id] if g.id in editable else [],
                phones=phones[g.id] if g.id in editable else [],
                addresses=addresses[g.id] if g.id in editable else [],
            )
            for g in guardians
        ],
        unassigned=UnassignedContacts(
            addresses=addresses[None], emails=emails[None], phones=phones[None]
        ),
    )


def family_guardians(db: Session, family_id: int) -> list[Guardian]:
    """The family's guardians, primary first, then by name."""
    return list(
        db.scalars(
            select(Guardian)
            .where(Guardian.family_id == family_id)
            .order_by(
                Guardian.is_primary.desc(), Guardian.first_name, Guardian.last_name, Guardian.id
            )
        )
    )


def may_edit(actor: Actor, guardian: Guardian) -> bool:
    """Whether the actor may see and change `guardian`'s contact details (same family, or a
    family the desk reaches, checked by the caller): their own always; the primary
    guardian's also those of secondary guardians who do not sign in themselves; the desk's
    every guardian's (what the desk may do with a sign-in address is `login_email_change`)."""
    if actor.is_staff:
        return True
    if guardian.id == actor.guardian_id:
        return True
    return actor.is_primary and guardian.access is not GuardianAccess.CAN_LOG_IN


def guardian_name(guardian: Guardian) -> str:
    return f"{guardian.first_name} {guardian.last_name}".strip()


def address_view(a: Address) -> AddressView:
    parts = AddressInput(a.line1, a.line2, a.city, a.region, a.postal_code, a.country)
    return AddressView(
        a.id, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, one_line(parts)
    )


def _in_reach(
    actor: Actor, editable: Iterable[int], column: ColumnElement[int | None]
) -> ColumnElement[bool]:
    """A filter on a contact table's guardian_id: the editable guardians' rows, and the
    unassigned rows for the primary guardian and the desk."""
    mine = column.in_(sorted(editable))
    return or_(mine, column.is_(None)) if actor.is_primary or actor.is_staff else mine
