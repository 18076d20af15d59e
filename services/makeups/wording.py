"""Days and times in words for parents, and the check that a form gave a day.

The wording is fixed English (strftime follows the server's locale); the makeups package and
the check-in desk share it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from services.kernel.errors import ValidationError
from services.kernel.schedule import WEEKDAY_NAMES

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def require_day(value: object, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(f"Choose the {what}.")
    return value


def short_day(day: date) -> str:
    """'Tue 1 Dec', in fixed English (strftime follows the server's locale)."""
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1]}"


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def clock_time(moment: time) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
