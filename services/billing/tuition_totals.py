"""The admin's totals of a month's tuition run, computed when asked: every family planned a
batch at a time with `plan_batch` (what posting computes), keeping only running figures per
location, so memory stays small and a progress bar can move after each batch.

The totals are advisory: posting computes its own lines, so a place that starts or ends
between the totals and the posting is charged as it stands when posted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Location
from services.billing.tuition_places import family_count, require_period
from services.billing.tuition_preview import FamilyPlan, family_batches
from services.kernel import clock
from services.kernel.access import Actor, require_admin
from services.kernel.settings import get_settings

Progress = Callable[[int, int], None]  # (families done, families in the month)


@dataclass(frozen=True)
class LocationTotals:
    """One location's share: its lines, and the families with a line there."""

    location_id: int
    location_name: str
    families: int
    lines: int
    total_cents: int
    discount_cents: int


@dataclass(frozen=True)
class TuitionTotals:
    period: date
    families: int  # families with at least one line to post
    lines: int
    total_cents: int
    discount_cents: int  # taken off the prorated amounts by the discounts
    already_posted: int  # lines of this month already in the ledger (posting skips them)
    locations: tuple[LocationTotals, ...]  # by location name
    computed_at: datetime  # UTC
    time_zone: str  # the business's, to say "as of" in


class _Running:
    """Per location: families with a line there, lines, cents, discount cents. The month's
    lines and amounts are these summed; its families are counted apart (a family may have
    lines at two locations)."""

    def __init__(self) -> None:
        self.families = self.already = 0
        self.by_location: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])

    def add(self, plan: FamilyPlan) -> None:
        self.already += plan.already_posted
        if not plan.family.lines:
            return
        self.families += 1
        seen: set[int] = set()
        for line in plan.family.lines:
            figures = self.by_location[line.location_id]
            figures[0] += line.location_id not in seen
            figures[1] += 1
            figures[2] += line.amount_cents
            figures[3] += line.base_cents - line.amount_cents
            seen.add(line.location_id)


def tuition_totals(
    db: Session, actor: Actor, period: object, progress: Progress | None = None
) -> TuitionTotals:
    """Admin: what posting `period` would write, summed over every family (nothing is
    written), calling `progress(families done, families in the month)` after each batch."""
    require_admin(actor)
    settings = get_settings(db)
    first = require_period(settings, period)
    of = family_count(db, first)
    running, done = _Running(), 0
    for batch in family_batches(db, first, settings):
        for plan in batch:
            running.add(plan)
        done += len(batch)
        if progress is not None:
            progress(min(done, of), of)
    names = {row.id: row.name for row in db.execute(select(Location.id, Location.name))}
    locations = sorted(
        (
            LocationTotals(location_id, names.get(location_id, ""), *figures)
            for location_id, figures in running.by_location.items()
        ),
        key=lambda place: (place.location_name, place.location_id),
    )
    return TuitionTotals(
        period=first,
        families=running.families,
        lines=sum(place.lines for place in locations),
        total_cents=sum(place.total_cents for place in locations),
        discount_cents=sum(place.discount_cents for place in locations),
        already_posted=running.already,
        locations=tuple(locations),
        computed_at=clock.now(),
        time_zone=settings.time_zone,
    )
