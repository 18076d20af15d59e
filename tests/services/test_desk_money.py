"""Money at the desk (issue 16): cash and check payments, manual charges, credits and voids,
with role limits; balances checked against the ledger's own consistency check."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, LedgerAllocation, LedgerEntry, LedgerKind, Role
from services.billing.desk_entries import record_credit, record_desk_payment, record_manual_charge
from services.billing.desk_money_view import desk_money
from services.billing.ledger import Balance, check_family_ledger
from services.billing.transactions_history import family_ledger
from services.billing.voids import ALREADY_VOIDED, void_entry
from services.kernel.errors import BUSY, AccessDenied, NotFound, ValidationError
from services.kernel.money import MAX_AMOUNT_CENTS
from tests import factories as f
from tests.services.payment_helpers import request_key as key
from tests.support.desk_money import card_payment


def _gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def _balance(db: Session, gym: f.FamilyGym) -> tuple[int, int]:
    db.expire_all()
    balance: Balance = check_family_ledger(db, gym.admin, gym.family.id)
    return balance.outstanding_cents, balance.credit_cents


def _charge(db: Session, gym: f.FamilyGym, cents: int) -> int:
    return record_manual_charge(db, gym.desk, gym.family.id, gym.north.id, cents, "Leotard", key())


def _cash(db: Session, gym: f.FamilyGym, cents: int) -> int:
    return record_desk_payment(
        db,
        gym.desk,
        gym.family.id,
        gym.north.id,
        method="cash",
        amount_cents=cents,
        reason="Paid",
        request_key=key(),
    )


def _entries(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def _allocations(db: Session, source: int) -> list[tuple[int, int]]:
    rows = db.execute(
        select(LedgerAllocation.to_entry_id, LedgerAllocation.amount_cents)
        .where(LedgerAllocation.from_entry_id == source)
        .order_by(LedgerAllocation.to_entry_id)
    )
    return [(int(a), int(b)) for a, b in rows]


def test_cash_payment_pays_the_oldest_charges_first(db: Session) -> None:
    gym = _gym(db)
    older, newer = _charge(db, gym, 3000), _charge(db, gym, 2000)
    payment = _cash(db, gym, 4000)
    assert _allocations(db, payment) == [(older, 3000), (newer, 1000)]
    assert _balance(db, gym) == (1000, 0)
    entry = db.get_one(LedgerEntry, payment)
    assert (entry.kind, entry.description) == (LedgerKind.PAYMENT, "Cash payment: Paid")
    assert entry.created_by_user_id == gym.desk.user_id
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "desk.payment_recorded"))
    assert audit is not None and audit.details["applied_cents"] == 4000


def test_check_payment_with_a_number_beyond_what_is_owed_leaves_credit(db: Session) -> None:
    gym = _gym(db)
    _charge(db, gym, 2500)
    payment = record_desk_payment(
        db,
        gym.admin,
        gym.family.id,
        gym.north.id,
        method="check",
        amount_cents=4000,
        reason="November and December",
        check_number="1042",
        request_key=key(),
    )
    entry = db.get_one(LedgerEntry, payment)
    assert entry.description == "Check payment no. 1042: November and December"
    assert _balance(db, gym) == (0, 1500)


def test_a_credit_is_applied_like_a_payment_and_a_charge_waits(db: Session) -> None:
    gym = _gym(db)
    first = _charge(db, gym, 1000)
    credit = record_credit(db, gym.desk, gym.family.id, gym.north.id, 600, "Closed for snow", key())
    assert _allocations(db, credit) == [(first, 600)]
    assert db.get_one(LedgerEntry, credit).description == "Credit: Closed for snow"
    _charge(db, gym, 500)
    assert _balance(db, gym) == (900, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount_cents": 0}, "above zero"),
        ({"amount_cents": -100}, "above zero"),
        ({"amount_cents": "12.50"}, "not valid"),
        ({"amount_cents": True}, "not valid"),
        ({"amount_cents": MAX_AMOUNT_CENTS + 1}, "too large"),
        ({"reason": ""}, "Enter a reason"),
        ({"reason": "   \n "}, "Enter a reason"),
        ({"reason": "x" * 201}, "too long"),
        ({"reason": "bad\x00"}, "cannot be saved"),
        ({"method": "card"}, "cash or check"),
        ({"check_number": "12/34"}, "check number"),
        ({"method": "cash", "check_number": "1042"}, "only a check payment"),
    ],
)
def test_bad_payment_input_is_refused_and_nothing_is_written(
    db: Session, changes: dict[str, object], message: str
) -> None:
    gym = _gym(db)
    values: dict[str, object] = {
        "method": "check",
        "amount_cents": 1000,
        "reason": "Paid",
        "check_number": "",
        "request_key": key(),
        **changes,
    }
    with pytest.raises(ValidationError, match=message):
        record_desk_payment(db, gym.desk, gym.family.id, gym.north.id, **values)  # type: ignore[arg-type]
    db.rollback()
    assert _entries(db) == 0


@pytest.mark.parametrize("record", ["charge", "credit"])
def test_bad_charge_and_credit_input_is_refused(db: Session, record: str) -> None:
    gym = _gym(db)
    call = record_manual_charge if record == "charge" else record_credit
    for cents, reason, message in ((0, "Fee", "above zero"), (100, " ", "Enter a reason")):
        with pytest.raises(ValidationError, match=message):
            call(db, gym.desk, gym.family.id, gym.north.id, cents, reason, key())
        db.rollback()
    assert _entries(db) == 0


def test_who_may_record_money(db: Session) -> None:
    gym = _gym(db)
    teacher = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    db.commit()
    for actor in (gym.guardian, teacher):
        with pytest.raises(AccessDenied):
            _charge_as(db, actor, gym, gym.north.id)
    # Staff of another location: that location, and a family not seen there, are not found.
    with pytest.raises(NotFound):
        _charge_as(db, gym.south_desk, gym, gym.north.id)
    with pytest.raises(NotFound, match="family"):
        _charge_as(db, gym.south_desk, gym, gym.south.id)
    with pytest.raises(NotFound, match="location"):
        _charge_as(db, gym.desk, gym, gym.south.id)
    assert _entries(db) == 0
    with pytest.raises(NotFound, match="location"):
        _charge_as(db, gym.admin, gym, gym.south.id + 100)
    _charge_as(db, gym.admin, gym, gym.south.id)  # admins record anywhere
    assert _entries(db) == 1


def _charge_as(db: Session, actor, gym: f.FamilyGym, location_id: int) -> int:  # type: ignore[no-untyped-def]
    try:
        return record_manual_charge(db, actor, gym.family.id, location_id, 500, "Fee", key())
    finally:
        db.rollback()


def test_credits_above_the_limit_need_an_admin(db: Session) -> None:
    gym = _gym(db)
    with pytest.raises(AccessDenied, match=r"above \$100.00 need an administrator"):
        record_credit(db, gym.desk, gym.family.id, gym.north.id, 10_001, "Goodwill", key())
    db.rollback()
    record_credit(db, gym.desk, gym.family.id, gym.north.id, 10_000, "Goodwill", key())
    record_credit(db, gym.admin, gym.family.id, gym.north.id, 50_000, "Goodwill", key())
    f.portal_settings(db, desk_credit_limit_cents=60_000)
    db.commit()
    record_credit(db, gym.desk, gym.family.id, gym.north.id, 50_000, "Goodwill", key())
    assert _balance(db, gym) == (0, 110_000)


# Voids ---------------------------------------------------------------------------------------


def test_voiding_an_unpaid_charge_clears_it(db: Session) -> None:
    gym = _gym(db)
    charge = _charge(db, gym, 5000)
    reversal_id = void_entry(db, gym.desk, charge, "Entered twice")
    reversal = db.get_one(LedgerEntry, reversal_id)
    assert (reversal.kind, reversal.is_debit, reversal.reverses_entry_id) == (
        LedgerKind.ADJUSTMENT,
        False,
        charge,
    )
    assert reversal.description == 'Void of charge "Leotard": Entered twice'
    assert _balance(db, gym) == (0, 0)
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "desk.entry_voided"))


def test_voiding_a_payment_makes_what_it_paid_owed_again(db: Session) -> None:
    gym = _gym(db)
    _charge(db, gym, 3000)
    payment = _cash(db, gym, 5000)  # 3000 applied, 2000 credit
    assert _balance(db, gym) == (0, 2000)
    void_entry(db, gym.desk, payment, "Wrong family")
    assert _balance(db, gym) == (3000, 0)


def test_voiding_a_paid_charge_moves_its_payment_to_the_next_charge(db: Session) -> None:
    gym = _gym(db)
    first, _second = _charge(db, gym, 3000), _charge(db, gym, 2000)
    _cash(db, gym, 3000)  # pays the first charge
    assert _balance(db, gym) == (2000, 0)
    reversal = void_entry(db, gym.desk, first, "Not enrolled")
    assert _balance(db, gym) == (0, 1000)
    assert [amount for _, amount in _allocations(db, reversal)] == [2000]


def test_an_entry_is_voided_once_and_a_void_is_not_voided(db: Session) -> None:
    gym = _gym(db)
    charge = _charge(db, gym, 1500)
    reversal = void_entry(db, gym.desk, charge, "Mistake")
    with pytest.raises(ValidationError, match=ALREADY_VOIDED):
        void_entry(db, gym.admin, charge, "Mistake again")
    db.rollback()
    with pytest.raises(ValidationError, match="itself a void"):
        void_entry(db, gym.admin, reversal, "Undo")
    db.rollback()
    assert _entries(db) == 2 and _balance(db, gym) == (0, 0)


def test_two_clerks_voiding_at_once_void_once(db: Session, engine) -> None:  # type: ignore[no-untyped-def]
    gym = _gym(db)
    charge = _charge(db, gym, 1500)
    barrier, outcomes = threading.Barrier(2), []

    def clerk() -> None:
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait(timeout=30)
            try:
                void_entry(own, gym.desk, charge, "Mistake")
                outcomes.append("voided")
            except ValidationError as exc:
                outcomes.append(exc.message)

    threads = [threading.Thread(target=clerk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # The loser is told the entry was voided (or, on SQLite, to try again: then it would be).
    assert len(outcomes) == 2 and set(outcomes) in ({"voided", ALREADY_VOIDED}, {"voided", BUSY})
    assert _entries(db) == 2 and _balance(db, gym) == (0, 0)


def test_card_payments_and_refunds_are_not_voided(db: Session) -> None:
    gym = _gym(db)
    payment = card_payment(db, gym.family, gym.north, 2000)
    refund = f.entry(db, gym.family, gym.north, LedgerKind.REFUND, 500)
    db.commit()
    with pytest.raises(ValidationError, match="refund it to the card"):
        void_entry(db, gym.admin, payment.id, "Mistake")
    db.rollback()
    with pytest.raises(ValidationError, match="cannot be voided"):
        void_entry(db, gym.admin, refund.id, "Mistake")
    db.rollback()
    assert _entries(db) == 2


def test_voids_above_the_limit_need_an_admin(db: Session) -> None:
    gym = _gym(db)
    charge = record_manual_charge(db, gym.admin, gym.family.id, gym.north.id, 20_000, "Camp", key())
    with pytest.raises(AccessDenied, match="need an administrator"):
        void_entry(db, gym.desk, charge, "Wrong camp")
    db.rollback()
    void_entry(db, gym.admin, charge, "Wrong camp")
    assert _balance(db, gym) == (0, 0)


def test_who_may_void(db: Session) -> None:
    gym = _gym(db)
    charge = _charge(db, gym, 1000)
    teacher = f.staff(db, "coach@example.com", [gym.north], Role.INSTRUCTOR)
    db.commit()
    for actor, error in (
        (gym.guardian, AccessDenied),
        (teacher, AccessDenied),
        (gym.south_desk, NotFound),
        (gym.other_guardian, AccessDenied),
    ):
        with pytest.raises(error):
            void_entry(db, actor, charge, "Mistake")
        db.rollback()
    with pytest.raises(ValidationError, match="Enter a reason"):
        void_entry(db, gym.desk, charge, "  ")
    db.rollback()
    assert _entries(db) == 1


def test_the_money_area_lists_entries_with_what_may_be_done(db: Session) -> None:
    gym = _gym(db)
    charge = _charge(db, gym, 1000)
    void_entry(db, gym.desk, charge, "Mistake")
    card = card_payment(db, gym.family, gym.north, 2000)
    south = f.entry(db, gym.family, gym.south, LedgerKind.CHARGE, 700)
    db.commit()
    view = desk_money(db, gym.desk, gym.family.id)
    by_id = {e.entry_id: e for e in view.entries}
    assert by_id[charge].void_refusal == ALREADY_VOIDED
    assert by_id[card.id].refundable_cents == 2000 and by_id[card.id].amount_cents == -2000
    assert by_id[south.id].void_refusal.startswith("This entry is at a location")
    assert [p.name for p in view.places] == ["Northside"]
    assert {p.name for p in desk_money(db, gym.admin, gym.family.id).places} == {
        "Northside",
        "Southside",
    }
    with pytest.raises(AccessDenied):
        desk_money(db, gym.guardian, gym.family.id)


def test_the_family_reads_each_desk_entry_with_its_reason_on_transactions(db: Session) -> None:
    gym = _gym(db)
    charge = _charge(db, gym, 2000)
    record_desk_payment(
        db,
        gym.desk,
        gym.family.id,
        gym.north.id,
        method="check",
        amount_cents=1500,
        reason="Thanks!",
        check_number="77",
        request_key=key(),
    )
    record_credit(db, gym.desk, gym.family.id, gym.north.id, 500, "Sibling discount", key())
    void_entry(db, gym.desk, charge, "Charged twice")
    ledger = family_ledger(db, gym.guardian)
    assert ledger["description"].tolist() == [
        "Leotard",
        "Check payment no. 77: Thanks!",
        "Credit: Sibling discount",
        'Void of charge "Leotard": Charged twice',
    ]
    assert ledger["amount_cents"].tolist() == [2000, -1500, -500, -2000]


def test_the_same_form_submission_records_once(db: Session) -> None:
    gym = _gym(db)
    same = key()
    first = record_credit(db, gym.desk, gym.family.id, gym.north.id, 500, "Snow day", same)
    again = record_credit(db, gym.desk, gym.family.id, gym.north.id, 500, "Snow day", same)
    assert first == again and _entries(db) == 1
    # Another clerk's submission with the same key is their own.
    other = record_credit(db, gym.admin, gym.family.id, gym.north.id, 500, "Snow day", same)
    assert other != first and _entries(db) == 2
    with pytest.raises(ValidationError, match="expired"):
        record_credit(db, gym.desk, gym.family.id, gym.north.id, 500, "Snow day", "short")


def test_the_money_area_pages_through_older_entries(db: Session) -> None:
    gym = _gym(db)
    for cents in range(100, 2100, 100):  # 20 charges, the newest last
        f.entry(db, gym.family, gym.north, LedgerKind.CHARGE, cents)
    db.commit()
    newest = desk_money(db, gym.desk, gym.family.id)
    assert [e.amount_cents for e in newest.entries][:2] == [2000, 1900]
    assert len(newest.entries) == 15
    assert len(desk_money(db, gym.desk, gym.family.id, count=30).entries) == 20
    for bad in (0, 301, "15", True):
        with pytest.raises(ValidationError):
            desk_money(db, gym.desk, gym.family.id, count=bad)  # type: ignore[arg-type]
