"""The parent's Transactions page: history with filters, both ledger-history settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import LedgerKind, Role, User
from services.kernel.settings import update_settings
from tests import factories as f
from tests.pages.conftest import signed_in_app, table_frame, texts


def _family(db: Session) -> None:
    north = f.location(db, "Northside")
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    charge = f.entry(
        db, fam, north, LedgerKind.CHARGE, 8_500, description="November tuition", student=maya
    )
    payment = f.entry(db, fam, north, LedgerKind.PAYMENT, 5_000, description="Card payment")
    f.allocate(db, payment, charge, 5_000)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def _open(db: Session):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/transactions.py").run()
    assert not at.exception
    return at


def test_history_with_running_balance_and_the_30_day_rule(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db)
    assert "Showing the last 30 days." in texts(at)
    table = table_frame(at, 0)
    assert list(table["Description"]) == ["Card payment", "November tuition"]
    assert list(table["Amount"]) == ["-$50.00", "$85.00"]
    assert list(table["Balance"]) == ["$35.00", "$85.00"]
    assert len(at.date_input) == 0  # no period picker without full history


@pytest.mark.parametrize(
    ("kind", "rows"),
    [("charges", ["November tuition"]), ("payments", ["Card payment"]), ("refunds", [])],
)
def test_filters(app_db: Session, kind: str, rows: list[str]) -> None:
    _family(app_db)
    at = _open(app_db)
    at.session_state["ledger.filter"] = kind
    at.run()
    assert not at.exception
    if rows:
        assert list(table_frame(at, 0)["Description"]) == rows
    else:
        assert "No transactions in this period." in texts(at)


def test_full_history_offers_a_period_and_the_combined_statement(app_db: Session) -> None:
    _family(app_db)
    admin = f.guardian_actor(app_db, app_db.scalar(select(User).where(User.role == Role.ADMIN)))
    update_settings(app_db, admin, {"full_ledger_history": True})
    at = _open(app_db)
    assert "Showing the last 30 days." not in texts(at)
    assert at.date_input(key="ledger.period")
    labels = [b.label for b in at.get("download_button")]
    assert "Combined statement (PDF)" in labels


def test_downloads_are_offered_for_the_location(app_db: Session) -> None:
    _family(app_db)
    at = _open(app_db)
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Receipt (PDF)",
        "Statement (PDF)",
        "Statement (CSV)",
        "Ledger (PDF)",
        "Ledger (CSV)",
        "Year-end statement (PDF)",
    ]
