"""Shared builders for the contact-details tests: the Rivera family with guardians in every
access state, contact rows of each kind for each of them, unassigned values, and another
family's values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Address,
    AuditEntry,
    EmailAddress,
    Guardian,
    GuardianAccess,
    OutboxMessage,
    PhoneNumber,
    Role,
    User,
)
from services.kernel import clock
from services.kernel.access import Actor
from tests import factories as f


def guardian(
    db: Session,
    fam_id: int,
    first: str,
    access: GuardianAccess = GuardianAccess.NO_LOGIN,
    *,
    last: str = "Rivera",
    may_pay: bool = False,
) -> Guardian:
    row = Guardian(
        family_id=fam_id,
        first_name=first,
        last_name=last,
        access=access,
        may_pay=may_pay,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


def email(
    db: Session, fam_id: int, owner: Guardian | None, address: str, *, opted_in: bool = True
) -> EmailAddress:
    row = EmailAddress(
        family_id=fam_id,
        guardian_id=owner.id if owner else None,
        email=address,
        blasts_opt_in=opted_in,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


def phone(
    db: Session,
    fam_id: int,
    owner: Guardian | None,
    e164: str,
    *,
    label: str = "mobile",
    opted_in: bool = True,
) -> PhoneNumber:
    row = PhoneNumber(
        family_id=fam_id,
        guardian_id=owner.id if owner else None,
        e164=e164,
        label=label,
        sms_opt_in=opted_in,
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


def address(
    db: Session, fam_id: int, owner: Guardian | None, line1: str, *, city: str = "Springfield"
) -> Address:
    row = Address(
        family_id=fam_id,
        guardian_id=owner.id if owner else None,
        line1=line1,
        line2="",
        city=city,
        region="IL",
        postal_code="62704",
        country="US",
        created_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


@dataclass
class Holdings:
    """One contact value of each kind held by one guardian (or unassigned)."""

    email: EmailAddress
    phone: PhoneNumber
    address: Address


@dataclass
class Account:
    """The Rivera family: Alex (primary, signs in), Sam (secondary, "Can Log In"), Jamie
    (secondary, no login) and Robin (secondary, invite sent); values of each kind for Alex,
    Sam and Jamie, unassigned ones, and the Okafor family's values."""

    gym: f.FamilyGym
    alex: Guardian
    sam: Guardian
    jamie: Guardian
    robin: Guardian
    alex_login: EmailAddress
    sam_login: EmailAddress
    mine: Holdings  # Alex's
    sams: Holdings
    jamies: Holdings
    unassigned: Holdings
    others: Holdings  # the Okafor family's (their primary guardian's)
    instructor: Actor  # teaches at Northside, where both families have a class

    @property
    def primary(self) -> Actor:
        return self.gym.guardian

    @property
    def second(self) -> Actor:
        return self.gym.second

    @property
    def outsider(self) -> Actor:
        return self.gym.other_guardian

    @property
    def desk(self) -> Actor:
        """Northside's front desk: both families have a class there."""
        return self.gym.desk


def account(db: Session) -> Account:
    gym = f.family_gym(db)
    fam = gym.family.id
    alex = db.get(Guardian, gym.guardian.guardian_id)
    sam = db.get(Guardian, gym.second.guardian_id)
    other = db.get(Guardian, gym.other_guardian.guardian_id)
    assert alex is not None and sam is not None and other is not None
    jamie = guardian(db, fam, "Jamie")
    robin = guardian(db, fam, "Robin", GuardianAccess.INVITE_SENT)
    alex_login = db.scalars(select(EmailAddress).where(EmailAddress.guardian_id == alex.id)).one()
    sam_account = db.get(User, sam.user_id)
    assert sam_account is not None
    sam_login = EmailAddress(
        family_id=fam,
        guardian_id=sam.id,
        email=sam_account.email,
        is_login=True,
        created_at=clock.now(),
    )
    db.add(sam_login)
    built = Account(
        gym=gym,
        alex=alex,
        sam=sam,
        jamie=jamie,
        robin=robin,
        alex_login=alex_login,
        sam_login=sam_login,
        mine=Holdings(
            email(db, fam, alex, "alex.work@example.com"),
            phone(db, fam, alex, "+13125550101"),
            address(db, fam, alex, "1 Alex St"),
        ),
        sams=Holdings(
            email(db, fam, sam, "sam.home@example.com"),
            phone(db, fam, sam, "+13125550102"),
            address(db, fam, sam, "2 Sam St"),
        ),
        jamies=Holdings(
            email(db, fam, jamie, "jamie@example.com"),
            phone(db, fam, jamie, "+13125550103", label="home"),
            address(db, fam, jamie, "3 Jamie St"),
        ),
        unassigned=Holdings(
            email(db, fam, None, "old.family@example.com", opted_in=False),
            phone(db, fam, None, "+13125550104", label="other", opted_in=False),
            address(db, fam, None, "4 Old Rd"),
        ),
        others=Holdings(
            email(db, gym.other_family.id, other, "okafor.work@example.com"),
            phone(db, gym.other_family.id, other, "+13125550199"),
            address(db, gym.other_family.id, other, "9 Okafor Ave"),
        ),
        instructor=f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR),
    )
    db.commit()
    return built


def written(db: Session) -> dict[str, int]:
    """Row counts of everything a contact change writes (a refused call left nothing)."""
    db.rollback()
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model)) or 0
        for model in (EmailAddress, PhoneNumber, Address, AuditEntry, OutboxMessage, User)
    }


def audit_actions(db: Session) -> list[str]:
    db.rollback()
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def last_audit(db: Session) -> AuditEntry:
    db.rollback()
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    return entry
