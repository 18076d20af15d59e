"""The admin's page of a month's tuition: one page of the families that posting would still
charge, found and paged in SQL (optionally at one location, or by family name), and planned
for those families only with `plan_batch`, so a page costs the same at 600 or 100,000
families and shows exactly the lines posting computes for them.

The list holds the families with a billable place whose month is not charged yet (what the
run still has to do). A family there may show no line when its only such place has none of
the month's meetings between its start and end dates: posting writes nothing for it either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from data.models import Enrollment, Family, GymClass, Student, TuitionLine
from services.billing.money_report_scope import report_locations
from services.billing.tuition_places import billable, require_period
from services.billing.tuition_preview import FamilyPlan, plan_batch
from services.kernel.access import Actor, require_admin
from services.kernel.errors import ValidationError
from services.kernel.paging import PAGE_SIZE, SEARCH_LENGTH, Page, search_filter
from services.kernel.settings import get_settings
from services.kernel.validation import require_int, require_text


@dataclass(frozen=True)
class TuitionListing:
    period: date
    families: Page[FamilyPlan]  # the page asked for, of the families matching the filters
    waiting: int  # families anywhere with a place still to charge (what "Post" would do)


def tuition_listing(
    db: Session,
    actor: Actor,
    period: object,
    page: object = 1,
    location_id: int | None = None,
    search: object = "",
) -> TuitionListing:
    """Admin: page `page` (from 1; past the last shows the last) of the families with a
    place still to charge for `period`, with each family's lines as posting computes them."""
    require_admin(actor)
    settings = get_settings(db)
    first = require_period(settings, period)
    page = require_int(page, "page")
    if page < 1:
        raise ValidationError("That page is not valid.")
    where = _to_charge(first)
    if location_id is not None:
        where = where & (GymClass.location_id == report_locations(db, actor, location_id)[0].id)
    searching = bool(require_text(search, "search", max_length=SEARCH_LENGTH).strip())
    if searching:
        where = where & search_filter(search, Family.name)
    # One scan gives the count and the page: the ids are a few ints per family, and a count
    # and an OFFSET query would each scan every place again.
    ids = list(db.scalars(_family_ids(where, names=searching)))
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    number = min(page, pages)
    shown = ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    plans = plan_batch(db, first, shown, settings, lock=False)
    if location_id is not None or searching:
        waiting = int(
            db.scalar(select(func.count()).select_from(_family_ids(_to_charge(first)).subquery()))
            or 0
        )
    else:
        waiting = len(ids)
    return TuitionListing(first, Page(tuple(plans), len(ids), number, pages), waiting)


def _to_charge(first: date) -> ColumnElement[bool]:
    """A billable place whose month has no charge line yet."""
    charged = exists().where(
        TuitionLine.enrollment_id == Enrollment.id,
        TuitionLine.period == first,
        TuitionLine.kind == "charge",
    )
    return billable(first) & ~charged


def _family_ids(where: ColumnElement[bool], *, names: bool = False) -> Select[tuple[int]]:
    query = (
        select(Student.family_id)
        .select_from(Enrollment)
        .join(Student, Student.id == Enrollment.student_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
    )
    if names:  # the family's name is read only to search it
        query = query.join(Family, Family.id == Student.family_id)
    return query.where(where).distinct().order_by(Student.family_id)
