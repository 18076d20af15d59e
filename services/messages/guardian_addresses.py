"""Where an e-mail to a guardian goes: their sign-in address while they may sign in, else
the first address on file. Shared by every notice a family receives (request decisions,
a waitlist place turned into a seat, autopay)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, GuardianAccess, User


def guardian_address(db: Session, guardian: Guardian) -> str | None:
    """The guardian's sign-in address while they may sign in, else their first address."""
    user = db.get(User, guardian.user_id) if guardian.user_id is not None else None
    if user is not None and user.is_active and guardian.access is GuardianAccess.CAN_LOG_IN:
        return user.email
    return db.scalar(
        select(EmailAddress.email)
        .where(EmailAddress.guardian_id == guardian.id)
        .order_by(EmailAddress.is_login.desc(), EmailAddress.id)
        .limit(1)
    )


def primary_recipient(db: Session, family_id: int) -> tuple[str, str] | None:
    """(address, first name) of the family's primary guardian, None without an address."""
    primary = db.scalar(
        select(Guardian).where(Guardian.family_id == family_id, Guardian.is_primary)
    )
    if primary is None:
        return None
    address = guardian_address(db, primary)
    return (address, primary.first_name) if address else None
