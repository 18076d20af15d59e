"""Locations in the back office: admins create, edit, archive and restore them; staff read
their own. An archived location leaves parents' choices (the location picker, transfer and
makeup options) but stays in every record that names it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Location
from services.backoffice.catalog_lists import (
    Page,
    apply_archived,
    archived_filter,
    other_than,
    paged,
    require_archive_choice,
    require_name,
    search_filter,
)
from services.families.contact_validation import KNOWN_COUNTRIES, clean_phone
from services.kernel import audit
from services.kernel.access import Actor, require_admin, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import seen_locations
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_text

NAME_TAKEN = "Another location already has that name."
FIELDS = ("name", "timezone", "address_line1", "city", "region", "postal_code", "country", "phone")


@dataclass(frozen=True)
class LocationInput:
    """What the location form sends; every field is checked again here."""

    name: str
    timezone: str
    address_line1: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "US"
    phone: str = ""


@dataclass(frozen=True)
class LocationRow:
    id: int
    name: str
    timezone: str
    address_line1: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_active: bool

    def as_input(self) -> LocationInput:
        return LocationInput(**{name: getattr(self, name) for name in FIELDS})


@cache
def time_zones() -> tuple[str, ...]:
    """The IANA time zone names a location may have, sorted (for the form's choices)."""
    return tuple(sorted(available_timezones()))


def list_locations(
    db: Session, actor: Actor, *, search: str = "", page: int = 1, include_archived: bool = True
) -> Page[LocationRow]:
    """Locations whose name, address or phone contains `search`, active ones first (archived
    ones only with `include_archived`). Admins see all; staff only their own (read-only);
    guardians and instructors are refused."""
    require_staff(actor)
    query = (
        select(Location)
        .where(
            seen_locations(actor, Location.id),
            archived_filter(include_archived, Location.is_active),
            search_filter(search, Location.name, Location.address_line1, Location.city),
        )
        .order_by(Location.is_active.desc(), Location.name, Location.id)
    )
    rows, total, number, pages = paged(db, query, page)
    return Page(tuple(_row(row.Location) for row in rows), total, number, pages)


def create_location(db: Session, actor: Actor, location: LocationInput) -> int:
    """Admins only. Returns the new location's id."""
    require_admin(actor)
    values = _clean(location)
    with write_transaction(db):
        _require_free_name(db, values["name"], None)
        row = Location(code=f"L-{secrets.token_hex(4).upper()}", **values)
        db.add(row)
        db.flush()
        audit.record(db, actor, "location.created", entity="location", entity_id=row.id,
                     details=values)  # fmt: skip
    return row.id


def update_location(db: Session, actor: Actor, location_id: int, location: LocationInput) -> None:
    """Admins only; the audit entry keeps each changed field's old and new value."""
    require_admin(actor)
    values = _clean(location)
    with write_transaction(db):
        row = _location(db, location_id)
        _require_free_name(db, values["name"], row.id)
        changes = {
            name: [getattr(row, name), value]
            for name, value in values.items()
            if getattr(row, name) != value
        }
        if not changes:
            raise ValidationError("Nothing changed.")
        for name, (_, value) in changes.items():
            setattr(row, name, value)
        audit.record(db, actor, "location.updated", entity="location", entity_id=row.id,
                     details=changes)  # fmt: skip


def set_location_archived(db: Session, actor: Actor, location_id: int, archived: bool) -> None:
    """Admins only: archive (True) or restore (False) a location."""
    require_admin(actor)
    require_archive_choice(archived)
    with write_transaction(db):
        location = _location(db, location_id)
        apply_archived(location, archived, "location", db, actor)


def _location(db: Session, location_id: object) -> Location:
    location = db.get(Location, require_id(location_id, "location"), with_for_update=True)
    if location is None:
        raise NotFound("location")
    return location


def _require_free_name(db: Session, name: str, own_id: int | None) -> None:
    other = db.scalar(
        select(Location.id).where(
            func.lower(Location.name) == name.lower(), other_than(Location.id, own_id)
        )
    )
    if other is not None:
        raise ValidationError(NAME_TAKEN)


def _clean(data: object) -> dict[str, str]:
    if not isinstance(data, LocationInput):
        raise ValidationError("That location form is not valid.")
    timezone = require_text(data.timezone, "time zone", max_length=64).strip()
    if timezone not in time_zones():
        raise ValidationError("Choose a time zone from the list, such as America/Chicago.")
    country = require_text(data.country, "country", max_length=2).strip().upper()
    if country not in KNOWN_COUNTRIES:
        raise ValidationError("Enter the country as its two-letter code, such as US.")
    phone = require_text(data.phone, "phone number", max_length=40).strip()
    return {
        "name": require_name(data.name, "location name"),
        "timezone": timezone,
        "address_line1": require_text(data.address_line1, "address", max_length=200).strip(),
        "city": require_text(data.city, "city", max_length=120).strip(),
        "region": require_text(data.region, "state or region", max_length=120).strip(),
        "postal_code": require_text(data.postal_code, "postal code", max_length=20).strip(),
        "country": country,
        "phone": clean_phone(phone, country) if phone else "",
    }


def _row(location: Location) -> LocationRow:
    return LocationRow(
        id=location.id,
        is_active=location.is_active,
        **{name: getattr(location, name) for name in FIELDS},
    )
