"""When a job is due: its cadence and the period a run belongs to.

A period is named by its key, stored with each run: the slot's start in UTC for "every N
seconds" ("2026-12-04T16:55:30Z"), the local date in the business time zone for "daily at
a time" ("2026-12-04"). The current period is the latest one that has started, so a daily job
whose time passed while no process was running runs once when one starts (never a backlog).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    key: str
    starts_at: datetime  # UTC
    next_at: datetime  # UTC: when the following period starts


class Cadence(Protocol):
    def period(self, now: datetime, time_zone: str) -> Period: ...

    def describe(self, time_zone: str) -> str: ...


@dataclass(frozen=True)
class Every:
    seconds: int

    def __post_init__(self) -> None:
        if self.seconds < 1:
            raise ValueError("a cadence needs at least one second")

    def period(self, now: datetime, time_zone: str) -> Period:
        slot = int(now.timestamp()) // self.seconds
        start = datetime.fromtimestamp(slot * self.seconds, UTC)
        return Period(
            start.strftime("%Y-%m-%dT%H:%M:%SZ"), start, start + timedelta(seconds=self.seconds)
        )

    def describe(self, time_zone: str) -> str:
        if self.seconds % 3600 == 0:
            return _every(self.seconds // 3600, "hour")
        if self.seconds % 60 == 0:
            return _every(self.seconds // 60, "minute")
        return _every(self.seconds, "second")


@dataclass(frozen=True)
class DailyAt:
    at: time  # local time in the business time zone

    def period(self, now: datetime, time_zone: str) -> Period:
        zone = ZoneInfo(time_zone)
        local = now.astimezone(zone)
        day = local.date() if local.time() >= self.at else local.date() - timedelta(days=1)
        return Period(day.isoformat(), self._at(day, zone), self._at(day + timedelta(1), zone))

    def describe(self, time_zone: str) -> str:
        return f"Daily at {self.at:%H:%M} ({time_zone})"

    def _at(self, day: date, zone: ZoneInfo) -> datetime:
        return datetime.combine(day, self.at, zone).astimezone(UTC)


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> Every:
    return Every(seconds + 60 * minutes + 3600 * hours)


def daily(hour: int, minute: int = 0) -> DailyAt:
    return DailyAt(time(hour, minute))


def _every(count: int, unit: str) -> str:
    return f"Every {unit}" if count == 1 else f"Every {count} {unit}s"
