"""Seat counts on the Students page never hide an overbooking as "0 open" (issue 13, item 20)."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from data.models import Role
from services.kernel.settings import update_settings
from tests import factories as f
from tests.pages.conftest import signed_in_app


def test_a_meeting_over_capacity_says_so_where_a_punch_is_chosen(app_db: Session) -> None:
    north = f.location(db=app_db, name="Northside")
    full = f.gym_class(
        app_db, north, name="Beam Later", weekday=4, start=time(17), end=time(18), capacity=1
    )
    f.gym_class(app_db, north, name="Vault", weekday=4, start=time(18), end=time(19))
    others, _, _ = f.family(app_db, "Okafor")
    for name in ("Bea", "Cy"):  # booked before capacity was lowered to 1
        f.enroll(app_db, f.student(app_db, others, name), full)
    fam, _, _ = f.family(app_db, "Garcia", email="p@example.com")
    f.student(app_db, fam, "Maya")
    f.punch_pass(app_db, fam, north)
    admin = f.staff(app_db, "owner@example.com", [north], role=Role.ADMIN)
    update_settings(app_db, admin, {"punch_pass_redemption_enabled": True})
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    at.session_state["students.tab"] = "Passes"
    at.run()
    at.date_input(key="punch.day").set_value(date(2026, 11, 27)).run()  # a Friday
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any("Beam Later" in c and "over capacity by 1 — class full" in c for c in captions)
    assert [o.split(" · ")[-1] for o in at.radio(key="punch.class").options] == ["8 seats left"]
