"""The parent's Billing page through AppTest: summary, Apply Credit, saved methods with their
settings, Make Payment against localstripe, the not-configured mode, and secondary guardians
with and without permission to pay."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import Guardian, LedgerEntry, LedgerKind, PaymentMethod, User
from services.billing.payment_method_setup import finish_card_setup, start_card_setup
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape
from tests.support.localstripe import VISA, LocalStripe

PAGE = "../pages/billing.py"


@pytest.fixture
def stripe_env(localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch) -> LocalStripe:
    for key, value in localstripe.env().items():
        monkeypatch.setenv(key, value)
    return localstripe


@pytest.fixture
def no_stripe(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("CARTWHEEL_STRIPE_SECRET_KEY", "CARTWHEEL_STRIPE_PUBLISHABLE_KEY"):
        monkeypatch.delenv(key, raising=False)


def _family(db: Session, *, credit: int = 0):  # type: ignore[no-untyped-def]
    loc = f.location(db, "Northside")
    fam, guardian, account = f.family(db, "Garcia", email="p@example.com")
    f.entry(db, fam, loc, LedgerKind.CHARGE, 8_500, description="November tuition")
    if credit:
        f.entry(db, fam, loc, LedgerKind.CREDIT, credit, description="Goodwill credit")
    db.commit()
    return fam, guardian, account


def _saved_card(db: Session, account, stripe: LocalStripe) -> int:  # type: ignore[no-untyped-def]
    actor = f.guardian_actor(db, account)
    gateway = stripe.gateway()
    setup = start_card_setup(db, actor, gateway)
    assert stripe.confirm_setup(setup.client_secret, VISA)[0] == 200
    return finish_card_setup(
        db, actor, gateway, setup.setup_intent_id, make_primary=True, recurring_authorized=True
    ).id


def _open(db: Session, email: str = "p@example.com") -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return at.button(key=key)


def test_summary_and_saved_card(app_db: Session, stripe_env: LocalStripe) -> None:
    _fam, _g, account = _family(app_db)
    _saved_card(app_db, account, stripe_env)
    at = _open(app_db)
    page = texts(at)
    assert "Outstanding: $85.00" in page and "Credit: $0.00" in page
    assert "Last payment: None yet" in page
    assert "Visa •••• 4242" in page and "Primary" in page and "Recurring billing" in page
    assert "Expires 12/2030" in page
    keys = {b.key for b in at.button}
    assert {"billing.make_payment", "billing.add"} <= keys
    assert any(k.startswith("billing.delete.") for k in keys)


def test_make_payment_through_the_confirm_dialog(app_db: Session, stripe_env: LocalStripe) -> None:
    _fam, _g, account = _family(app_db)
    _saved_card(app_db, account, stripe_env)
    at = _open(app_db)
    _button(at, "billing.make_payment").click().run()
    assert at.text_input(key="billing.amount").value == "85.00"
    at.text_input(key="billing.amount").set_value("60").run()
    _button(at, "billing.review").click().run()
    assert not at.exception
    dialog = " ".join(str(m.value) for m in at.get("markdown"))
    assert "You will be charged **$60.00**" in dialog
    assert "No fees are added." in texts(at)
    _button(at, "billing.pay_now").click().run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "Payment received: $60.00." in page
    assert "Outstanding: $25.00" in page and "Last payment: $60.00" in page
    app_db.rollback()
    assert (
        app_db.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.kind == LedgerKind.PAYMENT)
        )
        == 1
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "greater than zero"),
        ("abc", ""),
        ("-5", ""),
        ("85.01", "most you can pay now is $85.00"),
        ("1.234", ""),
    ],
)
def test_bad_amounts_show_an_error_and_charge_nothing(
    app_db: Session, stripe_env: LocalStripe, typed: str, message: str
) -> None:
    _fam, _g, account = _family(app_db)
    _saved_card(app_db, account, stripe_env)
    at = _open(app_db)
    _button(at, "billing.make_payment").click().run()
    at.text_input(key="billing.amount").set_value(typed).run()
    _button(at, "billing.review").click().run()
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value
    assert at.text_input(key="billing.amount").value == typed  # the input is kept
    assert "billing.pay_now" not in {b.key for b in at.button}
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(LedgerEntry)) == 1  # only the charge


def test_apply_credit(app_db: Session, no_stripe: None) -> None:
    _family(app_db, credit=2_000)
    at = _open(app_db)
    _button(at, "billing.apply_credit").click().run()
    assert not at.exception
    page = texts(at)
    assert "Applied $20.00 of credit. Outstanding now $65.00, credit left $0.00." in page
    assert "Outstanding: $65.00" in page


def test_edit_primary_and_recurring(app_db: Session, stripe_env: LocalStripe) -> None:
    _fam, _g, account = _family(app_db)
    method_id = _saved_card(app_db, account, stripe_env)
    at = _open(app_db)
    _button(at, f"billing.edit.{method_id}").click().run()
    assert at.selectbox(key=f"billing.type.{method_id}").disabled
    assert at.selectbox(key=f"billing.type.{method_id}").options == ["Credit or debit card"]
    at.toggle(key=f"billing.recurring.{method_id}").set_value(False).run()
    _button(at, f"billing.save.{method_id}").click().run()
    assert not at.exception
    app_db.rollback()
    app_db.expire_all()
    assert app_db.get(PaymentMethod, method_id).recurring_authorized is False  # type: ignore[union-attr]
    assert "Saved Visa •••• 4242." in texts(at)


def test_recurring_requirement_hides_delete_and_the_recurring_toggle(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    _fam, _g, account = _family(app_db)
    method_id = _saved_card(app_db, account, stripe_env)
    f.portal_settings(app_db, require_recurring_authorized_method=True)
    app_db.commit()
    at = _open(app_db)
    assert f"billing.delete.{method_id}" not in {b.key for b in at.button}
    _button(at, f"billing.edit.{method_id}").click().run()
    assert f"billing.recurring.{method_id}" not in {t.key for t in at.toggle}
    assert f"billing.primary.{method_id}" in {t.key for t in at.toggle}


def test_delete_a_method(app_db: Session, stripe_env: LocalStripe) -> None:
    _fam, _g, account = _family(app_db)
    method_id = _saved_card(app_db, account, stripe_env)
    at = _open(app_db)
    _button(at, f"billing.delete.{method_id}").click().run()
    _button(at, f"billing.confirm_delete.{method_id}").click().run()
    assert not at.exception
    assert "Deleted Visa •••• 4242." in texts(at)
    assert "No payment methods on file." in texts(at)


def test_add_method_opens_the_card_form(app_db: Session, stripe_env: LocalStripe) -> None:
    _family(app_db)
    at = _open(app_db)
    _button(at, "billing.add").click().run()
    assert not at.exception
    assert "Add a credit or debit card" in texts(at)
    assert "billing.new_primary" in {t.key for t in at.toggle}
    app_db.rollback()
    guardian = app_db.scalar(select(Guardian))
    assert guardian.gateway_customer_id.startswith("cus_")  # type: ignore[union-attr]


def test_echecks_on_says_bank_accounts_are_not_available(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    _family(app_db)
    f.portal_settings(app_db, echecks_enabled=True)
    app_db.commit()
    at = _open(app_db)
    _button(at, "billing.add").click().run()
    assert "can only save cards for now" in texts(at)


def test_not_configured(app_db: Session, no_stripe: None) -> None:
    _family(app_db)
    at = _open(app_db)
    page = texts(at)
    assert "This account is not configured to accept online payments." in page
    keys = {b.key for b in at.button}
    assert "billing.make_payment" not in keys and "billing.add" not in keys


@pytest.mark.parametrize("allowed", [False, True])
def test_secondary_guardian(app_db: Session, stripe_env: LocalStripe, allowed: bool) -> None:
    fam, _g, account = _family(app_db, credit=1_000)
    _saved_card(app_db, account, stripe_env)
    second = f.second_guardian(app_db, fam, "second@example.com")
    app_db.get(Guardian, second.guardian_id).may_pay = allowed  # type: ignore[union-attr]
    app_db.commit()
    at = _open(app_db, "second@example.com")
    page = texts(at)
    keys = {b.key for b in at.button}
    assert "Also on file: Visa •••• 4242, saved by Alex Garcia." in page  # cannot edit it
    assert not any(k.startswith("billing.edit.") for k in keys)
    assert "billing.add" in keys  # may save their own
    if allowed:
        assert {"billing.make_payment", "billing.apply_credit"} <= keys
    else:
        assert "billing.make_payment" not in keys and "billing.apply_credit" not in keys
        assert "has not allowed you to make payments" in page


RULE = (
    "You can pay with a card you save yourself; cards saved by Alex Garcia can only be used "
    "by Alex Garcia."
)


def test_a_secondary_payer_is_told_whose_cards_they_can_use(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    fam, _g, account = _family(app_db)
    _saved_card(app_db, account, stripe_env)
    second = f.second_guardian(app_db, fam, "second@example.com")
    app_db.get(Guardian, second.guardian_id).may_pay = True  # type: ignore[union-attr]
    app_db.commit()
    at = _open(app_db, "second@example.com")
    _button(at, "billing.make_payment").click().run()
    assert not at.exception
    assert [unescape(i.value) for i in at.info] == [
        f"{RULE} Add your own card below, then make your payment."
    ]
    assert "billing.pay_method" not in {box.key for box in at.selectbox}  # no card to choose
    assert "Primary" not in texts(at)  # nor shown as if it were this guardian's
    # With a card of their own, only that card is offered, and the rule is said beside it.
    second_account = app_db.scalar(select(User).where(User.email == "second@example.com"))
    _saved_card(app_db, second_account, stripe_env)
    at = _open(app_db, "second@example.com")
    _button(at, "billing.make_payment").click().run()
    assert not at.exception
    offered = at.selectbox(key="billing.pay_method").options
    assert len(offered) == 1 and "Visa •••• 4242" in offered[0]  # Sam's card only
    assert RULE in texts(at)


@pytest.mark.parametrize(
    ("month", "year", "expected"),
    [(11, 2026, "It expires soon"), (10, 2026, "It has expired"), (5, 2029, "expires 05/2029")],
)
def test_family_home_shows_the_primary_method_state(
    app_db: Session, no_stripe: None, month: int, year: int, expected: str
) -> None:
    fam, guardian, _account = _family(app_db)
    app_db.add(
        PaymentMethod(
            family_id=fam.id,
            guardian_id=guardian.id,
            gateway_method_id="pm_home_test",
            type="card",
            brand="visa",
            last4="4242",
            exp_month=month,
            exp_year=year,
            is_primary=True,
            recurring_authorized=True,
            created_at=clock.now(),
        )
    )
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    assert not at.exception
    page = texts(at)
    assert "Primary payment method: Visa •••• 4242" in page and expected in page


# Issue 16: the autopay line -----------------------------------------------------------------


def test_autopay_names_the_card_and_the_next_billing_day(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    _fam, _g, account = _family(app_db)
    _saved_card(app_db, account, stripe_env)
    page = texts(_open(app_db))
    assert (
        "Autopay: the balance is charged to Visa •••• 4242 on the next billing day, "
        "Tue 1 Dec 2026." in page
    )


def test_autopay_without_a_recurring_card_says_nothing_is_charged(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    _family(app_db)
    page = texts(_open(app_db))
    assert "Autopay is not set up: nothing is charged automatically." in page
    assert "primary card of Alex Garcia (the primary guardian)" in page


def test_autopay_warns_when_the_card_will_have_expired(
    app_db: Session, stripe_env: LocalStripe
) -> None:
    _fam, _g, account = _family(app_db)
    method = app_db.get_one(PaymentMethod, _saved_card(app_db, account, stripe_env))
    method.exp_month, method.exp_year = 11, 2026
    app_db.commit()
    at = _open(app_db)
    assert any("will have expired by then" in w.value for w in at.warning)


def test_no_autopay_line_without_a_card_processor(app_db: Session, no_stripe: None) -> None:
    _family(app_db)
    assert "Autopay" not in texts(_open(app_db))
