"""The Money page (issue 16): administrators see aged receivables, the families owing and
money by month; the front desk, instructors and parents do not have the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from data.models import LedgerKind, Role
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts

PAGE = "../pages/admin_money.py"


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    rivera, _, _ = f.family(db, "Rivera", email="rivera@example.com")
    okafor, _, _ = f.family(db, "Okafor")
    f.posted(db, rivera, north, LedgerKind.CHARGE, 12_000, datetime(2026, 11, 20, 15, tzinfo=UTC))
    f.posted(db, okafor, north, LedgerKind.CHARGE, 4_550, datetime(2026, 8, 1, 15, tzinfo=UTC))
    f.posted(db, okafor, north, LedgerKind.CREDIT, 550, datetime(2026, 11, 2, 15, tzinfo=UTC))
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "coach@example.com", [north], role=Role.INSTRUCTOR)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def _money_page(db: Session):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_an_administrator_sees_receivables_families_and_months(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    shown = texts(at)
    assert "Owed: $165.50" in shown and "Unapplied credit: $5.50" in shown
    assert "Net: $160.00" in shown
    assert "Current (0–30 days): $120.00" in shown and "Over 90 days: $45.50" in shown
    ages = at.dataframe[0].value
    assert list(ages.columns) == ["Location", "Age", "Amount"]
    assert ages[ages["Age"] == "Net"]["Amount"].tolist() == ["$160.00"]
    families = at.dataframe[1].value
    assert families["Family"].tolist() == ["Rivera family", "Okafor family"]
    assert families["Owed"].tolist() == ["$120.00", "$45.50"]
    assert "Charges: $165.50" in shown and "Credits: $5.50" in shown
    assert "Northside. Each entry counts in the month it was posted" in shown  # the only one
    figure = at.get("plotly_chart")[0].proto.spec
    assert '"Charges"' in figure and '"Payments"' in figure
    months = at.dataframe[2].value
    assert len(months) == 12 and months["Month"].tolist()[-1] == "Nov 2026"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download aged receivables (CSV)", "Download money by month (CSV)"]


def test_the_families_list_by_bucket_and_search(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.segmented_control(key="money.owing.bucket").set_value("over_90").run()
    assert not at.exception
    assert at.dataframe[1].value["Family"].tolist() == ["Okafor family"]
    at.text_input(key="money.owing.search").input("nobody").run()
    assert "No family matches that search." in texts(at)


def test_a_longer_period_shows_more_months(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.segmented_control(key="money.months").set_value(36).run()
    assert not at.exception
    assert len(at.dataframe[2].value) == 36


def test_an_empty_business_says_so(app_db: Session) -> None:
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = _money_page(app_db)
    assert "No locations yet." in texts(at)


@pytest.mark.parametrize("email", ["desk@example.com", "coach@example.com", "rivera@example.com"])
def test_others_do_not_have_the_page(app_db: Session, email: str) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


def test_search_text_is_matched_literally(app_db: Session) -> None:
    """% and _ are letters to search for, not wildcards; the page keeps what was typed."""
    _gym(app_db)
    at = _money_page(app_db)
    for typed in ("%", "_", "Rivera' OR 1=1 --"):
        at.text_input(key="money.owing.search").input(typed).run()
        assert not at.exception
        assert "No family matches that search." in texts(at)
        assert at.text_input(key="money.owing.search").value == typed
    at.text_input(key="money.owing.search").input("RIV").run()
    assert at.dataframe[1].value["Family"].tolist() == ["Rivera family"]


def test_a_page_past_the_end_shows_the_last_page(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.number_input(key="money.owing.page").set_value(50).run()
    assert not at.exception
    assert "Page 1 of 1 · 2 families" in texts(at)


def test_the_chosen_location_narrows_every_section(app_db: Session) -> None:
    _gym(app_db)
    south = f.location(app_db, "Southside", "America/Los_Angeles")
    lee, _, _ = f.family(app_db, "Lee")
    f.posted(app_db, lee, south, LedgerKind.CHARGE, 999, datetime(2026, 11, 2, 15, tzinfo=UTC))
    app_db.commit()
    at = _money_page(app_db)
    assert set(at.dataframe[0].value["Location"]) == {"Northside", "Southside", "Total"}
    at.selectbox(key="location_id").set_value(south.id).run()
    assert not at.exception
    assert set(at.dataframe[0].value["Location"]) == {"Southside"}
    assert at.dataframe[1].value["Family"].tolist() == ["Lee family"]
    shown = texts(at)
    assert "Owed: $9.99" in shown and "Charges: $9.99" in shown
    assert "Southside. Each entry counts" in shown
