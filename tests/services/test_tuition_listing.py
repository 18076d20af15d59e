"""The Tuition page's service side at any scale (issue 17): a page of families planned for
those families only, which equals their part of the whole month's plan; the totals in
batches, which equal the sum of that plan; the location and name filters; bad input. On
SQLite and PostgreSQL (tests/services/tuition_helpers.py describes the gym; Southside and
the Chen family are added here)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Location
from services.billing import tuition_listing as listing_module
from services.billing import tuition_preview
from services.billing.tuition_listing import tuition_listing
from services.billing.tuition_posting import post_tuition
from services.billing.tuition_preview import FamilyPlan, family_batches
from services.billing.tuition_totals import tuition_totals
from services.kernel.errors import NotFound, ValidationError
from services.kernel.settings import get_settings
from tests import factories as f
from tests.services.tuition_helpers import NOVEMBER, TuitionGym, build_tuition_gym


@pytest.fixture
def gym(db: Session) -> TuitionGym:
    gym = build_tuition_gym(db)
    south = f.location(db, "Southside")
    swimmers = f.gym_class(db, south, weekday=2, name="Swimmers")
    swimmers.tuition_cents = 7_000
    chen, _, _ = f.family(db, "Chen")
    lin, max_ = f.student(db, chen, "Lin"), f.student(db, chen, "Max")
    f.enroll(db, lin, swimmers)
    f.enroll(db, max_, swimmers, start=date(2026, 11, 11))
    f.enroll(db, max_, gym.flyers)
    f.portal_settings(db, second_student_discount_percent=10, second_class_discount_percent=20)
    db.commit()
    return gym


def _south(db: Session) -> int:
    return db.scalars(select(Location.id).where(Location.name == "Southside")).one()


def _whole_plan(db: Session) -> list[FamilyPlan]:
    settings = get_settings(db)
    return [plan for batch in family_batches(db, NOVEMBER, settings) for plan in batch]


def test_the_pages_are_the_whole_plan_a_page_at_a_time(
    db: Session, gym: TuitionGym, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing_module, "PAGE_SIZE", 2)
    monkeypatch.setattr(tuition_preview, "BATCH_FAMILIES", 1)
    first = tuition_listing(db, gym.admin, NOVEMBER, page=1)
    assert (first.families.total, first.families.pages, first.waiting) == (3, 2, 3)
    second = tuition_listing(db, gym.admin, NOVEMBER, page=2)
    assert list(first.families.items + second.families.items) == _whole_plan(db)
    chen = second.families.items[0].family
    # Max has the most tuition (3 of 4 Wednesdays at 70.00, and Flyers): he pays in full
    # for Flyers, 20 % off his second class; Lin, the second student, 10 % off.
    assert [(line.student_name, line.amount_cents) for line in chen.lines] == [
        ("Lin", 7_000 - 700),
        ("Max", 5_250 - 1_050),
        ("Max", 6_000),
    ]
    past = tuition_listing(db, gym.admin, NOVEMBER, page=9)
    assert past.families.page == 2 and past.families.items == second.families.items


def test_the_totals_are_the_sum_of_the_whole_plan(
    db: Session, gym: TuitionGym, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuition_preview, "BATCH_FAMILIES", 1)
    seen: list[tuple[int, int]] = []
    totals = tuition_totals(db, gym.admin, NOVEMBER, lambda done, of: seen.append((done, of)))
    assert seen == [(1, 3), (2, 3), (3, 3)]  # a step per batch of families
    lines = [line for plan in _whole_plan(db) for line in plan.family.lines]
    assert (totals.families, totals.lines, totals.already_posted) == (3, 7, 0)
    assert totals.total_cents == sum(line.amount_cents for line in lines)
    assert totals.discount_cents == sum(line.base_cents - line.amount_cents for line in lines)
    by_place = {t.location_name: (t.families, t.lines, t.total_cents) for t in totals.locations}
    assert by_place == {
        "Northside": (3, 5, 8_500 + 4_800 + 5_737 + 8_500 + 6_000),
        "Southside": (1, 2, 6_300 + 4_200),
    }
    assert [t.location_name for t in totals.locations] == ["Northside", "Southside"]
    assert totals.time_zone == get_settings(db).time_zone


def test_a_location_or_a_name_narrows_the_list_not_what_posting_waits_for(
    db: Session, gym: TuitionGym
) -> None:
    south = _south(db)
    there = tuition_listing(db, gym.admin, NOVEMBER, location_id=south)
    assert [p.family.family_name for p in there.families.items] == ["Chen family"]
    assert there.families.total == 1 and there.waiting == 3
    # The family is billed as a whole (discounts rank all its places): every line shows.
    assert len(there.families.items[0].family.lines) == 3
    found = tuition_listing(db, gym.admin, NOVEMBER, search=" oKaF ")
    assert [p.family.family_id for p in found.families.items] == [gym.okafor.id]
    assert tuition_listing(db, gym.admin, NOVEMBER, search="%").families.total == 0


def test_posted_places_leave_the_list_and_a_new_place_shows_alone(
    db: Session, gym: TuitionGym
) -> None:
    post_tuition(db, gym.admin, NOVEMBER)
    assert tuition_listing(db, gym.admin, NOVEMBER).families.total == 0
    zoe = f.student(db, gym.okafor, "Zoe")
    f.enroll(db, zoe, gym.flyers, start=date(2026, 11, 17))
    db.commit()
    listing = tuition_listing(db, gym.admin, NOVEMBER)
    (plan,) = listing.families.items
    assert plan.family.family_id == gym.okafor.id and plan.already_posted == 1
    assert [line.student_name for line in plan.family.lines] == ["Zoe"]
    totals = tuition_totals(db, gym.admin, NOVEMBER)
    assert (totals.families, totals.lines, totals.already_posted) == (1, 1, 7)
    assert totals.total_cents == sum(line.amount_cents for line in plan.family.lines)


@pytest.mark.parametrize("page", [0, -1, "1", 1.0, True, None])
def test_a_bad_page_is_refused(db: Session, gym: TuitionGym, page: object) -> None:
    with pytest.raises(ValidationError, match="page"):
        tuition_listing(db, gym.admin, NOVEMBER, page=page)


@pytest.mark.parametrize(
    ("location_id", "error"),
    [(999_999, NotFound), (0, NotFound), ("1", ValidationError), (1.5, ValidationError)],
)
def test_a_bad_location_is_refused(
    db: Session, gym: TuitionGym, location_id: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        tuition_listing(db, gym.admin, NOVEMBER, location_id=location_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("search", ["x" * 101, 5, None])
def test_a_bad_search_is_refused(db: Session, gym: TuitionGym, search: object) -> None:
    with pytest.raises(ValidationError, match="search"):
        tuition_listing(db, gym.admin, NOVEMBER, search=search)
