"""The admin's Tuition page (issues 16 and 17): a page of families with their lines, the
totals only when asked (kept per month, "as of", recomputed on request), posting after a
confirmation, the location and search filters, paging, and who may open it
(tests/services/tuition_helpers.py describes the gym)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import LedgerEntry, User
from services.billing import tuition_listing, tuition_totals
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.services.tuition_helpers import build_tuition_gym

PAGE = "../pages/admin_tuition.py"


def _tuition_page(db: Session) -> AppTest:
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _entries(db: Session) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


def test_an_admin_sees_the_lines_asks_for_totals_then_posts(
    app_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_tuition_gym(app_db)
    totalled: list[object] = []
    real = tuition_totals.tuition_totals
    monkeypatch.setattr(
        "components.tuition_totals.tuition_totals",
        lambda *args: totalled.append(args[2]) or real(*args),
    )
    at = _tuition_page(app_db)
    assert at.selectbox(key="tuition.month").value.isoformat() == "2026-11-01"
    shown = texts(at)
    assert [e.label for e in at.expander] == ["Rivera family · $208.75", "Okafor family · $85.00"]
    assert "Tuition for Leo: Tumblers (Tue 4:00 PM), November 2026, 3 of 4 classes" in shown
    assert "Page 1 of 1 · 2 families with places to charge" in shown
    assert not at.metric and not totalled  # opening the page totals nothing
    at.button(key="tuition.totals").click().run()
    shown = texts(at)
    assert "Families: 2" in shown and "Total: $293.75" in shown and "Lines to post: 4" in shown
    assert "As of 9:00 AM." in shown  # 15:00 UTC, in the business's time zone (Chicago)
    assert at.button(key="tuition.totals").label == "Recompute"
    at.number_input(key="tuition.page").set_value(1).run()  # a rerun keeps the summary
    assert "Lines to post: 4" in texts(at) and len(totalled) == 1
    at.button(key="tuition.post").click().run()
    warning = texts(at)
    assert "Post tuition for November 2026 at every location? 2 families have places" in warning
    assert "comes to 4 lines, $293.75." in warning
    assert _entries(app_db) == 0  # asking is not posting
    at.button(key="tuition.confirm_post").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Tuition posted: 4 lines for 2 families, $293.75; 0 lines were already posted." in shown
    assert _entries(app_db) == 4
    # The summary is dropped; the run's own figures show, and nothing is left to post.
    assert "Lines posted: 4" in shown and "Lines to post" not in shown
    assert "Nothing to post for this month." in shown
    assert not [b for b in at.button if b.key == "tuition.post"]
    at.button(key="tuition.totals").click().run()
    assert "Already posted: 4" in texts(at) and "Lines to post: 0" in texts(at)


def test_totals_are_kept_per_month(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.button(key="tuition.totals").click().run()
    at.selectbox(key="tuition.month").select_index(2).run()
    assert not at.exception
    assert not at.metric and at.button(key="tuition.totals").label == "Preview totals"
    at.button(key="tuition.totals").click().run()
    assert "Lines to post: 4" in texts(at)  # December: the same four places
    assert "Total: $315.00" in texts(at)
    at.selectbox(key="tuition.month").select_index(1).run()
    assert "Total: $293.75" in texts(at)


def test_posting_charges_what_stands_not_what_the_totals_said(app_db: Session) -> None:
    gym = build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.button(key="tuition.totals").click().run()
    assert "Lines to post: 4" in texts(at)
    f.enroll(app_db, f.student(app_db, gym.okafor, "Zoe"), gym.flyers)  # after the totals
    app_db.commit()
    at.button(key="tuition.post").click().run()
    assert "comes to 4 lines, $293.75." in texts(at)  # the confirmation quotes the totals
    at.button(key="tuition.confirm_post").click().run()
    assert "Tuition posted: 5 lines for 2 families, $353.75;" in texts(at)
    assert _entries(app_db) == 5


def test_cancel_posts_nothing(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.button(key="tuition.post").click().run()
    at.button(key="tuition.cancel").click().run()
    assert not at.exception
    assert at.button(key="tuition.post").label == "Post tuition"
    assert _entries(app_db) == 0


def test_paging_searching_and_a_location(app_db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    gym = build_tuition_gym(app_db)
    monkeypatch.setattr(tuition_listing, "PAGE_SIZE", 1)
    at = _tuition_page(app_db)
    assert [e.label for e in at.expander] == ["Rivera family · $208.75"]
    at.number_input(key="tuition.page").set_value(2).run()
    assert [e.label for e in at.expander] == ["Okafor family · $85.00"]
    at.number_input(key="tuition.page").set_value(7).run()  # past the last: the last
    assert "Page 2 of 2 · 2 families with places to charge" in texts(at)
    at.number_input(key="tuition.page").set_value(1).run()
    at.text_input(key="tuition.search").input("okaf").run()
    assert [e.label for e in at.expander] == ["Okafor family · $85.00"]
    assert "Page 1 of 1 · 1 family with places to charge (of 2 in all)" in texts(at)
    at.text_input(key="tuition.search").input("nobody").run()
    assert "No family with places to charge matches the location or the search." in texts(at)
    assert at.button(key="tuition.post")  # posting is for the whole month, not the filter
    at.text_input(key="tuition.search").input("").run()
    south = f.location(app_db, "Southside")
    app_db.commit()
    at.session_state["location_id"] = south.id
    at.run()
    assert not at.exception and not at.expander
    at.session_state["location_id"] = gym.north.id
    at.run()
    assert [e.label for e in at.expander] == ["Rivera family · $208.75"]


def test_a_search_the_service_refuses_is_kept_with_its_reason(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.text_input(key="tuition.search").input("Oka\x00for").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The search contains characters that cannot be saved. Please type it again."
    ]
    assert at.text_input(key="tuition.search").value == "Oka\x00for"
    assert _entries(app_db) == 0


def test_staff_instructors_and_guardians_have_no_tuition_page(app_db: Session) -> None:
    gym = build_tuition_gym(app_db)
    parent = app_db.get(User, gym.guardian.user_id)
    assert parent is not None
    for email in ("desk@example.com", "coach@example.com", parent.email):
        at = signed_in_app(app_db, email, f.PASSWORD).run()
        assert not at.exception
        try:
            at.switch_page(PAGE)
        except ValueError:
            continue
        at.run()
        raise AssertionError(f"{email} could open the Tuition page")
