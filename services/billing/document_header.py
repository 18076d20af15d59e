"""The top of every billing document (statement, ledger, combined and year-end statement,
receipt): the business, the family and its primary guardian, the location, the day it was
issued and the currency; and the document's file name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Family, Guardian, Location
from services.kernel import clock
from services.kernel.reach import family_timezone
from services.kernel.settings import PortalSettings

ALL_LOCATIONS = "All locations"


@dataclass(frozen=True)
class DocumentHeader:
    """The top of every document."""

    title: str  # "Statement", "Ledger", "Combined statement", "Year-end statement", "Receipt"
    business_name: str
    business_address: str
    business_tax_id: str
    family_name: str
    guardian_name: str  # the primary guardian; "" when the family has none
    location_name: str  # ALL_LOCATIONS when the document spans every location
    location_address: str
    issued_on: date  # today at the location (or where the family is, for all locations)
    currency: str

    def file_stem(self, *parts: object) -> str:
        """An ASCII file name without extension, e.g. "statement-northside-2026-11-24"."""
        words = [self.title, self.location_name, *parts, self.issued_on.isoformat()]
        return "-".join(filter(None, (_slug(str(w)) for w in words)))


def _header(
    db: Session, settings: PortalSettings, title: str, family_id: int, place: Location | None
) -> DocumentHeader:
    family = db.get(Family, family_id)
    assert family is not None  # reachable_family checked it
    guardian = db.execute(
        select(Guardian.first_name, Guardian.last_name).where(
            Guardian.family_id == family_id, Guardian.is_primary.is_(True)
        )
    ).first()
    zone = place.timezone if place is not None else family_timezone(db, family_id)
    return DocumentHeader(
        title=title,
        business_name=settings.business_name,
        business_address=settings.business_address,
        business_tax_id=settings.business_tax_id,
        family_name=family.name,
        guardian_name=" ".join(guardian).strip() if guardian else "",
        location_name=place.name if place is not None else ALL_LOCATIONS,
        location_address=_address(place) if place is not None else "",
        issued_on=clock.today_in(zone),
        currency=settings.currency,
    )


def _address(place: Location) -> str:
    region = " ".join(filter(None, (place.region, place.postal_code)))
    return ", ".join(filter(None, (place.address_line1, place.city, region)))


def _full_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
