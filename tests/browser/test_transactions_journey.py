"""Transactions in real Chromium: download the location statement (PDF) and ledger (CSV)."""

from __future__ import annotations

import csv

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.demo import DEMO_PASSWORD
from data.models import Family, User
from services.accounts.auth import build_actor
from services.billing.ledger import family_balance
from services.families.home import family_locations
from services.kernel.money import format_cents
from tests.browser.conftest import RunningApp, sign_in, wait_idle


def _expected(database_url: str) -> tuple[str, str, int]:
    """The demo family's name, its first location (the picker's default) and what it owes
    there, computed by the services the page uses."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        account = db.scalar(select(User).where(User.email == "primary@example.com"))
        actor = build_actor(db, account)
        family = db.get(Family, actor.family_id)
        first = family_locations(db, actor)[0]
        owed = family_balance(db, actor, family.id, location_id=first.id).outstanding_cents
        name = family.name
    engine.dispose()
    return name, first.name, owed


def test_statement_pdf_and_ledger_csv_downloads(demo_app: RunningApp, page) -> None:  # type: ignore[no-untyped-def]
    family_name, location_name, owed = _expected(demo_app.database_url)
    sign_in(page, demo_app.url, "primary@example.com", DEMO_PASSWORD)
    page.get_by_role("link", name="Transactions").click()
    page.get_by_role("heading", name="Transactions").wait_for()
    wait_idle(page)
    page.get_by_text("Showing the last 30 days.").wait_for()

    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Statement (PDF)", exact=True).click()
    text = "".join(p.extract_text() for p in PdfReader(pdf_download.value.path()).pages)
    assert family_name.split()[0] in text
    assert location_name in text
    assert format_cents(owed).lstrip("$") in text

    wait_idle(page)
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Ledger (CSV)", exact=True).click()
    with open(csv_download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][0] == "Date"
    assert any("Opening balance" in cell for row in rows for cell in row)
