"""The staff Families page: search, open an account read-only, add a staff note."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Family, LedgerKind, Location, Role, StaffNote
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, table_frame, texts, unescape


def _gym(db: Session) -> int:
    north = f.location(db, "Northside")
    garcia, _, _ = f.family(db, "Garcia", email="maria@example.com")
    f.student(db, garcia, "Sofia")
    f.entry(db, garcia, north, LedgerKind.CHARGE, 8_500, description="November tuition")
    f.staff(db, "desk@example.com", [north])
    db.commit()
    return garcia.id


def test_search_open_and_note(app_db: Session) -> None:
    family_id = _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    assert not at.exception
    at.text_input(key="families.query").input("sofia").run()
    written = unescape("\n".join(str(m.value) for m in at.markdown))
    assert "Garcia family" in written and "Sofia Garcia" in written
    at.button(key=f"families.open.{family_id}").click().run()
    assert not at.exception
    page = texts(at) + unescape("\n".join(str(m.value) for m in at.markdown))
    assert "Outstanding balance: $85.00" in page
    assert "Sofia Garcia, age 8" in page
    at.text_area(key=f"note.body.{family_id}").input("Prefers calls after 5 pm")
    at.button(key=f"FormSubmitter:note.{family_id}-Save note").click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.scalar(select(StaffNote.body)) == "Prefers calls after 5 pm"


def test_a_one_letter_search_explains_itself(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.text_input(key="families.query").input("g").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Type at least 2 characters (at most 100) to search."]


def test_admin_finds_every_family(app_db: Session) -> None:
    family_id = _gym(app_db)
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.text_input(key="families.query").input("garcia").run()
    assert not at.exception
    assert at.button(key=f"families.open.{family_id}")


def test_the_ledger_label_matches_its_rows_and_amounts_come_first(app_db: Session) -> None:
    family_id = _gym(app_db)  # November tuition, posted today
    garcia = app_db.get(Family, family_id)
    north = app_db.scalar(select(Location))
    old = f.entry(app_db, garcia, north, LedgerKind.CHARGE, 4_000, description="Old camp")
    old.posted_at = clock.now() - timedelta(days=45)
    edge = f.entry(app_db, garcia, north, LedgerKind.CHARGE, 1_000, description="Day 30")
    edge.posted_at = clock.now() - timedelta(days=29)
    app_db.commit()
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.text_input(key="families.query").input("garcia").run()
    at.button(key=f"families.open.{family_id}").click().run()
    assert not at.exception
    assert "The last 30 days: Mon 26 Oct 2026 to Tue 24 Nov 2026." in texts(at)
    table = table_frame(at, 0)
    assert list(table["Description"]) == ["November tuition", "Day 30"]
    # The money is never pushed off the right edge: it follows the date and description.
    assert list(table.columns[:4]) == ["Date", "Description", "Amount", "Balance"]
    assert "$85.00" in list(table["Amount"])
    at.toggle(key=f"families.ledger_full.{family_id}").set_value(True).run()
    assert not at.exception
    assert "Every entry up to Tue 24 Nov 2026." in texts(at)
    assert list(table_frame(at, 0)["Description"]) == ["November tuition", "Day 30", "Old camp"]
