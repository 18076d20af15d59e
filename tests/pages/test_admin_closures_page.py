"""The admin's Closures page (issue 15): adding a closure, bad input, removing, access."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import Closure, MakeupToken, OutboxMessage, Role
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts

ADD = "FormSubmitter:closure.add-Close and notify families"


def _gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def _closures_page(db: Session) -> AppTest:
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_closures.py").run()
    assert not at.exception
    return at


def _fill(at: AppTest, where: int | None, first: date, last: date, reason: str) -> None:
    at.selectbox(key="closure.where").set_value(where)
    at.date_input(key="closure.first").set_value(first)
    at.date_input(key="closure.last").set_value(last)
    at.text_input(key="closure.reason").input(reason)


def test_an_admin_closes_a_location_and_the_families_are_told(app_db: Session) -> None:
    gym = _gym(app_db)
    at = _closures_page(app_db)
    assert "No closures yet." in texts(at)
    _fill(at, gym.north.id, date(2026, 12, 1), date(2026, 12, 1), "Holiday")
    at.button(key=ADD).click().run()
    assert not at.exception
    assert "2 tokens, 0 credits issued; 2 families e-mailed" in texts(at)
    assert list(at.dataframe[0].value["Where"]) == ["Northside"]
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(MakeupToken)) == 2
    assert app_db.scalar(select(func.count()).where(OutboxMessage.kind == "closure")) == 2


def test_bad_input_shows_an_error_keeps_the_input_and_writes_nothing(app_db: Session) -> None:
    gym = _gym(app_db)
    at = _closures_page(app_db)
    _fill(at, gym.north.id, date(2026, 12, 8), date(2026, 12, 1), "Holiday")
    at.button(key=ADD).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The last day cannot be before the first day."]
    assert at.text_input(key="closure.reason").value == "Holiday"
    at.date_input(key="closure.last").set_value(date(2026, 12, 8))
    at.text_input(key="closure.reason").input("   ")
    at.button(key=ADD).click().run()
    assert "Say why" in at.error[0].value
    at.date_input(key="closure.first").set_value(None)
    at.text_input(key="closure.reason").input("Snow")
    at.button(key=ADD).click().run()
    assert "first day" in at.error[0].value
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(Closure)) == 0


def test_a_closure_that_affected_nobody_can_be_removed(app_db: Session) -> None:
    gym = _gym(app_db)
    at = _closures_page(app_db)
    _fill(at, gym.south.id, date(2026, 12, 2), date(2026, 12, 2), "Roof repair")
    at.button(key=ADD).click().run()
    assert "0 class meetings cancelled" in texts(at)
    at.button(key="closure.remove").click().run()
    assert not at.exception
    assert "Closure removed." in texts(at)
    assert "No closures yet." in texts(at)
    at.toggle(key="closure.removed").set_value(True).run()
    assert list(at.dataframe[0].value["Removed"]) == ["yes"]


def test_staff_who_are_not_admins_have_no_closures_page(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    try:
        at.switch_page("../pages/admin_closures.py")
    except ValueError:
        return
    at.run()
    assert "Closures" not in texts(at)


def test_the_settings_form_offers_the_closure_remedy(app_db: Session) -> None:
    f.staff(app_db, "owner@example.com", [f.location(app_db)], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_settings.py").run()
    assert not at.exception
    assert at.selectbox(key="settings.closure_remedy").options == ["token", "credit", "none"]
