"""Balances derived from ledger entries and allocations, the recomputing check, and access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from data.models import Family, LedgerEntry, LedgerKind, Location, Role
from services.billing.ledger import (
    Balance,
    LedgerInconsistent,
    LedgerTotals,
    check_family_ledger,
    family_balance,
    family_totals,
)
from services.kernel.access import Actor
from services.kernel.errors import NotFound, ValidationError
from tests import factories as f

CHARGE, PAYMENT, REFUND, CREDIT, ADJUSTMENT = (
    LedgerKind.CHARGE,
    LedgerKind.PAYMENT,
    LedgerKind.REFUND,
    LedgerKind.CREDIT,
    LedgerKind.ADJUSTMENT,
)
ADMIN = Actor(user_id=1, role=Role.ADMIN)


@dataclass
class Books:
    north: Location
    south: Location
    family: Family
    guardian: Actor
    other_family: Family
    other_guardian: Actor


@pytest.fixture
def books(db: Session) -> Books:
    north = f.location(db, "Northside")
    south = f.location(db, "Southside")
    fam, _, account = f.family(db, "Rivera")
    other, _, other_account = f.family(db, "Okafor")
    return Books(
        north, south, fam, f.guardian_actor(db, account), other, f.guardian_actor(db, other_account)
    )


def test_a_family_without_entries_owes_nothing(db: Session, books: Books) -> None:
    balance = family_balance(db, books.guardian, books.family.id)
    assert balance == Balance(outstanding_cents=0, credit_cents=0)
    assert balance.balance_cents == 0


def test_partial_allocations_leave_the_rest_of_each_charge_outstanding(
    db: Session, books: Books
) -> None:
    tuition = f.entry(db, books.family, books.north, CHARGE, 10_000)
    fee = f.entry(db, books.family, books.north, CHARGE, 5_000)
    payment = f.entry(db, books.family, books.north, PAYMENT, 12_000)
    f.allocate(db, payment, tuition, 10_000)
    f.allocate(db, payment, fee, 2_000)
    balance = family_balance(db, books.guardian, books.family.id)
    assert balance == Balance(outstanding_cents=3_000, credit_cents=0)
    assert balance.balance_cents == 3_000


def test_an_unallocated_payment_is_credit_next_to_the_outstanding_charge(
    db: Session, books: Books
) -> None:
    f.entry(db, books.family, books.north, CHARGE, 5_000)
    f.entry(db, books.family, books.north, PAYMENT, 5_000)
    balance = family_balance(db, books.guardian, books.family.id)
    assert balance == Balance(outstanding_cents=5_000, credit_cents=5_000)
    assert balance.balance_cents == 0


def test_credit_left_over_after_paying_everything(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 6_000)
    payment = f.entry(db, books.family, books.north, PAYMENT, 10_000)
    f.allocate(db, payment, charge, 6_000)
    balance = family_balance(db, books.guardian, books.family.id)
    assert balance == Balance(outstanding_cents=0, credit_cents=4_000)
    assert balance.balance_cents == -4_000


def test_a_refund_paired_with_the_leftover_credit_settles_the_family(
    db: Session, books: Books
) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 5_000)
    payment = f.entry(db, books.family, books.north, PAYMENT, 8_000)
    f.allocate(db, payment, charge, 5_000)
    refund = f.entry(db, books.family, books.north, REFUND, 3_000)
    f.allocate(db, payment, refund, 3_000)
    assert family_balance(db, books.guardian, books.family.id) == Balance(0, 0)
    assert check_family_ledger(db, books.guardian, books.family.id) == Balance(0, 0)


def test_a_goodwill_credit_and_adjustments_both_ways(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 8_500)
    goodwill = f.entry(db, books.family, books.north, CREDIT, 1_500)
    f.allocate(db, goodwill, charge, 1_500)
    late_fee = f.entry(db, books.family, books.north, ADJUSTMENT, 1_000, is_debit=True)
    waiver = f.entry(db, books.family, books.north, ADJUSTMENT, 400, is_debit=False)
    f.allocate(db, waiver, late_fee, 400)
    balance = family_balance(db, books.guardian, books.family.id)
    assert balance == Balance(outstanding_cents=7_000 + 600, credit_cents=0)
    totals = family_totals(db, books.guardian, books.family.id)
    assert totals == LedgerTotals(debit_cents=9_500, credit_cents=1_900)
    assert totals.net_cents == balance.balance_cents


def test_other_families_entries_do_not_count(db: Session, books: Books) -> None:
    f.entry(db, books.other_family, books.north, CHARGE, 9_999)
    f.entry(db, books.family, books.north, CHARGE, 100)
    assert family_balance(db, books.guardian, books.family.id) == Balance(100, 0)


def test_balance_at_one_location(db: Session, books: Books) -> None:
    north_charge = f.entry(db, books.family, books.north, CHARGE, 5_000)
    south_charge = f.entry(db, books.family, books.south, CHARGE, 3_000)
    south_payment = f.entry(db, books.family, books.south, PAYMENT, 4_000)
    f.allocate(db, south_payment, south_charge, 3_000)
    f.allocate(db, south_payment, north_charge, 1_000)  # paid at the other desk
    at_north = family_balance(db, books.guardian, books.family.id, location_id=books.north.id)
    at_south = family_balance(db, books.guardian, books.family.id, location_id=books.south.id)
    whole = family_balance(db, books.guardian, books.family.id)
    assert at_north == Balance(outstanding_cents=4_000, credit_cents=0)
    assert at_south == Balance(outstanding_cents=0, credit_cents=0)
    assert whole == Balance(outstanding_cents=4_000, credit_cents=0)
    assert family_totals(db, books.guardian, books.family.id, location_id=books.south.id) == (
        LedgerTotals(debit_cents=3_000, credit_cents=4_000)
    )


def test_a_location_without_entries_is_zero(db: Session, books: Books) -> None:
    f.entry(db, books.family, books.north, CHARGE, 5_000)
    assert family_balance(
        db, books.guardian, books.family.id, location_id=books.south.id
    ) == Balance(0, 0)


# The recomputing check


def test_check_passes_on_consistent_books(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 2_000)
    payment = f.entry(db, books.family, books.south, PAYMENT, 500)
    f.allocate(db, payment, charge, 500)
    assert check_family_ledger(db, books.guardian, books.family.id) == Balance(1_500, 0)


def test_check_finds_an_over_allocated_charge(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 2_000)
    payment = f.entry(db, books.family, books.north, PAYMENT, 5_000)
    f.allocate(db, payment, charge, 3_000)
    with pytest.raises(LedgerInconsistent, match="more allocated than their amount"):
        check_family_ledger(db, ADMIN, books.family.id)


def test_check_finds_an_allocation_in_the_wrong_direction(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 2_000)
    payment = f.entry(db, books.family, books.north, PAYMENT, 2_000)
    f.allocate(db, charge, payment, 2_000)
    with pytest.raises(LedgerInconsistent, match="1 allocations"):
        check_family_ledger(db, ADMIN, books.family.id)


def test_check_finds_an_allocation_across_families(db: Session, books: Books) -> None:
    charge = f.entry(db, books.family, books.north, CHARGE, 2_000)
    stranger = f.entry(db, books.other_family, books.north, PAYMENT, 2_000)
    f.allocate(db, stranger, charge, 2_000)
    for family in (books.family, books.other_family):
        with pytest.raises(LedgerInconsistent, match="same family"):
            check_family_ledger(db, ADMIN, family.id)


LEDGER_KINDS = st.sampled_from(list(LedgerKind))
ENTRIES = st.lists(
    st.tuples(LEDGER_KINDS, st.booleans(), st.integers(1, 50_000), st.integers(0, 1)),
    max_size=12,
)
ALLOCATIONS = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(1, 50_000)), max_size=12
)


def _is_debit(kind: LedgerKind, adjustment_is_debit: bool) -> bool:
    if kind is LedgerKind.ADJUSTMENT:
        return adjustment_is_debit
    return kind in (LedgerKind.CHARGE, LedgerKind.REFUND)


def _open_sum(
    entries: list[LedgerEntry], left: dict[int, int], pick: Callable[[LedgerEntry], bool]
) -> int:
    return sum(left[e.id] for e in entries if pick(e))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=ENTRIES, allocations=ALLOCATIONS)
def test_debits_minus_credits_always_equal_outstanding_minus_credit(
    db: Session,
    entries: list[tuple[LedgerKind, bool, int, int]],
    allocations: list[tuple[int, int, int]],
) -> None:
    # Each example gets its own family: every figure is scoped by family.
    places = [f.location(db, "Northside"), f.location(db, "Southside")]
    fam, _, _ = f.family(db)
    rows = [
        f.entry(db, fam, places[where], kind, amount, is_debit=_is_debit(kind, as_debit))
        for kind, as_debit, amount, where in entries
    ]
    left = f.allocate_picks(db, rows, allocations)

    balance = check_family_ledger(db, ADMIN, fam.id)
    totals = family_totals(db, ADMIN, fam.id)
    assert totals.net_cents == balance.balance_cents
    assert balance == Balance(
        outstanding_cents=_open_sum(rows, left, lambda e: e.is_debit),
        credit_cents=_open_sum(rows, left, lambda e: not e.is_debit),
    )
    per_location = [family_balance(db, ADMIN, fam.id, location_id=p.id) for p in places]
    assert sum(b.outstanding_cents for b in per_location) == balance.outstanding_cents
    assert sum(b.credit_cents for b in per_location) == balance.credit_cents


# Access: every public function


PUBLIC = [family_balance, family_totals, check_family_ledger]


@pytest.mark.parametrize("function", PUBLIC)
def test_a_guardian_reaches_only_their_own_family(
    db: Session, books: Books, function: Callable[..., object]
) -> None:
    function(db, books.guardian, books.family.id)
    with pytest.raises(NotFound) as other:
        function(db, books.guardian, books.other_family.id)
    with pytest.raises(NotFound) as missing:
        function(db, books.guardian, 999_999)
    assert str(other.value) == str(missing.value) == "That family was not found."


@pytest.mark.parametrize("function", PUBLIC)
def test_staff_reach_families_seen_at_their_locations_admins_any(
    db: Session, books: Books, function: Callable[..., object]
) -> None:
    desk = f.staff(db, "desk@example.com", [books.north])
    south_desk = f.staff(db, "south@example.com", [books.south])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    f.entry(db, books.family, books.north, CHARGE, 1_000)
    db.commit()
    function(db, desk, books.family.id)
    function(db, admin, books.family.id)
    function(db, admin, books.other_family.id)
    with pytest.raises(NotFound, match="family"):
        function(db, south_desk, books.family.id)  # nothing of this family at Southside
    for actor in (desk, admin):
        with pytest.raises(NotFound, match="family"):
            function(db, actor, 999_999)


@pytest.mark.parametrize("function", [family_balance, family_totals])
def test_staff_see_a_balance_only_at_their_own_locations(
    db: Session, books: Books, function: Callable[..., object]
) -> None:
    desk = f.staff(db, "desk@example.com", [books.north])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    f.entry(db, books.family, books.north, CHARGE, 1_000)  # the family is seen at Northside
    db.commit()
    function(db, desk, books.family.id, location_id=books.north.id)
    function(db, admin, books.family.id, location_id=books.south.id)
    with pytest.raises(NotFound) as unseen:
        function(db, desk, books.family.id, location_id=books.south.id)
    with pytest.raises(NotFound) as missing:
        function(db, desk, books.family.id, location_id=999_999)
    assert str(unseen.value) == str(missing.value) == "That location was not found."


@pytest.mark.parametrize("function", PUBLIC)
@pytest.mark.parametrize("bad", ["1", 1.0, None, True])
def test_a_family_id_must_be_an_integer(
    db: Session, books: Books, function: Callable[..., object], bad: object
) -> None:
    with pytest.raises(ValidationError, match="That family is not valid"):
        function(db, books.guardian, bad)


@pytest.mark.parametrize("bad", ["1", 1.5, False])
def test_a_location_id_must_be_an_integer(db: Session, books: Books, bad: object) -> None:
    with pytest.raises(ValidationError, match="That location is not valid"):
        family_balance(db, books.guardian, books.family.id, location_id=bad)  # type: ignore[arg-type]
