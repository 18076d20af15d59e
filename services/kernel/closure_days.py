"""Closure days: whether a location is closed on a date (a holiday, the weather), for every
package that lists class meetings. Closures are managed in services/backoffice/closures.py;
a removed closure (`removed_at` set) closes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from data.models import Closure


@dataclass(frozen=True)
class ClosedDays:
    """The closed days found for a date range: `everywhere` closes every location."""

    everywhere: frozenset[date]
    at: frozenset[tuple[int, date]]

    def closed(self, location_id: int, day: date) -> bool:
        return day in self.everywhere or (location_id, day) in self.at


def _covers(location: ColumnElement[int] | int, day: date) -> ColumnElement[bool]:
    return and_(
        Closure.removed_at.is_(None),
        Closure.first_day <= day,
        Closure.last_day >= day,
        or_(Closure.location_id.is_(None), Closure.location_id == location),
    )


def open_on(location: ColumnElement[int], day: date) -> ColumnElement[bool]:
    """A SQL condition: no closure covers `day` at `location` (a query's location column)."""
    return ~exists().where(_covers(location, day))


def is_closed(db: Session, location_id: int, day: date) -> bool:
    return db.scalar(select(exists().where(_covers(location_id, day)))) or False


def closed_days(db: Session, location_ids: Iterable[int], first: date, last: date) -> ClosedDays:
    """Every closed (location, day) in [first, last] among `location_ids`, in one query."""
    places = set(location_ids)
    everywhere: set[date] = set()
    at: set[tuple[int, date]] = set()
    rows = db.execute(
        select(Closure.location_id, Closure.first_day, Closure.last_day).where(
            Closure.removed_at.is_(None),
            Closure.first_day <= last,
            Closure.last_day >= first,
            or_(Closure.location_id.is_(None), Closure.location_id.in_(places)),
        )
    )
    for location_id, first_day, last_day in rows:
        day = max(first, first_day)
        while day <= min(last, last_day):
            if location_id is None:
                everywhere.add(day)
            else:
                at.add((location_id, day))
            day = date.fromordinal(day.toordinal() + 1)
    return ClosedDays(frozenset(everywhere), frozenset(at))
