"""The first-run setup: from the printed setup link (services/accounts/setup_link.py) the owner
names the business, its time zone and currency, creates their administrator account and the
first location — all in one transaction, audited, spending the link.

There is no actor: nobody exists yet, and the link's token is the proof. Exactly one setup
succeeds: every unused setup token is row-locked first (in id order), the link's own token is
spent by a conditional UPDATE and the others are revoked, and the "no administrator yet"
check runs under those locks; `scripts/create_admin.py` (services.accounts.staff_accounts)
takes the same locks, so it cannot race a setup either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Location, PortalSetting, Role, User, staff_locations
from data.password_hashing import hash_password
from services.accounts import one_time_tokens
from services.accounts.passwords import check_new_password
from services.accounts.setup_link import (
    ALREADY_SET_UP,
    SETUP,
    SETUP_INVALID,
    admin_exists,
    usable_setup_token,
)
from services.families.contact_validation import AddressInput, clean_address, clean_email
from services.families.contact_validation import clean_phone as clean_phone_number
from services.kernel import audit, clock
from services.kernel.errors import ValidationError
from services.kernel.money import require_currency
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_text, require_time_zone

NAME_MAX = 120  # users.display_name, locations.name, the business name on documents
LOCATION_LINE_MAX = 200  # locations.address_line1


@dataclass(frozen=True)
class SetupInput:
    """What the setup page sends."""

    business_name: str
    time_zone: str  # IANA
    currency: str  # ISO 4217 code
    owner_name: str
    owner_email: str
    password: str
    confirm: str
    location_name: str
    location_time_zone: str  # IANA; "" means the business's
    address: AddressInput
    phone: str


@dataclass(frozen=True)
class _Clean:
    business_name: str
    time_zone: str
    currency: str
    owner_name: str
    owner_email: str
    password_hash: str
    location_name: str
    location_time_zone: str
    address: AddressInput
    phone: str


def complete_setup(db: Session, token: str, setup: SetupInput) -> int:
    """Set the portal up from the setup link; returns the owner's user id. Refused (with
    nothing written) for bad input, a used, replaced or forged link, or when an
    administrator already exists."""
    if not isinstance(setup, SetupInput):
        raise ValidationError("The setup form is not valid.")
    found = usable_setup_token(db, token)
    if found is None or admin_exists(db):
        db.rollback()
        raise ValidationError(SETUP_INVALID if found is None else ALREADY_SET_UP)
    token_id = found.id
    db.rollback()  # end the read: validating and hashing must not hold the write lock
    clean = _cleaned(setup)
    with write_transaction(db):
        unused = one_time_tokens.lock_unused(db, SETUP)
        if token_id not in unused or not one_time_tokens.consume(db, token_id):
            raise ValidationError(SETUP_INVALID)
        one_time_tokens.revoke_ids(db, [other for other in unused if other != token_id])
        if admin_exists(db):
            raise ValidationError(ALREADY_SET_UP)
        if db.scalar(select(User.id).where(User.email == clean.owner_email)) is not None:
            raise ValidationError("That e-mail already has an account. Use another address.")
        return _create(db, clean)


def _cleaned(setup: SetupInput) -> _Clean:
    business_name = _name(setup.business_name, "business name")
    time_zone = require_time_zone(setup.time_zone, "business time zone")
    currency = require_currency(setup.currency)
    owner_name = _name(setup.owner_name, "owner's name")
    owner_email = clean_email(require_text(setup.owner_email, "e-mail address"))
    password = check_new_password(setup.password, setup.confirm, email=owner_email)
    location_name = _name(setup.location_name, "location name")
    location_time_zone = (
        time_zone
        if isinstance(setup.location_time_zone, str) and not setup.location_time_zone.strip()
        else require_time_zone(setup.location_time_zone, "location's time zone")
    )
    address = clean_address(setup.address)
    phone = clean_phone_number(require_text(setup.phone, "phone number"), address.country)
    return _Clean(
        business_name,
        time_zone,
        currency,
        owner_name,
        owner_email,
        hash_password(password),
        location_name,
        location_time_zone,
        address,
        phone,
    )


def _name(value: object, what: str) -> str:
    text = require_text(value, what, max_length=NAME_MAX).strip()
    if not text:
        raise ValidationError(f"Enter the {what}.")
    return text


def _create(db: Session, clean: _Clean) -> int:
    now = clock.now()
    owner = User(
        email=clean.owner_email,
        password_hash=clean.password_hash,
        role=Role.ADMIN,
        display_name=clean.owner_name,
        created_at=now,
        password_changed_at=now,
    )
    address = clean.address
    street = ", ".join(part for part in (address.line1, address.line2) if part)
    location = Location(
        name=clean.location_name,
        code=_location_code(clean.location_name),
        timezone=clean.location_time_zone,
        address_line1=street[:LOCATION_LINE_MAX],
        city=address.city,
        region=address.region,
        postal_code=address.postal_code,
        country=address.country,
        phone=clean.phone,
    )
    db.add_all([owner, location])
    db.flush()
    db.execute(staff_locations.insert().values(user_id=owner.id, location_id=location.id))
    settings = {
        "business_name": clean.business_name,
        "time_zone": clean.time_zone,
        "currency": clean.currency,
        "default_phone_region": address.country,
    }
    for key, value in settings.items():
        _store_setting(db, key, value, owner.id)
    audit.record(
        db,
        None,
        "setup.completed",
        entity="user",
        entity_id=owner.id,
        user_id=owner.id,
        details={**settings, "owner": clean.owner_email, "location": clean.location_name},
    )
    return owner.id


def _store_setting(db: Session, key: str, value: str, user_id: int) -> None:
    row = db.get(PortalSetting, key)
    if row is None:
        row = PortalSetting(key=key)
        db.add(row)
    row.value, row.updated_at, row.updated_by_user_id = value, clock.now(), user_id


def _location_code(name: str) -> str:
    """A short code from the name ("North Side" → "NORTHSIDE"); the first location is the
    only one, so it cannot clash."""
    return re.sub(r"[^A-Z0-9]", "", name.upper())[:20] or "MAIN"
