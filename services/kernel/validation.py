"""Checks for values that arrive from widgets (a client can forge any of them)."""

from __future__ import annotations

import functools
import zoneinfo

from services.kernel.errors import NotFound, ValidationError

# Record ids are INTEGER columns: 32-bit signed on PostgreSQL. A larger int would make the
# driver fail (OverflowError on SQLite past 2**63, DataError on PostgreSQL past 2**31) before
# the query could answer "no such row", so such ids are refused here as unknown ones.
MAX_ID = 2**31 - 1


def require_int(value: object, what: str) -> int:
    """A real int (not a bool, str or float); else "That <what> is not valid." For an id only
    compared in Python, where an unknown value simply matches nothing, and for counts."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"That {what} is not valid.")
    return value


def require_id(value: object, what: str) -> int:
    """A record id must be a real int (see require_int). An int that no row can have (≤ 0,
    or past the column's range) answers like a missing record."""
    number = require_int(value, what)
    if not 1 <= number <= MAX_ID:
        raise NotFound(what)
    return number


def require_text(value: object, what: str, *, max_length: int | None = None) -> str:
    """Text from a form must be a str the database can store: encodable as UTF-8 (no lone
    surrogates) and free of NUL characters (PostgreSQL refuses them in text columns)."""
    if not isinstance(value, str):
        raise ValidationError(f"The {what} must be text.")
    if not storable_text(value):
        raise ValidationError(
            f"The {what} contains characters that cannot be saved. Please type it again."
        )
    if max_length is not None and len(value) > max_length:
        raise ValidationError(f"The {what} is too long (at most {max_length} characters).")
    return value


def storable_text(value: object) -> bool:
    """For checks that answer in their own words: is `value` text `require_text` accepts?"""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_names() -> list[str]:
    """Every IANA time zone name, sorted (the choices of a time zone picker)."""
    return sorted(_time_zones())


def require_time_zone(value: object, what: str = "time zone") -> str:
    """An IANA time zone name such as "America/Chicago" (exactly as the tz database spells
    it); anything else is refused, so a later ZoneInfo() cannot fail on a stored value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(f"Choose the {what}.")
    name = require_text(value, what, max_length=64).strip()
    if name not in _time_zones():
        raise ValidationError(
            f"Choose a {what} from the list (an IANA name such as America/Chicago)."
        )
    return name
