"""The desk's Failed payments page: staff see their locations' families, admins all; each row
opens the family at the desk; guardians and instructors have no such page."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from data.models import LedgerKind, PaymentAttempt, PaymentAttemptStatus, Role
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape

PAGE = "../pages/staff_failed_payments.py"


def _gym(db: Session) -> dict[str, int]:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    ids = {}
    for name, loc in (("Garcia", north), ("Nguyen", south)):
        fam, _, _ = f.family(db, name, email=f"{name.lower()}@example.com")
        f.entry(db, fam, loc, LedgerKind.CHARGE, 8_500, description="November tuition")
        attempt = PaymentAttempt(
            family_id=fam.id,
            location_id=loc.id,
            amount_cents=8_500,
            idempotency_key=f"autopay:{fam.id}:2026-11:1",
            status=PaymentAttemptStatus.FAILED,
            error_code="card_declined",
            error_message="Your card was declined. Nothing was charged.",
            autopay_period="2026-11",
            autopay_try=1,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        db.add(attempt)
        db.flush()
        ids[name] = fam.id
        ids[f"{name}.attempt"] = attempt.id
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    f.staff(db, "coach@example.com", [north], role=Role.INSTRUCTOR)
    db.commit()
    return ids


def _page_text(at) -> str:  # type: ignore[no-untyped-def]
    return texts(at) + "\n" + unescape("\n".join(str(m.value) for m in at.markdown))


def test_the_desk_sees_its_families_and_opens_one(app_db: Session) -> None:
    ids = _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    page = _page_text(at)
    assert "**Garcia family** · $85.00 · card removed" in page
    assert "Your card was declined. Nothing was charged." in page
    assert "Tue 24 Nov 2026, 9:00 AM · try 1 for 2026-11" in page
    assert "Owed now: $85.00" in page
    assert "Nguyen" not in page  # another location's family
    at.button(key=f"failed.open.{ids['Garcia.attempt']}").click().run()
    assert not at.exception
    assert "Families" in [t.value for t in at.title]
    assert "Outstanding balance: $85.00" in texts(at)


def test_the_admin_sees_every_family_and_searches(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    page = _page_text(at)
    assert "Garcia family" in page and "Nguyen family" in page
    assert "Page 1 of 1 · 2 in all" in page
    at.text_input(key="failed.query").input("nguy").run()
    assert not at.exception
    assert "Garcia" not in _page_text(at)
    at.text_input(key="failed.query").input("nobody").run()
    assert "No failed payments match that search." in texts(at)


def test_a_search_that_is_not_text_is_refused_and_kept(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    at.text_input(key="failed.query").set_value("a\x00b").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Search with at most 100 letters, numbers or spaces."]
    assert at.text_input(key="failed.query").value == "a\x00b"


def test_nothing_failed_says_so(app_db: Session) -> None:
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "No failed payments." in texts(at)


@pytest.mark.parametrize("email", ["garcia@example.com", "coach@example.com"])
def test_guardians_and_instructors_have_no_failed_payments_page(
    app_db: Session, email: str
) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE).run()
