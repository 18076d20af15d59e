"""Display formatting for times, dates and rates (money formatting is services.money)."""

from __future__ import annotations

from datetime import date, time


def format_time(value: time) -> str:
    """4:00 PM"""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def format_time_range(start: time, end: time) -> str:
    return f"{format_time(start)}–{format_time(end)}"


def format_date(value: date) -> str:
    """Tue 24 Nov 2026"""
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~:$")


def escape_markdown(text: str) -> str:
    """Names are data, not Markdown: escape every character Markdown could interpret."""
    return "".join(f"\\{c}" if c in _MARKDOWN_SPECIALS else c for c in text)
