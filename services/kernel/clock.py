"""The one source of "now" and "today", so tests can move time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def _frozen_from_environment() -> datetime | None:
    """CARTWHEEL_FROZEN_NOW (ISO 8601 with offset) pins the clock for browser tests and demos."""
    value = os.environ.get("CARTWHEEL_FROZEN_NOW", "").strip()
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("CARTWHEEL_FROZEN_NOW needs a UTC offset, e.g. 2026-11-24T15:00:00+00:00")
    return moment.astimezone(UTC)


_frozen: datetime | None = _frozen_from_environment()


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today_in(timezone: str) -> date:
    """Today's date at a location (class schedules are in the location's time zone)."""
    return now().astimezone(ZoneInfo(timezone)).date()


def local_now(timezone: str) -> datetime:
    return now().astimezone(ZoneInfo(timezone))


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Tests: make now() return `moment` inside the block."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    previous, _frozen = _frozen, moment.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: timedelta) -> None:
    """Tests: move a frozen clock forward."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock (use frozen_at)")
    _frozen = _frozen + delta
