"""The failed automatic payments list: who sees which families, what each row says, search,
paging and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data.models import Family, LedgerKind, Location, PaymentAttempt, PaymentAttemptStatus, Role
from services.billing import failed_payments
from services.billing.failed_payments import failed_autopay_payments
from services.kernel import clock
from services.kernel.errors import AccessDenied, ValidationError
from tests import factories as f


def _failed(
    db: Session,
    fam: Family,
    loc: Location,
    *,
    status: PaymentAttemptStatus = PaymentAttemptStatus.FAILED,
    autopay: bool = True,
    minutes_ago: int = 0,
) -> PaymentAttempt:
    at = clock.now() - timedelta(minutes=minutes_ago)
    attempt = PaymentAttempt(
        family_id=fam.id,
        location_id=loc.id,
        amount_cents=8_500,
        idempotency_key=f"test:{fam.id}:{status.value}:{autopay}:{minutes_ago}",
        status=status,
        error_code="card_declined",
        error_message="Your card was declined.",
        autopay_period="2026-11" if autopay else None,
        autopay_try=2 if autopay else None,
        created_at=at,
        updated_at=at,
    )
    db.add(attempt)
    db.flush()
    return attempt


@pytest.fixture
def gym(db: Session) -> dict[str, object]:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    made: dict[str, object] = {"north": north, "south": south}
    for name, loc, minutes in (("Garcia", north, 5), ("Nguyen", south, 1)):
        fam, _, _ = f.family(db, name)
        f.entry(db, fam, loc, LedgerKind.CHARGE, 8_500)
        _failed(db, fam, loc, minutes_ago=minutes)
        made[name] = fam
    garcia = made["Garcia"]
    assert isinstance(garcia, Family)
    _failed(db, garcia, north, autopay=False)  # a guardian's own declined payment: not listed
    _failed(db, garcia, north, status=PaymentAttemptStatus.SUCCEEDED, minutes_ago=9)
    made["desk"] = f.staff(db, "desk@example.com", [north])
    made["admin"] = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    return made


def _names(page: failed_payments.FailedPaymentsPage) -> list[str]:
    return [row.family_name for row in page.rows]


def test_admins_see_every_failed_automatic_payment_newest_first(
    db: Session, gym: dict[str, object]
) -> None:
    page = failed_autopay_payments(db, gym["admin"])  # type: ignore[arg-type]
    assert _names(page) == ["Nguyen family", "Garcia family"]
    row = page.rows[1]
    assert (row.amount_cents, row.try_number, row.period) == (8_500, 2, "2026-11")
    assert row.reason == "Your card was declined." and row.card == "card removed"
    assert row.still_owed_cents == 8_500
    assert (page.total, page.page, page.page_count) == (2, 1, 1)


def test_staff_see_only_the_families_of_their_locations(
    db: Session, gym: dict[str, object]
) -> None:
    assert _names(failed_autopay_payments(db, gym["desk"])) == ["Garcia family"]  # type: ignore[arg-type]


def test_guardians_and_instructors_are_refused(db: Session, gym: dict[str, object]) -> None:
    _, _, account = f.family(db, "Parent")
    teacher = f.staff(db, "coach@example.com", [gym["north"]], role=Role.INSTRUCTOR)  # type: ignore[list-item]
    db.commit()
    for actor in (f.guardian_actor(db, account), teacher):
        with pytest.raises(AccessDenied):
            failed_autopay_payments(db, actor)


def test_search_and_paging(
    db: Session, gym: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = gym["admin"]
    assert _names(failed_autopay_payments(db, admin, query="nguy")) == ["Nguyen family"]  # type: ignore[arg-type]
    assert _names(failed_autopay_payments(db, admin, query="100%_")) == []  # type: ignore[arg-type]
    monkeypatch.setattr(failed_payments, "PAGE_SIZE", 1)
    second = failed_autopay_payments(db, admin, page=2)  # type: ignore[arg-type]
    assert _names(second) == ["Garcia family"] and second.page_count == 2
    past_the_end = failed_autopay_payments(db, admin, page=9)  # type: ignore[arg-type]
    assert past_the_end.page == 2 and _names(past_the_end) == ["Garcia family"]


@pytest.mark.parametrize(
    ("query", "page"), [("x" * 101, 1), ("a\x00b", 1), (5, 1), ("", 0), ("", True), ("", "2")]
)
def test_bad_input_is_refused_in_words(
    db: Session, gym: dict[str, object], query: object, page: object
) -> None:
    with pytest.raises(ValidationError):
        failed_autopay_payments(db, gym["admin"], query=query, page=page)  # type: ignore[arg-type]
