"""Location statements, ledger reports, combined and year-end statements, receipts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from data.models import LedgerKind, Location
from services.billing.document_header import ALL_LOCATIONS
from services.billing.ledger import LedgerInconsistent, family_balance
from services.billing.receipt_document import payment_receipt
from services.billing.statements import combined_statement, location_ledger, location_statement
from services.billing.transactions_history import DateRange
from services.billing.year_end import FAMILY_ACCOUNT, year_end_statement
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from tests import factories as f

CHARGE, PAYMENT, REFUND, CREDIT = (
    LedgerKind.CHARGE,
    LedgerKind.PAYMENT,
    LedgerKind.REFUND,
    LedgerKind.CREDIT,
)
TODAY = date(2026, 11, 24)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 16, tzinfo=UTC)


@pytest.fixture
def books(db: Session) -> f.HandLedger:
    f.portal_settings(
        db,
        business_name="Cartwheel Gym & Swim",
        business_address="1 Main St\nSpringfield, IL 62701",
        business_tax_id="12-3456789",
    )
    return f.hand_ledger(db)


# -- location statement ----------------------------------------------------------------------


def test_a_statement_lists_each_open_charge_with_what_is_left_to_pay(
    db: Session, books: f.HandLedger
) -> None:
    statement = location_statement(db, books.gym.guardian, books.gym.north.id)
    lines = statement.lines
    assert list(lines["entry_id"]) == [
        books.old_charge.id,
        books.registration.id,
        books.late_fee.id,
    ]
    assert list(lines["amount_cents"]) == [2_000, 4_500, 300]
    assert list(lines["paid_cents"]) == [0, 2_000, 200]
    assert list(lines["due_cents"]) == [2_000, 2_500, 100]
    assert {str(lines[c].dtype) for c in ("amount_cents", "paid_cents", "due_cents")} == {"int64"}
    assert statement.total_due_cents == 4_600
    assert statement.credit_cents == 4_500  # the rest of P2 and the weather credit
    assert list(lines["date"]) == [date(2026, 9, 15), date(2026, 11, 1), date(2026, 11, 14)]


def test_a_statement_header_names_business_family_guardian_and_date(
    db: Session, books: f.HandLedger
) -> None:
    header = location_statement(db, books.gym.guardian, books.gym.north.id).header
    assert header.title == "Statement"
    assert header.business_name == "Cartwheel Gym & Swim"
    assert header.business_address == "1 Main St\nSpringfield, IL 62701"
    assert header.family_name == "Rivera family"
    assert header.guardian_name == "Alex Rivera"  # the primary, also for the second guardian
    assert header.location_name == "Northside"
    assert header.location_address == "Springfield"
    assert header.issued_on == TODAY
    assert header.currency == "usd"
    assert header.file_stem() == "statement-northside-2026-11-24"


def test_a_fully_paid_location_has_an_empty_statement(db: Session, books: f.HandLedger) -> None:
    statement = location_statement(db, books.gym.second, books.gym.south.id)
    assert statement.lines.empty
    assert statement.lines["due_cents"].dtype == "int64"
    assert statement.total_due_cents == 0


def test_statement_totals_equal_the_outstanding_balance_per_location(
    db: Session, books: f.HandLedger
) -> None:
    gym = books.gym
    families = [(gym.family, gym.guardian), (gym.other_family, gym.other_guardian)]
    for name, pattern in (("Nguyen", (7_500, 3_000, 0)), ("Dubois", (1_234, 1_234, 567))):
        fam, _, account = f.family(db, name)
        charge = f.posted(db, fam, gym.north, CHARGE, pattern[0], at(11, 2))
        if pattern[1]:
            payment = f.posted(db, fam, gym.north, PAYMENT, pattern[1], at(11, 3))
            f.allocate(db, payment, charge, pattern[1])
        if pattern[2]:
            f.posted(db, fam, gym.south, REFUND, pattern[2], at(11, 4))
        families.append((fam, f.guardian_actor(db, account)))
    for fam, guardian in families:
        for place in (gym.north, gym.south):
            outstanding = family_balance(db, guardian, fam.id, location_id=place.id)
            for actor, family_id in ((guardian, None), (gym.admin, fam.id)):
                statement = location_statement(db, actor, place.id, family_id=family_id)
                assert statement.total_due_cents == outstanding.outstanding_cents
                assert int(statement.lines["due_cents"].sum()) == outstanding.outstanding_cents


def test_an_over_applied_charge_is_refused_rather_than_printed(
    db: Session, books: f.HandLedger
) -> None:
    gym = books.gym
    charge = f.posted(db, gym.family, gym.south, CHARGE, 1_000, at(11, 22))
    payment = f.posted(db, gym.family, gym.south, PAYMENT, 5_000, at(11, 22))
    f.allocate(db, payment, charge, 1_500)
    with pytest.raises(LedgerInconsistent):
        location_statement(db, gym.guardian, gym.south.id)


# -- location ledger ---------------------------------------------------------------------------


def test_a_location_ledger_has_opening_and_closing_balances(
    db: Session, books: f.HandLedger
) -> None:
    report = location_ledger(db, books.gym.guardian, books.gym.north.id, None, None)
    assert report.period == DateRange(date(2026, 10, 26), date(2026, 11, 25))
    assert not report.full_history
    assert report.location_id == books.gym.north.id
    assert report.opening_balance_cents == 2_000
    assert report.debits_cents == 10_000 + 4_500 + 2_000 + 300
    assert report.credits_cents == 12_000 + 5_000 + 1_500 + 200
    north = family_balance(
        db, books.gym.guardian, books.gym.family.id, location_id=books.gym.north.id
    )
    assert north.balance_cents == report.closing_balance_cents == 100
    assert int(report.lines["balance_cents"].iloc[-1]) == 100
    assert set(report.lines["location"]) == {"Northside"}
    assert report.header.title == "Ledger"


def test_a_location_ledger_follows_the_30_day_rule(db: Session, books: f.HandLedger) -> None:
    september = (date(2026, 9, 1), date(2026, 9, 30))
    report = location_ledger(db, books.gym.guardian, books.gym.north.id, *september)
    assert report.period.start == date(2026, 10, 26)
    f.portal_settings(db, full_ledger_history=True)
    report = location_ledger(db, books.gym.guardian, books.gym.north.id, *september)
    assert report.full_history
    assert report.period == DateRange.inclusive(*september)
    assert list(report.lines["entry_id"]) == [books.old_charge.id]
    assert (report.opening_balance_cents, report.closing_balance_cents) == (0, 2_000)
    with pytest.raises(ValidationError, match="on or before"):
        location_ledger(db, books.gym.guardian, books.gym.north.id, *reversed(september))


# -- combined statement -------------------------------------------------------------------------


def test_the_combined_statement_needs_full_history_for_parents(
    db: Session, books: f.HandLedger
) -> None:
    with pytest.raises(FeatureDisabled, match="last 30 days"):
        combined_statement(db, books.gym.guardian, date(2026, 1, 1), TODAY)
    staff = combined_statement(
        db, books.gym.desk, date(2026, 1, 1), TODAY, family_id=books.gym.family.id
    )
    assert len(staff.lines) == 11


def test_the_combined_statement_spans_every_location_with_service_dates(
    db: Session, books: f.HandLedger
) -> None:
    f.portal_settings(db, full_ledger_history=True)
    report = combined_statement(db, books.gym.guardian, date(2026, 10, 1), TODAY)
    assert report.location_id is None
    assert report.header.location_name == ALL_LOCATIONS
    assert report.header.title == "Combined statement"
    assert set(report.lines["location"]) == {"Northside", "Southside"}
    assert report.opening_balance_cents == 2_000
    whole = family_balance(db, books.gym.guardian, books.gym.family.id)
    assert report.closing_balance_cents == whole.balance_cents == 100
    tuition = report.lines.loc[report.lines["entry_id"] == books.tuition.id]
    assert tuition["service_date"].iloc[0] == date(2026, 11, 1)
    with pytest.raises(ValidationError, match="at most 10 years"):
        combined_statement(db, books.gym.guardian, date(2010, 1, 1), TODAY)


# -- year-end statement ----------------------------------------------------------------------


def test_year_end_counts_payments_per_student_minus_refunds(
    db: Session, books: f.HandLedger
) -> None:
    gym = books.gym
    f.posted(db, gym.family, gym.north, PAYMENT, 9_999, at(12, 31, 2025))  # another year
    year_end = year_end_statement(db, gym.guardian, 2026)
    students = {row.student: row for row in year_end.students.itertuples(index=False)}
    # P1 paid Maya's tuition (100.00) and 20.00 of the family's registration fee; P2's
    # 50.00 went 20.00 to the refund and 30.00 unapplied; Leo's tuition was paid in full.
    assert (students["Maya Rivera"].paid_cents, students["Maya Rivera"].refunded_cents) == (
        10_000,
        0,
    )
    assert students["Leo Rivera"].net_cents == 8_000
    assert students[FAMILY_ACCOUNT].paid_cents == 2_000 + 2_000 + 3_000
    assert students[FAMILY_ACCOUNT].refunded_cents == 2_000
    assert list(year_end.students["student"]) == ["Leo Rivera", "Maya Rivera", FAMILY_ACCOUNT]
    assert year_end.total_paid_cents == 12_000 + 5_000 + 8_000
    assert year_end.total_refunded_cents == 2_000
    assert year_end.total_net_cents == int(year_end.students["net_cents"].sum())
    assert set(year_end.entries["type"]) == {"payment", "refund"}
    assert (year_end.entries["amount_cents"] > 0).all()
    assert year_end.header.business_tax_id == "12-3456789"
    assert year_end.header.file_stem(2026) == "year-end-statement-all-locations-2026-2026-11-24"
    bounced = f.posted(db, gym.family, gym.south, PAYMENT, 4_000, at(11, 22))
    f.posted(
        db,
        gym.family,
        gym.south,
        LedgerKind.ADJUSTMENT,
        4_000,
        at(11, 23),
        is_debit=True,
        reverses=bounced,
    )
    assert year_end_statement(db, gym.guardian, 2026).total_paid_cents == 25_000
    last_year = year_end_statement(db, gym.guardian, 2025)
    assert last_year.total_paid_cents == 9_999
    assert list(last_year.students["student"]) == [FAMILY_ACCOUNT]


def test_year_end_for_a_year_without_money_is_empty(db: Session, books: f.HandLedger) -> None:
    year_end = year_end_statement(db, books.gym.other_guardian, 2024)
    assert year_end.students.empty
    assert year_end.entries.empty
    assert year_end.total_net_cents == 0


@pytest.mark.parametrize(
    ("bad", "message"),
    [(1999, "from 2000 to 2026"), (2027, "from 2000 to 2026"), ("2026", "Choose a year"),
     (2026.0, "Choose a year"), (True, "Choose a year"), (None, "Choose a year")],
)  # fmt: skip
def test_year_end_refuses_a_year_out_of_range(
    db: Session, books: f.HandLedger, bad: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        year_end_statement(db, books.gym.guardian, bad)  # type: ignore[arg-type]


# -- receipts ---------------------------------------------------------------------------------


def test_a_receipt_shows_the_payment_and_what_it_paid(db: Session, books: f.HandLedger) -> None:
    receipt = payment_receipt(db, books.gym.second, books.p1.id)
    assert receipt.receipt_number == f"R-{books.p1.id:08d}"
    assert receipt.amount_cents == 12_000
    assert receipt.paid_on == date(2026, 11, 5)
    assert receipt.reference == "pi_demo_1"
    assert list(receipt.applied["amount_cents"]) == [10_000, 2_000]
    assert list(receipt.applied["student"]) == ["Maya Rivera", ""]
    assert receipt.unapplied_cents == 0
    assert not receipt.reversed
    assert receipt.header.location_name == "Northside"
    p2 = payment_receipt(db, books.gym.guardian, books.p2.id)
    assert (p2.unapplied_cents, list(p2.applied["entry_id"])) == (3_000, [books.refund.id])


def test_a_reversed_payment_says_so(db: Session, books: f.HandLedger) -> None:
    gym = books.gym
    f.posted(
        db,
        gym.family,
        gym.south,
        LedgerKind.ADJUSTMENT,
        8_000,
        at(11, 23),
        is_debit=True,
        reverses=books.south_payment,
    )
    assert payment_receipt(db, gym.guardian, books.south_payment.id).reversed


def test_only_payments_have_receipts(db: Session, books: f.HandLedger) -> None:
    for entry in (books.tuition, books.credit, books.refund, books.fee_waiver):
        with pytest.raises(NotFound, match="That payment was not found"):
            payment_receipt(db, books.gym.guardian, entry.id)


# -- access for every function ------------------------------------------------------------------

Call = Callable[[Session, Actor, int | None, Location], object]
CALLS: dict[str, Call] = {
    "statement": lambda db, a, fam, loc: location_statement(db, a, loc.id, family_id=fam),
    "ledger": lambda db, a, fam, loc: location_ledger(db, a, loc.id, None, None, family_id=fam),
    "combined": lambda db, a, fam, loc: combined_statement(db, a, None, None, family_id=fam),
    "year_end": lambda db, a, fam, loc: year_end_statement(db, a, 2026, family_id=fam),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_document_serves_the_family_and_its_staff_only(
    db: Session, books: f.HandLedger, name: str
) -> None:
    call, gym = CALLS[name], books.gym
    f.portal_settings(db, full_ledger_history=True)
    east = f.location(db, "Eastside")
    east_desk = f.staff(db, "east@example.com", [east])
    for actor, family_id in [
        (gym.guardian, None),
        (gym.second, None),
        (gym.guardian, gym.family.id),
        (gym.desk, gym.family.id),
        (gym.admin, gym.family.id),
    ]:
        result = call(db, actor, family_id, gym.north)
        assert result.family_id == gym.family.id  # type: ignore[attr-defined]
    for actor, family_id in [
        (gym.other_guardian, gym.family.id),
        (gym.guardian, gym.other_family.id),
        (gym.guardian, 999_999),
        (east_desk, gym.family.id),
        (gym.admin, 999_999),
    ]:
        with pytest.raises(NotFound, match="family"):
            call(db, actor, family_id, gym.north)
    for bad in ("1", 1.0, True):
        with pytest.raises(ValidationError, match="family"):
            call(db, gym.guardian, bad, gym.north)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Choose a family"):
        call(db, gym.admin, None, gym.north)


@pytest.mark.parametrize("name", ["statement", "ledger"])
def test_location_documents_refuse_a_location_out_of_reach(
    db: Session, books: f.HandLedger, name: str
) -> None:
    call, gym = CALLS[name], books.gym
    with pytest.raises(NotFound, match="location"):
        call(db, gym.desk, gym.family.id, gym.south)  # desk works at Northside only
    missing = Location(id=999_999, name="Nowhere", code="X", timezone="UTC")
    with pytest.raises(NotFound, match="location"):
        call(db, gym.guardian, None, missing)
    for bad in ("2", 2.0, False, None):
        forged = Location(id=bad, name="Forged", code="Y", timezone="UTC")
        with pytest.raises(ValidationError, match="location"):
            call(db, gym.guardian, None, forged)


def test_a_receipt_serves_the_family_and_its_staff_only(db: Session, books: f.HandLedger) -> None:
    gym = books.gym
    east = f.location(db, "Eastside")
    east_desk = f.staff(db, "east@example.com", [east])
    for actor in (gym.guardian, gym.second, gym.desk, gym.admin):
        assert payment_receipt(db, actor, books.p1.id).family_id == gym.family.id
    for actor, entry_id in [
        (gym.other_guardian, books.p1.id),
        (east_desk, books.p1.id),
        (gym.guardian, 999_999),
    ]:
        with pytest.raises(NotFound, match="That payment was not found"):
            payment_receipt(db, actor, entry_id)
    for bad in ("1", 1.0, True, None):
        with pytest.raises(ValidationError, match="payment"):
            payment_receipt(db, gym.guardian, bad)  # type: ignore[arg-type]
