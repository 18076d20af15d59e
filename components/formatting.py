"""Display formatting for times, dates and rates (money formatting is services.kernel.money).

Every date a page shows goes through `format_date` ("Tue 24 Nov 2026"), and every moment
(a UTC timestamp) through `format_moment`, in the time zone of the location it belongs to.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_time(value: time) -> str:
    """4:00 PM"""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def format_time_range(start: time, end: time) -> str:
    return f"{format_time(start)}–{format_time(end)}"


def format_date(value: date, *, weekday: bool = True, year: bool = True) -> str:
    """Tue 24 Nov 2026 (24 Nov where a chart axis needs it short); in fixed English, since
    strftime follows the server's locale."""
    text = f"{value.day} {MONTHS[value.month - 1]}"
    if weekday:
        text = f"{WEEKDAYS[value.weekday()]} {text}"
    return f"{text} {value.year}" if year else text


def format_moment(at: datetime, timezone: str) -> str:
    """Tue 24 Nov 2026, 9:00 AM: a UTC timestamp as wall-clock time in `timezone` (the
    location's), never in UTC."""
    local = at.astimezone(ZoneInfo(timezone))
    return f"{format_date(local.date())}, {format_time(local.time())}"


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~:$")


def escape_markdown(text: str) -> str:
    """Names are data, not Markdown: escape every character Markdown could interpret."""
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIALS else c for c in text)
