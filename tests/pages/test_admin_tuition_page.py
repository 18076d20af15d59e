"""The admin's Tuition page (issue 16): the preview, posting after a confirmation, paging,
and who may open it (tests/services/tuition_helpers.py describes the gym)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import LedgerEntry, User
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


def test_an_admin_previews_then_posts_after_confirming(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    assert at.selectbox(key="tuition.month").value.isoformat() == "2026-11-01"
    shown = texts(at)
    assert "Families: 2" in shown and "Total: $293.75" in shown and "Lines to post: 4" in shown
    assert [e.label for e in at.expander] == ["Rivera family · $208.75", "Okafor family · $85.00"]
    assert "Tuition for Leo: Tumblers (Tue 4:00 PM), November 2026, 3 of 4 classes" in shown
    at.button(key="tuition.post").click().run()
    assert "Post 4 tuition lines for 2 families for November 2026?" in texts(at)
    assert _entries(app_db) == 0  # asking is not posting
    at.button(key="tuition.confirm_post").click().run()
    assert not at.exception
    assert "Tuition posted: 4 lines for 2 families, $293.75; 0 lines were already posted." in texts(
        at
    )
    assert _entries(app_db) == 4
    assert "Already posted: 4" in texts(at) and "Nothing to post for this month." in texts(at)


def test_cancel_posts_nothing_and_another_month_can_be_chosen(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.button(key="tuition.post").click().run()
    at.button(key="tuition.cancel").click().run()
    assert not at.exception
    assert at.button(key="tuition.post").label == "Post tuition"
    assert _entries(app_db) == 0
    at.selectbox(key="tuition.month").select_index(2).run()
    assert not at.exception
    assert "Lines to post: 4" in texts(at)  # December: the same four places, 3 Tuesdays each


def test_a_page_past_the_last_says_so(app_db: Session) -> None:
    build_tuition_gym(app_db)
    at = _tuition_page(app_db)
    at.number_input(key="tuition.page").set_value(3).run()
    assert not at.exception
    assert "No families on this page; the last page is 1." in texts(at)


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
