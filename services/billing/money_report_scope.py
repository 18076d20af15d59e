"""What the owner's money reports share: who may read them, the locations they cover, and
dates as each entry's own location sees them.

An entry's day is its posting day at its own location (as on Transactions), so a boundary
such as "30 days ago" or "the first of March" is a different UTC instant at a location in
another time zone. The boundaries are computed here for each time zone in the report and
compared with `posted_at` directly, which is portable (no date functions in SQL) and lets an
index on `posted_at` be used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, literal, select
from sqlalchemy.orm import Session

from data.models import LedgerEntry, Location
from services.kernel.access import Actor, require_admin
from services.kernel.errors import NotFound
from services.kernel.validation import require_id


@dataclass(frozen=True)
class ReportLocation:
    id: int
    name: str
    timezone: str
    is_active: bool

    @property
    def label(self) -> str:
        """Its name as the money reports show it (an archived one says so)."""
        return self.name if self.is_active else f"{self.name} (archived)"


def report_locations(
    db: Session, actor: Actor, location_id: int | None = None
) -> tuple[ReportLocation, ...]:
    """The locations a money report covers: all (archived ones too: money may still be owed
    there), or the one chosen. Administrators only: the business's totals are the owner's."""
    require_admin(actor)
    query = select(Location.id, Location.name, Location.timezone, Location.is_active).order_by(
        Location.name, Location.id
    )
    if location_id is not None:
        query = query.where(Location.id == require_id(location_id, "location"))
    places = tuple(ReportLocation(*row) for row in db.execute(query))
    if location_id is not None and not places:
        raise NotFound("location")
    return places


def local_start(day: date, timezone: str) -> datetime:
    """The UTC instant a local day begins at."""
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)


def period_index(
    places: Sequence[ReportLocation], starts_in: Callable[[str], Sequence[date]]
) -> ColumnElement[int]:
    """For each entry, the index of the last of its zone's `starts_in(zone)` (ascending local
    days, as many for every zone) on or before its local posting day; -1 before the first.

    A CASE on the zone (none when all share one), then a binary search over the boundaries:
    about log2(n) comparisons per entry rather than n, which matters over millions of rows."""
    zones: dict[str, list[int]] = defaultdict(list)
    for place in places:
        zones[place.timezone].append(place.id)
    searches = {
        zone: _search([local_start(day, zone) for day in starts_in(zone)], 0, first_known=False)
        for zone in zones
    }
    if len(searches) == 1:
        return next(iter(searches.values()))
    return case(
        *((LedgerEntry.location_id.in_(zones[zone]), search) for zone, search in searches.items())
    )


def _search(bounds: Sequence[datetime], offset: int, *, first_known: bool) -> ColumnElement[int]:
    """The index (plus `offset`) of the last of the ascending `bounds` at or before
    `posted_at`; -1 before the first, unless the caller already knows it is not."""
    if len(bounds) == 1:
        if first_known:
            return literal(offset)
        return case((LedgerEntry.posted_at >= bounds[0], literal(offset)), else_=literal(-1))
    middle = len(bounds) // 2
    return case(
        (
            LedgerEntry.posted_at >= bounds[middle],
            _search(bounds[middle:], offset + middle, first_known=True),
        ),
        else_=_search(bounds[:middle], offset, first_known=first_known),
    )


def earliest_start(places: Sequence[ReportLocation], day: date) -> datetime:
    """The first instant `day` begins at any of `places`: a plain bound on `posted_at` that
    an index can use (the exact per-zone test is `period_index`)."""
    return min(local_start(day, place.timezone) for place in places)


def latest_start(places: Sequence[ReportLocation], day: date) -> datetime:
    """The last instant `day` begins at any of `places` (an upper bound, as above)."""
    return max(local_start(day, place.timezone) for place in places)
