"""What every money action at the desk checks: who, where, how much, and why.

Front-desk staff act only at their own locations and for families they reach; admins act
everywhere. The reason is required and is shown to the family on their Transactions, so the
desk writes it for a parent to read. Some actions above an amount (portal settings) need an
administrator (docs/decisions-16-deskmoney.md).
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from data.models import LedgerEntry, Location
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.money import MAX_AMOUNT_CENTS, TOO_LARGE, format_cents
from services.kernel.reach import reachable_family
from services.kernel.validation import require_id, require_int, require_text

REASON_MAX = 200
ENTER_REASON = "Enter a reason. The family sees it on their Transactions."


def require_desk_place(db: Session, actor: Actor, family_id: object, location_id: object) -> None:
    """Staff at the location (admins anywhere) and a family they reach; anything else answers
    like a missing family or location."""
    require_staff(actor)
    family = require_id(family_id, "family")
    location = require_id(location_id, "location")
    require_location(actor, location)
    if db.get(Location, location) is None:  # admins reach every id, even one with no row
        raise NotFound("location")
    reachable_family(db, actor, family)


def entry_in_reach(db: Session, actor: Actor, entry_id: object, what: str) -> LedgerEntry:
    """A ledger entry whose family the actor reaches, at a location they work at; anything
    else answers like a missing `what`."""
    entry = db.get(LedgerEntry, require_id(entry_id, what))
    if entry is None:
        raise NotFound(what)
    try:
        reachable_family(db, actor, entry.family_id)
        require_location(actor, entry.location_id)
    except NotFound:
        raise NotFound(what) from None
    return entry


def require_amount(value: object) -> int:
    cents = require_int(value, "amount")
    if cents <= 0:
        raise ValidationError("Enter an amount above zero.")
    if cents > MAX_AMOUNT_CENTS:
        raise ValidationError(TOO_LARGE)
    return cents


def require_reason(value: object) -> str:
    reason = " ".join(require_text(value, "reason", max_length=REASON_MAX).split())
    if not reason:
        raise ValidationError(ENTER_REASON)
    return reason


def require_admin_above(actor: Actor, cents: int, limit_cents: int, what: str) -> None:
    """Front-desk staff may do `what` up to `limit_cents`; above it, only an administrator."""
    if cents > limit_cents and not actor.is_admin:
        raise AccessDenied(
            f"{what} above {format_cents(limit_cents)} need an administrator. "
            "Ask an administrator to do it."
        )


def request_digest(actor: Actor, request_key: object, purpose: str) -> str:
    """The stored key of one form submission: the form makes `request_key` once, so a
    double-click or a rerun sends it again and finds what the first one did."""
    text = require_text(request_key, "request", max_length=64).strip()
    if len(text) < 8:
        raise ValidationError("This form has expired. Please open it again.")
    digest = hashlib.sha256(f"{purpose}:{actor.user_id}:{text}".encode()).hexdigest()
    return f"{purpose}_{digest[:48]}"
