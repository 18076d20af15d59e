"""The transaction history frame, its filters, the running balance and the period rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from data.models import LedgerKind
from services.billing.ledger import family_balance
from services.billing.transactions_history import (
    LEDGER_COLUMNS,
    LEDGER_FILTERS,
    DateRange,
    family_ledger,
    ledger_meta,
    ledger_period,
    only_kind,
    with_running_balance,
)
from services.kernel.errors import NotFound, ValidationError
from services.kernel.settings import DEFAULTS
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # the frozen clock's day in Chicago and Los Angeles
OFF = DEFAULTS  # full ledger history off by default
ON = replace(DEFAULTS, full_ledger_history=True)


@pytest.fixture
def books(db: Session) -> f.HandLedger:
    return f.hand_ledger(db)


# -- DateRange and the period rule ----------------------------------------------------------


def test_a_date_range_is_half_open() -> None:
    november = DateRange.inclusive(date(2026, 11, 1), date(2026, 11, 30))
    assert november == DateRange(date(2026, 11, 1), date(2026, 12, 1))
    assert november.last == date(2026, 11, 30)
    assert november.days == 30
    assert date(2026, 11, 30) in november
    assert date(2026, 12, 1) not in november
    assert "2026-11-05" not in november
    with pytest.raises(ValueError, match="empty"):
        DateRange(date(2026, 11, 1), date(2026, 11, 1))


def test_with_full_history_off_the_period_is_the_last_30_days_whatever_is_asked() -> None:
    last_30 = DateRange(date(2026, 10, 26), date(2026, 11, 25))
    assert last_30.days == 30
    assert ledger_period(OFF, TODAY, None, None) == last_30
    assert ledger_period(OFF, TODAY, date(2020, 1, 1), date(2020, 12, 31)) == last_30
    assert ledger_period(OFF, TODAY, date(2026, 11, 20), date(2026, 11, 1)) == last_30


def test_with_full_history_on_the_period_is_the_days_asked_both_included() -> None:
    assert ledger_period(ON, TODAY, date(2026, 1, 1), date(2026, 3, 31)) == DateRange(
        date(2026, 1, 1), date(2026, 4, 1)
    )
    assert ledger_period(ON, TODAY, TODAY, TODAY) == DateRange(TODAY, TODAY + timedelta(days=1))
    everything = ledger_period(ON, TODAY, None, None)
    assert everything.end == TODAY + timedelta(days=1)
    assert everything.start == date(2016, 11, 25)  # ten years, today included


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 11, 20), date(2026, 11, 1), "start date must be on or before"),
        (date(2026, 11, 1), date(2026, 11, 25), "cannot be after today"),
        (date(1999, 12, 31), date(2000, 1, 5), "on or after January 1, 2000"),
        (date(2015, 1, 1), date(2026, 1, 1), "at most 10 years"),
    ],
)
def test_a_range_out_of_bounds_is_refused(start: date, end: date, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ledger_period(ON, TODAY, start, end)


@pytest.mark.parametrize(
    "bad", ["2026-11-01", 20261101, datetime(2026, 11, 1, tzinfo=UTC), pd.Timestamp("2026-11-01")]
)
def test_a_date_that_is_not_a_date_is_refused_even_when_it_would_be_ignored(bad: object) -> None:
    for settings in (ON, OFF):
        with pytest.raises(ValidationError, match="start date is not a valid date"):
            ledger_period(settings, TODAY, bad, None)  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="end date is not a valid date"):
            ledger_period(settings, TODAY, None, bad)  # type: ignore[arg-type]


# -- the frame ------------------------------------------------------------------------------


def test_the_frame_has_every_entry_type_signed_by_direction(
    db: Session, books: f.HandLedger
) -> None:
    f.portal_settings(db, full_ledger_history=True)
    df = family_ledger(db, books.gym.guardian, start=date(2026, 9, 1), end=TODAY)
    assert tuple(df.columns) == LEDGER_COLUMNS
    assert df["amount_cents"].dtype == "int64"
    assert df["entry_id"].dtype == "int64"
    assert list(df["type"]) == [
        "charge",
        "charge",
        "charge",
        "payment",
        "payment",
        "refund",
        "credit",
        "adjustment",
        "adjustment",
        "charge",
        "payment",
    ]
    assert list(df["amount_cents"]) == [
        2_000,
        10_000,
        4_500,
        -12_000,
        -5_000,
        2_000,
        -1_500,
        300,
        -200,
        8_000,
        -8_000,
    ]
    tuition = df.loc[df["entry_id"] == books.tuition.id].iloc[0]
    assert tuition["student"] == "Maya Rivera"
    assert tuition["location"] == "Northside"
    assert tuition["service_date"] == date(2026, 11, 1)
    assert df.loc[df["entry_id"] == books.credit.id, "student"].iloc[0] == ""
    assert df.loc[df["entry_id"] == books.credit.id, "service_date"].iloc[0] is None


def test_an_entry_is_dated_by_the_day_at_its_location(db: Session, books: f.HandLedger) -> None:
    """03:00 UTC on Nov 2 is 21:00 on Nov 1 in Chicago."""
    f.portal_settings(db, full_ledger_history=True)
    df = family_ledger(db, books.gym.guardian, start=date(2026, 11, 1), end=date(2026, 11, 1))
    assert set(df["entry_id"]) == {books.tuition.id, books.registration.id}
    assert set(df["date"]) == {date(2026, 11, 1)}
    df = family_ledger(db, books.gym.guardian, start=date(2026, 11, 2), end=date(2026, 11, 4))
    assert df.empty
    assert ledger_meta(df).opening_balance_cents == 16_500


def test_the_running_balance_starts_from_the_balance_before_the_period(
    db: Session, books: f.HandLedger
) -> None:
    df = with_running_balance(family_ledger(db, books.gym.guardian))
    meta = ledger_meta(df)
    assert meta.period == DateRange(date(2026, 10, 26), date(2026, 11, 25))
    assert not meta.full_history
    assert meta.opening_balance_cents == 2_000  # the September charge, outside the 30 days
    assert books.old_charge.id not in set(df["entry_id"])
    assert df["balance_cents"].dtype == "int64"
    assert list(df["balance_cents"])[:4] == [12_000, 16_500, 4_500, -500]
    whole = family_balance(db, books.gym.guardian, books.gym.family.id)
    assert int(df["balance_cents"].iloc[-1]) == whole.balance_cents == 100


def test_a_location_has_its_own_balance_matching_the_billing_figures(
    db: Session, books: f.HandLedger
) -> None:
    for place, expected in ((books.gym.north, 100), (books.gym.south, 0)):
        df = with_running_balance(family_ledger(db, books.gym.guardian, location_id=place.id))
        assert set(df["location"]) == {place.name}
        balance = family_balance(db, books.gym.guardian, books.gym.family.id, location_id=place.id)
        assert int(df["balance_cents"].iloc[-1]) == balance.balance_cents == expected


def test_filters_keep_the_true_balance_on_each_row(db: Session, books: f.HandLedger) -> None:
    df = with_running_balance(family_ledger(db, books.gym.guardian))
    balance_of = dict(zip(df["entry_id"], df["balance_cents"], strict=True))
    assert set(LEDGER_FILTERS) == {"all", "charges", "payments", "refunds"}
    expected = {
        "all": set(df["entry_id"]),
        "charges": {books.tuition.id, books.registration.id, books.south_tuition.id},
        "payments": {books.p1.id, books.p2.id, books.south_payment.id},
        "refunds": {books.refund.id},
    }
    for choice, ids in expected.items():
        shown = only_kind(df, choice)
        assert set(shown["entry_id"]) == ids, choice
        assert all(
            balance_of[i] == b
            for i, b in zip(shown["entry_id"], shown["balance_cents"], strict=True)
        )
        assert ledger_meta(shown).kind_filter == choice
    assert list(only_kind(df, "refunds")["amount_cents"]) == [2_000]


def test_the_running_balance_is_refused_after_filtering(db: Session, books: f.HandLedger) -> None:
    payments = only_kind(family_ledger(db, books.gym.guardian), "payments")
    with pytest.raises(ValueError, match="before filtering"):
        with_running_balance(payments)


@pytest.mark.parametrize("bad", ["Charges", "credits", "", None, 1])
def test_an_unknown_filter_is_refused(db: Session, books: f.HandLedger, bad: object) -> None:
    with pytest.raises(ValidationError, match="Choose All, Charges, Payments or Refunds"):
        only_kind(family_ledger(db, books.gym.guardian), bad)  # type: ignore[arg-type]


def test_a_family_without_entries_has_an_empty_typed_frame(
    db: Session, books: f.HandLedger
) -> None:
    df = with_running_balance(family_ledger(db, books.gym.other_guardian))
    assert df.empty
    assert tuple(df.columns) == (*LEDGER_COLUMNS, "balance_cents")
    assert df["amount_cents"].dtype == "int64"
    assert df["balance_cents"].dtype == "int64"
    assert ledger_meta(df).opening_balance_cents == 0
    assert only_kind(df, "payments").empty


def test_a_zero_balance_family_ends_at_zero(db: Session, books: f.HandLedger) -> None:
    other = books.gym.other_family
    fee = f.posted(
        db, other, books.gym.north, LedgerKind.CHARGE, 3_000, datetime(2026, 11, 3, tzinfo=UTC)
    )
    paid = f.posted(
        db, other, books.gym.north, LedgerKind.PAYMENT, 3_000, datetime(2026, 11, 4, tzinfo=UTC)
    )
    f.allocate(db, paid, fee, 3_000)
    df = with_running_balance(family_ledger(db, books.gym.other_guardian))
    assert list(df["balance_cents"]) == [3_000, 0]


# -- the 30-day rule for parents and staff ----------------------------------------------------


def test_parents_get_the_last_30_days_until_full_history_is_on(
    db: Session, books: f.HandLedger
) -> None:
    asked = {"start": date(2026, 9, 1), "end": date(2026, 9, 30)}
    df = family_ledger(db, books.gym.guardian, **asked)
    assert ledger_meta(df).period == DateRange(date(2026, 10, 26), date(2026, 11, 25))
    assert books.old_charge.id not in set(df["entry_id"])
    f.portal_settings(db, full_ledger_history=True)
    df = family_ledger(db, books.gym.guardian, **asked)
    assert ledger_meta(df).full_history
    assert list(df["entry_id"]) == [books.old_charge.id]
    assert ledger_meta(df).opening_balance_cents == 0


def test_staff_are_not_bound_by_the_30_days(db: Session, books: f.HandLedger) -> None:
    df = family_ledger(
        db,
        books.gym.desk,
        family_id=books.gym.family.id,
        start=date(2026, 9, 1),
        end=date(2026, 9, 30),
    )
    assert list(df["entry_id"]) == [books.old_charge.id]


# -- access and input -----------------------------------------------------------------------


def test_guardians_and_staff_who_see_the_family_get_its_ledger(
    db: Session, books: f.HandLedger
) -> None:
    gym = books.gym
    f.portal_settings(db, full_ledger_history=True)  # staff always see the full history
    mine = set(family_ledger(db, gym.guardian)["entry_id"])
    assert len(mine) == 11
    assert set(family_ledger(db, gym.second)["entry_id"]) == mine
    assert set(family_ledger(db, gym.guardian, family_id=gym.family.id)["entry_id"]) == mine
    for staff in (gym.desk, gym.admin):
        assert set(family_ledger(db, staff, family_id=gym.family.id)["entry_id"]) == mine
    north = family_ledger(db, gym.desk, family_id=gym.family.id, location_id=gym.north.id)
    assert set(north["location"]) == {"Northside"}


def test_another_family_or_location_answers_like_a_missing_one(
    db: Session, books: f.HandLedger
) -> None:
    gym = books.gym
    east = f.location(db, "Eastside")
    east_desk = f.staff(db, "east@example.com", [east])
    with pytest.raises(NotFound, match="family"):
        family_ledger(db, gym.other_guardian, family_id=gym.family.id)
    with pytest.raises(NotFound, match="family"):
        family_ledger(db, gym.guardian, family_id=999_999)
    with pytest.raises(NotFound, match="family"):
        family_ledger(db, east_desk, family_id=gym.family.id)
    with pytest.raises(NotFound, match="family"):
        family_ledger(db, gym.admin, family_id=999_999)
    with pytest.raises(NotFound, match="location"):
        family_ledger(db, gym.desk, family_id=gym.family.id, location_id=gym.south.id)
    with pytest.raises(NotFound, match="location"):
        family_ledger(db, gym.guardian, location_id=999_999)
    # The other family's entries never show, whatever the location.
    others = family_ledger(db, gym.other_guardian, location_id=gym.north.id)
    assert others.empty


@pytest.mark.parametrize("bad", ["1", 1.0, True])
def test_forged_ids_are_refused(db: Session, books: f.HandLedger, bad: object) -> None:
    with pytest.raises(ValidationError, match="family"):
        family_ledger(db, books.gym.guardian, family_id=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="location"):
        family_ledger(db, books.gym.guardian, location_id=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="family"):
        family_ledger(db, books.gym.admin)


def test_the_ledger_costs_a_few_queries_whatever_its_length(
    db: Session, books: f.HandLedger
) -> None:
    for day in range(1, 21):
        f.posted(
            db,
            books.gym.family,
            books.gym.north,
            LedgerKind.CHARGE,
            100,
            datetime(2026, 11, day, 18, tzinfo=UTC),
        )
    engine = db.get_bind()
    with count_queries(engine) as statements:  # type: ignore[arg-type]
        df = family_ledger(db, books.gym.guardian, location_id=books.gym.north.id)
    assert len(df) == 28
    ledger_queries = [s for s in statements if "ledger_entries" in s]
    assert len(ledger_queries) <= 3  # the opening balance, the rows, the family's zone
    assert all("family_id" in s for s in ledger_queries)
