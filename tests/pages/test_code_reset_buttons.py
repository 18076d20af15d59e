"""'Reset this code' / 'Reset this link' on the parent's Students page and the staff Families
page (issue 13, item 13): asked first, then the old code or link is replaced."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import LedgerKind, Student
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def _family(db: Session) -> Student:
    north = f.location(db, "Northside")
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    sofia = f.student(db, fam, "Sofia")
    f.enroll(db, sofia, f.gym_class(db, north))
    f.entry(db, fam, north, LedgerKind.CHARGE, 8_500, description="November tuition")
    f.second_guardian(db, fam, "second@example.com")
    f.staff(db, "desk@example.com", [north])
    db.commit()
    return sofia


def _students_tab(db: Session, email: str, tab: str) -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page("../pages/students.py").run()
    at.session_state["students.tab"] = tab
    at.run()
    assert not at.exception
    return at


def _versions(db: Session, sofia: Student) -> tuple[int, int]:
    db.rollback()
    row = db.execute(
        select(Student.checkin_code_version, Student.calendar_link_version).where(
            Student.id == sofia.id
        )
    ).one()
    return tuple(row)  # type: ignore[return-value]


def _calendar_url(at: AppTest) -> str:
    return str(at.get("code")[0].proto.code_text)


def test_the_primary_guardian_resets_the_qr_code_after_confirming(app_db: Session) -> None:
    sofia = _family(app_db)
    at = _students_tab(app_db, "p@example.com", "QR code")
    key = f"reset.checkin_code.{sofia.id}"
    at.button(key=f"{key}.open").click().run()
    assert not at.exception
    assert "Sofia's current QR code stops working at once" in texts(at)
    assert _versions(app_db, sofia) == (1, 1)  # asking changes nothing
    at.button(key=f"{key}.keep").click().run()
    assert not at.exception and _versions(app_db, sofia) == (1, 1)
    at.button(key=f"{key}.open").click().run()
    at.button(key=f"{key}.yes").click().run()
    assert not at.exception
    assert "Sofia has a new check-in code; the old one no longer works." in texts(at)
    assert _versions(app_db, sofia) == (2, 1)


def test_the_primary_guardian_resets_the_calendar_link(app_db: Session) -> None:
    sofia = _family(app_db)
    at = _students_tab(app_db, "p@example.com", "Enrollments")
    old = _calendar_url(at)
    key = f"reset.calendar_link.{sofia.id}"
    at.button(key=f"{key}.open").click().run()
    at.button(key=f"{key}.yes").click().run()
    assert not at.exception
    assert "Sofia has a new calendar link" in texts(at)
    assert _calendar_url(at) != old and "/calendar/" in _calendar_url(at)
    assert _versions(app_db, sofia) == (1, 2)


def test_a_secondary_guardian_sees_no_reset_buttons(app_db: Session) -> None:
    sofia = _family(app_db)
    for tab in ("QR code", "Enrollments"):
        at = _students_tab(app_db, "second@example.com", tab)
        labels = [b.label for b in at.button]
        assert "Reset this code" not in labels and "Reset this link" not in labels
    assert _versions(app_db, sofia) == (1, 1)


def test_staff_reset_both_from_the_family_account(app_db: Session) -> None:
    sofia = _family(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_families.py").run()
    at.text_input(key="families.query").input("sofia").run()
    at.button(key=f"families.open.{sofia.family_id}").click().run()
    assert not at.exception
    for kind in ("checkin_code", "calendar_link"):
        at.button(key=f"reset.{kind}.{sofia.id}.open").click().run()
        at.button(key=f"reset.{kind}.{sofia.id}.yes").click().run()
        assert not at.exception
    assert "Sofia has a new calendar link; the old one no longer works." in texts(at)
    assert _versions(app_db, sofia) == (2, 2)
