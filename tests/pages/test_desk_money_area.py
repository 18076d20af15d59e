"""The Money area of a family's page at the desk (issue 16): payments, charges, credits,
voids and card refunds, for staff and admins; refusals shown with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import (
    CardRefund,
    CardRefundStatus,
    Family,
    LedgerEntry,
    LedgerKind,
    Location,
    Role,
    User,
)
from services.billing import payment_attempts as pay
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.services.payment_helpers import request_key, save_card
from tests.support.desk_money import card_payment
from tests.support.localstripe import LocalStripe


def _gym(db: Session) -> int:
    north = f.location(db, "Northside")
    garcia, _, _ = f.family(db, "Garcia", email="maria@example.com")
    f.student(db, garcia, "Sofia")
    f.entry(db, garcia, north, LedgerKind.CHARGE, 8_500, description="November tuition")
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    return garcia.id


def _opened(db: Session, email: str, family_id: int) -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.text_input(key="families.query").input("garcia").run()
    at.button(key=f"families.open.{family_id}").click().run()
    assert not at.exception
    return at


def _buttons(at: AppTest) -> set[str]:
    return {str(button.key) for button in at.button}


def _entries(db: Session, kind: LedgerKind) -> list[LedgerEntry]:
    db.rollback()
    db.expire_all()
    return list(db.scalars(select(LedgerEntry).where(LedgerEntry.kind == kind)))


def _count(db: Session) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_the_desk_records_a_cash_payment_applied_to_the_charge(app_db: Session) -> None:
    family_id = _gym(app_db)
    at = _opened(app_db, "desk@example.com", family_id)
    key = f"money.{family_id}"
    assert "Recent entries" in texts(at) and "November tuition" in texts(at)
    assert f"{key}.older" not in _buttons(at)  # one entry: nothing older
    at.radio(key=f"{key}.record").set_value("Payment").run()
    at.text_input(key=f"{key}.pay_amount").input("85.00")
    at.text_input(key=f"{key}.pay_why").input("November, paid at the desk")
    at.button(key=f"FormSubmitter:{key}.payment-Record payment").click().run()
    assert not at.exception
    assert "Payment of $85.00 recorded." in [s.value for s in at.success]
    [payment] = _entries(app_db, LedgerKind.PAYMENT)
    assert payment.description == "Cash payment: November, paid at the desk"
    assert "Outstanding balance: $0.00" in texts(at)
    assert at.text_input(key=f"{key}.pay_amount").value == ""  # ready for the next one


def test_bad_input_is_explained_kept_and_nothing_is_written(app_db: Session) -> None:
    family_id = _gym(app_db)
    at = _opened(app_db, "desk@example.com", family_id)
    key = f"money.{family_id}"
    at.radio(key=f"{key}.record").set_value("Payment").run()
    at.text_input(key=f"{key}.pay_amount").input("twelve")
    at.text_input(key=f"{key}.pay_why").input("Paid")
    at.button(key=f"FormSubmitter:{key}.payment-Record payment").click().run()
    assert [e.value for e in at.error] == ["Enter an amount as a number, like 12.50."]
    at.text_input(key=f"{key}.pay_amount").input("12.50")
    at.text_input(key=f"{key}.pay_why").input("   ")
    at.button(key=f"FormSubmitter:{key}.payment-Record payment").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Enter a reason. The family sees it on their Transactions."
    ]
    assert at.text_input(key=f"{key}.pay_amount").value == "12.50"  # kept
    at.radio(key=f"{key}.record").set_value("Credit").run()
    at.text_input(key=f"{key}.credit_amount").input("150")
    at.text_input(key=f"{key}.credit_why").input("Goodwill")
    at.button(key=f"FormSubmitter:{key}.credit-Give credit").click().run()
    assert not at.exception
    assert "need an administrator" in at.error[0].value
    assert _count(app_db) == 1  # only the November charge


def test_void_asks_first_then_reverses_the_charge(app_db: Session) -> None:
    family_id = _gym(app_db)
    [charge] = _entries(app_db, LedgerKind.CHARGE)
    at = _opened(app_db, "desk@example.com", family_id)
    key = f"money.{family_id}"
    at.button(key=f"{key}.void.{charge.id}").click().run()
    assert "this cannot be undone" in texts(at)
    at.button(key=f"{key}.void_back").click().run()
    assert "this cannot be undone" not in texts(at)
    at.button(key=f"{key}.void.{charge.id}").click().run()
    at.button(key=f"{key}.void_confirm").click().run()  # no reason yet
    assert "Enter a reason" in at.error[0].value and _count(app_db) == 1
    at.text_input(key=f"{key}.void_why").input("Billed to the wrong family")
    at.button(key=f"{key}.void_confirm").click().run()
    assert not at.exception
    assert "Entry voided." in [s.value for s in at.success]
    [reversal] = _entries(app_db, LedgerKind.ADJUSTMENT)
    assert reversal.reverses_entry_id == charge.id
    assert "Outstanding balance: $0.00" in texts(at)
    assert f"{key}.void.{charge.id}" not in _buttons(at)  # voided once: no button


def test_refund_without_a_gateway_says_so_and_writes_nothing(app_db: Session) -> None:
    family_id = _gym(app_db)
    garcia = app_db.get_one(Family, family_id)
    north = app_db.scalar(select(Location))
    payment = card_payment(app_db, garcia, north, 8_500)
    app_db.commit()
    at = _opened(app_db, "owner@example.com", family_id)
    key = f"money.{family_id}"
    at.button(key=f"{key}.refund.{payment.id}").click().run()
    assert "Up to $85.00 of this card payment can be refunded." in texts(at)
    at.text_input(key=f"{key}.ref_amount").input("20")
    at.text_input(key=f"{key}.ref_why").input("Missed class")
    at.button(key=f"{key}.ref_confirm").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This account is not configured to accept online payments."
    ]
    assert _entries(app_db, LedgerKind.REFUND) == []


def test_an_admin_refunds_a_card_payment_through_stripe(
    app_db: Session, localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in localstripe.env().items():
        monkeypatch.setenv(name, value)
    family_id = _gym(app_db)
    gateway = localstripe.gateway()
    guardian = f.guardian_actor(
        app_db, app_db.scalar(select(User).where(User.email == "maria@example.com"))
    )
    card = save_card(app_db, guardian, gateway, localstripe)
    attempt = pay.begin_payment(
        app_db, guardian, gateway, amount_cents=8_500, payment_method_id=card.id,
        request_key=request_key(),
    )  # fmt: skip
    assert pay.submit_payment(app_db, guardian, gateway, attempt).status == "succeeded"
    [payment] = _entries(app_db, LedgerKind.PAYMENT)
    at = _opened(app_db, "owner@example.com", family_id)
    key = f"money.{family_id}"
    at.button(key=f"{key}.refund.{payment.id}").click().run()
    at.text_input(key=f"{key}.ref_amount").input("85")
    at.text_input(key=f"{key}.ref_why").input("Moved away")
    at.button(key=f"{key}.ref_confirm").click().run()
    assert not at.exception
    assert "Refunded $85.00 to the card." in [s.value for s in at.success]
    [refund] = _entries(app_db, LedgerKind.REFUND)
    assert refund.description == "Card refund: Moved away"
    assert f"{key}.refund.{payment.id}" not in _buttons(at)  # nothing left to refund


def test_a_refund_waiting_for_stripe_is_shown_with_a_check(app_db: Session) -> None:
    family_id = _gym(app_db)
    garcia = app_db.get_one(Family, family_id)
    north = app_db.scalar(select(Location))
    payment = card_payment(app_db, garcia, north, 8_500)
    now = clock.now()
    app_db.add(
        CardRefund(
            family_id=family_id,
            payment_attempt_id=payment.payment_attempt_id,
            amount_cents=1_000,
            status=CardRefundStatus.PENDING,
            idempotency_key="rf_waiting",
            reason="Moved",
            created_at=now,
            updated_at=now,
        )
    )
    app_db.commit()
    at = _opened(app_db, "desk@example.com", family_id)
    assert "waiting for Stripe's answer. Do not refund again." in texts(at)
    at.button(key=f"money.{family_id}.check.{payment.id}").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This account is not configured to accept online payments."
    ]
    assert _entries(app_db, LedgerKind.REFUND) == []


def test_older_entries_are_one_click_away(app_db: Session) -> None:
    family_id = _gym(app_db)
    garcia = app_db.get_one(Family, family_id)
    north = app_db.scalar(select(Location))
    for n in range(15):
        f.entry(app_db, garcia, north, LedgerKind.CHARGE, 100 + n, description=f"Fee {n}")
    app_db.commit()
    at = _opened(app_db, "desk@example.com", family_id)
    assert "November tuition" not in texts(at)  # the 16th newest
    at.button(key=f"money.{family_id}.older").click().run()
    assert not at.exception
    assert "November tuition" in texts(at)


@pytest.mark.parametrize("role", [Role.GUARDIAN, Role.INSTRUCTOR])
def test_guardians_and_instructors_cannot_open_the_desk_family_page(
    app_db: Session, role: Role
) -> None:
    _gym(app_db)
    if role is Role.INSTRUCTOR:
        f.staff(app_db, "coach@example.com", [], role=Role.INSTRUCTOR)
        app_db.commit()
    email = "maria@example.com" if role is Role.GUARDIAN else "coach@example.com"
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/staff_families.py")
