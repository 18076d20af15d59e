"""The owner's money view (issue 16): aged receivables, the families in a bucket, and money by
month, on hand-built ledgers with the fixed clock (2026-11-24 15:00 UTC: 09:00 in Chicago,
07:00 in Los Angeles)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from sqlalchemy.orm import Session

from data.models import Family, LedgerEntry, LedgerKind, Location, Role
from services.billing import receivables
from services.billing.ledger import family_balance
from services.billing.money_by_month import money_by_month, money_by_month_csv
from services.billing.money_report_scope import report_locations
from services.billing.receivables import (
    BUCKETS,
    aged_receivables,
    aged_receivables_csv,
    receivable_families,
)
from services.billing.summary import allocate_oldest_first, billing_summary
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.paging import PAGE_SIZE
from tests import factories as f
from tests.services.service_edge import OfflineGateway

CHARGE, PAYMENT, REFUND, CREDIT, ADJUSTMENT = LedgerKind  # in that order


def at(day: date, hour: int = 15) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Books:
    north: Location  # Chicago
    south: Location  # Los Angeles
    rivera: Family
    okafor: Family
    admin: Actor
    rivera_guardian: Actor


@pytest.fixture
def books(db: Session) -> Books:
    north = f.location(db, "Northside", "America/Chicago")
    south = f.location(db, "Southside", "America/Los_Angeles")
    rivera, _, account = f.family(db, "Rivera")
    okafor, _, _ = f.family(db, "Okafor")
    admin = f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()
    return Books(north, south, rivera, okafor, admin, f.guardian_actor(db, account))


def _entry(
    db: Session, books: Books, fam: Family, loc: Location, kind: LedgerKind, cents: int,
    when: datetime, *, is_debit: bool | None = None, reverses: LedgerEntry | None = None,
) -> LedgerEntry:  # fmt: skip
    return f.posted(db, fam, loc, kind, cents, when, is_debit=is_debit, reverses=reverses)


def _hand_ledger(db: Session, b: Books) -> None:
    """Rivera at Northside: 100.00 current, 50.00 at 45 days, 30.00 at 75 days of which 10.00
    is paid, 40.00 at 176 days paid in full, 60.00 voided (a reversing credit adjustment
    allocated to it) and 15.00 of credit not applied. Okafor at Southside: 25.00 posted today
    and a 5.00 refund of August (over 90 days)."""
    r, n = b.rivera, b.north
    _entry(db, b, r, n, CHARGE, 10_000, at(date(2026, 11, 20)))
    _entry(db, b, r, n, CHARGE, 5_000, at(date(2026, 10, 10)))
    part_paid = _entry(db, b, r, n, CHARGE, 3_000, at(date(2026, 9, 10)))
    f.allocate(db, _entry(db, b, r, n, PAYMENT, 1_000, at(date(2026, 9, 12))), part_paid, 1_000)
    paid = _entry(db, b, r, n, CHARGE, 4_000, at(date(2026, 6, 1)))
    f.allocate(db, _entry(db, b, r, n, PAYMENT, 4_000, at(date(2026, 6, 2))), paid, 4_000)
    voided = _entry(db, b, r, n, CHARGE, 6_000, at(date(2026, 10, 1)))
    void = _entry(
        db, b, r, n, ADJUSTMENT, 6_000, at(date(2026, 10, 2)), is_debit=False, reverses=voided
    )
    f.allocate(db, void, voided, 6_000)
    _entry(db, b, r, n, CREDIT, 1_500, at(date(2026, 11, 1)))
    _entry(db, b, b.okafor, b.south, CHARGE, 2_500, at(date(2026, 11, 24), 14))
    _entry(db, b, b.okafor, b.south, REFUND, 500, at(date(2026, 8, 1)))
    db.commit()


def test_aged_receivables_by_location_and_bucket(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    report = aged_receivables(db, books.admin)
    north, south = report.locations
    assert north.location_name == "Northside" and south.location_name == "Southside"
    assert north.bucket_cents == (10_000, 5_000, 2_000, 0)
    assert north.unapplied_credit_cents == 1_500
    assert north.net_cents == 15_500
    assert south.bucket_cents == (2_500, 0, 0, 500)
    assert report.total.bucket_cents == (12_500, 5_000, 2_000, 500)
    assert report.total.open_cents == 20_000
    assert report.total.net_cents == 18_500
    assert report.as_of == date(2026, 11, 24)
    only_south = aged_receivables(db, books.admin, location_id=books.south.id)
    assert [r.location_id for r in only_south.locations] == [books.south.id]
    assert only_south.total.open_cents == 3_000


def test_the_report_agrees_with_each_familys_balance(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    summary = billing_summary(db, books.rivera_guardian, OfflineGateway())
    rivera_owes = sum(
        family.owed_cents
        for family in receivable_families(db, books.admin, books.north.id, "all").items
        if family.family_id == books.rivera.id
    )
    assert rivera_owes == summary.outstanding_cents == 17_000
    report = aged_receivables(db, books.admin)
    balances = [family_balance(db, books.admin, fam.id) for fam in (books.rivera, books.okafor)]
    assert report.total.open_cents == sum(b.outstanding_cents for b in balances)
    assert report.total.unapplied_credit_cents == sum(b.credit_cents for b in balances)


def test_both_query_shapes_give_the_same_figures(db: Session, books: Books) -> None:
    """The correlated sum per entry (SQLite, one location) and the hash join (PostgreSQL,
    several locations) are the same rule: each is checked on both databases."""
    _hand_ledger(db, books)
    _entry(db, books, books.okafor, books.north, PAYMENT, 900, at(date(2026, 7, 1)))
    db.commit()
    places = report_locations(db, books.admin)
    correlated = receivables._figures(db, places, hash_join=False)
    joined = receivables._figures(db, places, hash_join=True)
    assert correlated == joined
    assert correlated[(books.north.id, True, 0)] == 10_000
    assert correlated[(books.north.id, False, 0)] == 1_500  # the credit of Nov 1


def test_ages_count_from_the_posting_day_at_the_entrys_own_location(
    db: Session, books: Books
) -> None:
    """Today is Nov 24 in Chicago. Oct 25 is 30 days ago (current); 23:30 on Oct 24 in
    Chicago is 04:30 UTC on Oct 25 but 31 days ago there (31–60)."""
    r, n = books.rivera, books.north
    _entry(db, books, r, n, CHARGE, 700, datetime(2026, 10, 25, 5, 0, tzinfo=UTC))
    _entry(db, books, r, n, CHARGE, 300, datetime(2026, 10, 25, 4, 30, tzinfo=UTC))
    # 90 days ago (Aug 26) is still 61–90; Aug 25 is over 90.
    _entry(db, books, r, n, CHARGE, 11, at(date(2026, 8, 26)))
    _entry(db, books, r, n, CHARGE, 13, at(date(2026, 8, 25)))
    db.commit()
    (north, _) = aged_receivables(db, books.admin).locations
    assert north.bucket_cents == (700, 300, 11, 13)


def test_an_unallocated_reversal_is_credit_and_the_charge_stays_open(
    db: Session, books: Books
) -> None:
    """The ledger's rule: only allocations close a charge. A reversal left unallocated shows
    as unapplied credit, so the net still equals the family's balance."""
    charge = _entry(db, books, books.rivera, books.north, CHARGE, 2_000, at(date(2026, 11, 2)))
    _entry(
        db, books, books.rivera, books.north, ADJUSTMENT, 2_000, at(date(2026, 11, 3)),
        is_debit=False, reverses=charge,
    )  # fmt: skip
    db.commit()
    (north, _) = aged_receivables(db, books.admin).locations
    assert north.bucket_cents[0] == 2_000 and north.unapplied_credit_cents == 2_000
    assert north.net_cents == family_balance(db, books.admin, books.rivera.id).balance_cents == 0


def test_families_in_a_bucket_most_owed_first_searched_and_paged(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    for n in range(PAGE_SIZE + 4):
        fam, _, _ = f.family(db, f"Chase{n:02d}")
        _entry(db, books, fam, books.north, CHARGE, 100 + n, at(date(2026, 11, 1)))
    db.commit()
    first = receivable_families(db, books.admin, books.north.id, "current")
    assert (first.total, first.pages, len(first.items)) == (PAGE_SIZE + 5, 2, PAGE_SIZE)
    assert first.items[0].family_id == books.rivera.id
    assert first.items[0].owed_cents == 10_000 and first.items[0].open_charges == 1
    assert first.items[1].owed_cents == 100 + PAGE_SIZE + 3
    second = receivable_families(db, books.admin, books.north.id, "current", page=2)
    assert len(second.items) == 5 and second.page == 2
    found = receivable_families(db, books.admin, books.north.id, "current", search="chase07")
    assert [i.family_name for i in found.items] == ["Chase07 family"]
    old = receivable_families(db, books.admin, books.north.id, "61_90")
    assert [(i.family_name, i.owed_cents, i.oldest_on) for i in old.items] == [
        ("Rivera family", 2_000, date(2026, 9, 10))
    ]
    assert receivable_families(db, books.admin, books.south.id, "31_60").items == ()


def test_money_by_month_sums_each_kind_in_its_local_month(db: Session, books: Books) -> None:
    r, n, s = books.rivera, books.north, books.south
    _entry(db, books, r, n, CHARGE, 10_000, at(date(2026, 10, 1)))
    _entry(db, books, r, n, PAYMENT, 8_000, at(date(2026, 10, 5)))
    _entry(db, books, r, n, CREDIT, 500, at(date(2026, 11, 2)))
    _entry(db, books, r, n, REFUND, 300, at(date(2026, 11, 3)))
    _entry(db, books, r, n, ADJUSTMENT, 200, at(date(2026, 11, 4)), is_debit=True)
    _entry(db, books, r, n, ADJUSTMENT, 50, at(date(2026, 11, 4)), is_debit=False)
    # 20:00 on Oct 31 in Los Angeles is Nov 1 in UTC: it counts in October.
    _entry(db, books, books.okafor, s, CHARGE, 2_500, datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    _entry(db, books, r, n, CHARGE, 999, at(date(2025, 11, 30)))  # 13 months ago
    _entry(db, books, r, n, CHARGE, 777, at(date(2026, 12, 2)))  # posted ahead: next month
    db.commit()
    year = money_by_month(db, books.admin, 12)
    assert year.months[0].month == date(2025, 12, 1)
    assert year.months[-1].month == date(2026, 11, 1) and len(year.months) == 12
    october, november = year.months[-2], year.months[-1]
    assert (october.charges_cents, october.payments_cents) == (12_500, 8_000)
    assert (november.credits_cents, november.refunds_cents) == (500, 300)
    assert november.adjustments_cents == 150
    assert sum(m.charges_cents for m in year.months) == 12_500
    two_years = money_by_month(db, books.admin, 24)
    assert len(two_years.months) == 24 and two_years.months[11].charges_cents == 999
    assert year.scope == "All locations"
    south = money_by_month(db, books.admin, 12, location_id=s.id)
    assert south.scope == "Southside"
    assert south.months[-2].charges_cents == 2_500 and south.months[-1].charges_cents == 0
    rows = list(csv.reader(io.StringIO(money_by_month_csv(year).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "Charges (USD)", "Payments (USD)"]
    assert rows[-2][:3] == ["2026-10", "125.00", "80.00"]


def test_receivables_csv_has_a_row_per_location_and_a_total(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    data = aged_receivables_csv(aged_receivables(db, books.admin))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[0] for row in rows] == ["Location", "Northside", "Southside", "Total"]
    assert rows[0][1] == "Current (0–30 days) (USD)"
    assert rows[3][1:5] == ["125.00", "50.00", "20.00", "5.00"]


@pytest.mark.parametrize("role", [Role.STAFF, Role.INSTRUCTOR])
def test_only_administrators_see_the_money_view(db: Session, books: Books, role: Role) -> None:
    _hand_ledger(db, books)
    desk = f.staff(db, f"{role.value}@example.com", [books.north, books.south], role=role)
    for who in (desk, books.rivera_guardian):
        with pytest.raises(AccessDenied):
            aged_receivables(db, who)
        with pytest.raises(AccessDenied):
            receivable_families(db, who, books.north.id, "current")
        with pytest.raises(AccessDenied):
            money_by_month(db, who)
        with pytest.raises(AccessDenied):
            report_locations(db, who)


@pytest.mark.parametrize("bad", [0, -1, 2**40, "1", True, None, 1.0])
def test_a_bad_location_answers_like_a_missing_one(db: Session, books: Books, bad: object) -> None:
    with pytest.raises((NotFound, ValidationError)):
        aged_receivables(db, books.admin, location_id=bad if bad is not None else 999)
    with pytest.raises((NotFound, ValidationError)):
        money_by_month(db, books.admin, 12, location_id=bad if bad is not None else 999)
    with pytest.raises((NotFound, ValidationError)):
        receivable_families(db, books.admin, bad, "current")  # type: ignore[arg-type]


@pytest.mark.parametrize("months", [0, 6, 13, 48, "12", True, None, 12.0])
def test_the_period_is_12_24_or_36_months(db: Session, books: Books, months: object) -> None:
    with pytest.raises(ValidationError, match="12, 24 or 36"):
        money_by_month(db, books.admin, months)  # type: ignore[arg-type]


@pytest.mark.parametrize("bucket", ["", "90+", "CURRENT", None, 3, ["current"]])
def test_an_unknown_bucket_is_refused(db: Session, books: Books, bucket: object) -> None:
    with pytest.raises(ValidationError, match="age bucket"):
        receivable_families(db, books.admin, books.north.id, bucket)  # type: ignore[arg-type]


def test_an_empty_business_has_an_empty_report(db: Session) -> None:
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    report = aged_receivables(db, admin)
    assert report.locations == () and report.total.open_cents == 0
    assert all(m == type(m)(m.month) for m in money_by_month(db, admin, 36).months)


# The property: on any ledger, the report agrees with the ledger's own figures.

ENTRIES = hs.lists(
    hs.tuples(
        hs.sampled_from(list(LedgerKind)),
        hs.booleans(),  # an adjustment's direction
        hs.integers(1, 50_000),
        hs.integers(0, 400),  # days before today
        hs.integers(0, 1),  # which location
    ),
    max_size=14,
)
ALLOCATIONS = hs.lists(
    hs.tuples(hs.integers(0, 50), hs.integers(0, 50), hs.integers(1, 50_000)), max_size=8
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=ENTRIES, allocations=ALLOCATIONS, oldest_first=hs.booleans())
def test_buckets_sum_to_each_familys_outstanding_on_any_ledger(
    db: Session,
    entries: list[tuple[LedgerKind, bool, int, int, int]],
    allocations: list[tuple[int, int, int]],
    oldest_first: bool,
) -> None:
    # Each example gets its own locations and family, so the report covers only them.
    places = [f.location(db, "Northside"), f.location(db, "Southside", "America/Los_Angeles")]
    fam, _, _ = f.family(db)
    admin = Actor(user_id=1, role=Role.ADMIN)
    rows = []
    for kind, as_debit, cents, days_ago, where in entries:
        is_debit = as_debit if kind is ADJUSTMENT else kind in (CHARGE, REFUND)
        when = at(date(2026, 11, 24) - timedelta(days=days_ago), 12)
        rows.append(f.posted(db, fam, places[where], kind, cents, when, is_debit=is_debit))
    left = f.allocate_picks(db, rows, allocations)
    if oldest_first:  # then what a payment does: the rest applied oldest first
        allocate_oldest_first(db, fam.id)
    db.commit()

    whole = family_balance(db, admin, fam.id)
    owed_total = 0
    for place in places:
        here = family_balance(db, admin, fam.id, location_id=place.id)
        report = aged_receivables(db, admin, location_id=place.id)
        assert report.total.open_cents == here.outstanding_cents
        assert report.total.unapplied_credit_cents == here.credit_cents
        assert report.total.net_cents == here.balance_cents
        families = receivable_families(db, admin, place.id, "all").items
        assert sum(i.owed_cents for i in families) == here.outstanding_cents
        per_bucket = [
            sum(i.owed_cents for i in receivable_families(db, admin, place.id, b).items)
            for b in BUCKETS
        ]
        assert tuple(per_bucket) == report.total.bucket_cents
        owed_total += here.outstanding_cents
    assert owed_total == whole.outstanding_cents
    if not oldest_first:  # the buckets by a model of the rule: open cents by local age
        expected = [0, 0, 0, 0]
        for row in (row for row in rows if row.is_debit):
            age = (date(2026, 11, 24) - row.posted_at.date()).days  # noon UTC: same day
            expected[0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3] += left[row.id]
        report = aged_receivables(db, admin)
        mine = [r for r in report.locations if r.location_id in {p.id for p in places}]
        got = [sum(r.bucket_cents[i] for r in mine) for i in range(4)]
        assert got == expected
