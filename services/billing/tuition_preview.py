"""The tuition run before anything is written: each family's lines for a month, planned a
batch of families at a time (posting, the admin's page of families and the totals all plan
with `plan_batch`, so what the admin sees is what posting computes), and the months a run
may be for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy.orm import Session

from services.billing.tuition_places import (
    PlaceRow,
    family_ids_after,
    places_of,
    posted_charges,
    run_months,
)
from services.billing.tuition_rules import (
    Discount,
    Place,
    after_discount,
    charge_description,
    class_words,
    family_discounts,
    month_meetings,
    place_meetings,
    prorated,
)
from services.kernel.access import Actor, require_admin
from services.kernel.settings import PortalSettings, get_settings

BATCH_FAMILIES = 500


@dataclass(frozen=True)
class TuitionCharge:
    """One class place's charge for the month, as it would be (or was) posted."""

    enrollment_id: int
    student_id: int
    student_name: str
    location_id: int
    class_name: str
    monthly_cents: int
    meetings: int
    month_meetings: int
    base_cents: int  # prorated, before the discount
    discount: Discount
    amount_cents: int
    description: str
    posted: bool  # the month's charge for this place is already in the ledger


@dataclass(frozen=True)
class FamilyTuition:
    family_id: int
    family_name: str
    lines: tuple[TuitionCharge, ...]  # only lines still to post

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


@dataclass(frozen=True)
class FamilyPlan:
    """A family's month: the lines to post and how many are already posted."""

    family: FamilyTuition
    already_posted: int


def plan_families(
    places: Sequence[PlaceRow], posted: set[int], settings: PortalSettings, first: date
) -> list[FamilyPlan]:
    """Each family's lines from its places (ordered by family), posted ones ranked first."""
    plans = []
    for family_id, group in groupby(places, key=lambda p: p.family_id):
        rows = list(group)
        lines = _family_lines(rows, posted, settings, first)
        to_post = tuple(line for line in lines if not line.posted)
        plans.append(
            FamilyPlan(
                FamilyTuition(family_id, rows[0].family_name, to_post), len(lines) - len(to_post)
            )
        )
    return plans


def _family_lines(
    rows: list[PlaceRow], posted: set[int], settings: PortalSettings, first: date
) -> list[TuitionCharge]:
    counted = []
    for row in rows:
        of = month_meetings(row.slot, first)
        inside = place_meetings(row.slot, first, row.start, row.end)
        base = prorated(row.monthly_cents, inside, of)
        if base > 0:
            counted.append((row, inside, of, base))
    discounts = family_discounts(
        [
            Place(row.enrollment_id, row.student_id, base, row.enrollment_id in posted)
            for row, _, _, base in counted
        ],
        settings.second_student_discount_percent,
        settings.second_class_discount_percent,
    )
    lines = []
    for row, inside, of, base in counted:
        off = discounts[row.enrollment_id]
        words = class_words(row.class_name, row.slot.weekday, row.slot.start_time)
        lines.append(
            TuitionCharge(
                enrollment_id=row.enrollment_id,
                student_id=row.student_id,
                student_name=row.student_name,
                location_id=row.location_id,
                class_name=row.class_name,
                monthly_cents=row.monthly_cents,
                meetings=inside,
                month_meetings=of,
                base_cents=base,
                discount=off,
                amount_cents=after_discount(base, off.percent),
                description=charge_description(row.student_name, words, first, inside, of, off),
                posted=row.enrollment_id in posted,
            )
        )
    return lines


def family_batches(
    db: Session, first: date, settings: PortalSettings, *, lock: bool = False
) -> Iterator[list[FamilyPlan]]:
    """The month's families, BATCH_FAMILIES at a time (the caller may write between them)."""
    after = 0
    while ids := family_ids_after(db, first, after, BATCH_FAMILIES):
        after = ids[-1]
        yield plan_batch(db, first, ids, settings, lock=lock)


def plan_batch(
    db: Session, first: date, family_ids: Sequence[int], settings: PortalSettings, *, lock: bool
) -> list[FamilyPlan]:
    places = places_of(db, first, family_ids, lock=lock)
    posted = posted_charges(db, first, [p.enrollment_id for p in places])
    return plan_families(places, posted, settings, first)


def tuition_months(db: Session, actor: Actor) -> tuple[date, date, date]:
    """Admin: the months a run may be for (last, this and next month), as first days."""
    require_admin(actor)
    return run_months(get_settings(db))
