"""When classes meet: weekly meetings within a term, in the location's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WeeklySlot:
    """The schedule facts of one class (a GymClass row reduced to what dates need)."""

    weekday: int
    start_time: time
    end_time: time
    term_start: date
    term_end: date
    timezone: str


def meeting_dates(slot: WeeklySlot, start: date, end: date) -> Iterator[date]:
    """Dates the class meets in [start, end] (inclusive), clipped to its term."""
    first = max(start, slot.term_start)
    last = min(end, slot.term_end)
    if first > last:
        return
    day = first + timedelta(days=(slot.weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += timedelta(days=7)


def meets_on(slot: WeeklySlot, day: date) -> bool:
    return day.weekday() == slot.weekday and slot.term_start <= day <= slot.term_end


def meeting_start(slot: WeeklySlot, day: date) -> datetime:
    """The meeting's start as an aware UTC instant (wall-clock time at the location)."""
    local = datetime.combine(day, slot.start_time, tzinfo=ZoneInfo(slot.timezone))
    return local.astimezone(UTC)


def meeting_end(slot: WeeklySlot, day: date) -> datetime:
    local = datetime.combine(day, slot.end_time, tzinfo=ZoneInfo(slot.timezone))
    return local.astimezone(UTC)


WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
