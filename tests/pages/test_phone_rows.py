"""Issue 18 on the parent pages: phone rows that keep the amounts, dates and states in view,
paged; the check-in code one tap from Home; the other guardians' contacts collapsed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from components.entry_rows import PER_PAGE
from data.models import LedgerKind, Role, SkillStatus, User
from services.kernel.settings import update_settings
from tests import factories as f
from tests.pages.conftest import entry_rows, signed_in_app
from tests.services import contact_helpers as ch


def _ledger_family(db: Session, charges: int = 1) -> None:
    north = f.location(db, "Northside")
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    for n in range(charges):
        f.entry(db, fam, north, LedgerKind.CHARGE, 1_000 + n, description=f"Charge {n}")
    f.entry(db, fam, north, LedgerKind.CHARGE, 8_500, description="<b>Tuition</b> & more")
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def _page(db: Session, page: str):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "p@example.com", f.PASSWORD).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_transactions_rows_keep_amount_and_balance_beside_the_description(
    app_db: Session,
) -> None:
    _ledger_family(app_db)
    at = _page(app_db, "../pages/transactions.py")
    newest = entry_rows(at)[0]
    assert "<b>Tuition</b> & more" in newest  # shown as text, not as markup
    assert newest.endswith("$85.00 Balance $95.00 Type Charge Location Northside")
    assert len(at.table) == 1  # the wide screen's table is still there


def test_transactions_rows_are_paged(app_db: Session) -> None:
    _ledger_family(app_db, charges=PER_PAGE + 4)
    at = _page(app_db, "../pages/transactions.py")
    assert len(entry_rows(at)) == PER_PAGE
    assert at.button(key="ledger.rows.previous").disabled
    at.button(key="ledger.rows.next").click().run()
    assert not at.exception
    assert len(entry_rows(at)) == 5
    assert "Charge 0" in entry_rows(at)[-1]  # the oldest comes last
    assert at.button(key="ledger.rows.next").disabled


def _student_family(db: Session) -> None:
    north = f.location(db, "Northside")
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    maya = f.student(db, fam, "Maya")
    f.student(db, fam, "Leo")
    beam = f.gym_class(db, north, name="Beam Basics")
    f.enroll(db, maya, beam)
    level = db.get(f.Level, beam.level_id)
    handstand = f.skill(db, level, "Handstand", 1)
    f.evaluation(db, maya, handstand, SkillStatus.MASTERED, date(2026, 11, 20), note="Steady")
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def test_home_opens_the_chosen_students_check_in_code_in_one_tap(app_db: Session) -> None:
    _student_family(app_db)
    at = _page(app_db, "../pages/family_home.py")
    maya = app_db.scalar(select(f.Student.id).where(f.Student.first_name == "Maya"))
    leo = app_db.scalar(select(f.Student.id).where(f.Student.first_name == "Leo"))
    assert at.button(key=f"home.checkin.{maya}") and at.button(key=f"home.checkin.{leo}")
    at.button(key=f"home.checkin.{leo}").click().run()
    assert not at.exception
    assert at.session_state["students.tab"] == "QR code"
    assert at.session_state["student_id"] == leo
    image = at.get("image")[0].proto
    assert "check Leo in" in str(image)


def test_home_offers_no_check_in_code_when_qr_codes_are_off(app_db: Session) -> None:
    _student_family(app_db)
    owner = app_db.scalar(select(User).where(User.role == Role.ADMIN))
    update_settings(app_db, f.guardian_actor(app_db, owner), {"qr_codes_enabled": False})
    at = _page(app_db, "../pages/family_home.py")
    assert not [b for b in at.button if b.label == "Show check-in code"]


def test_skill_rows_show_date_instructor_and_state(app_db: Session) -> None:
    _student_family(app_db)
    at = _page(app_db, "../pages/students.py")
    maya = app_db.scalar(select(f.Student.id).where(f.Student.first_name == "Maya"))
    at.session_state["student_id"] = maya
    at.session_state["students.tab"] = "Skills"
    at.run()
    assert not at.exception
    (row,) = [r for r in entry_rows(at) if "Handstand" in r]
    assert row == "Fri 20 Nov 2026 · Coach Dana Handstand Mastered Note Steady"


def test_other_guardians_contacts_are_collapsed_yours_open(app_db: Session) -> None:
    account = ch.account(app_db)
    app_db.commit()
    login = app_db.get(User, account.alex.user_id)
    at = signed_in_app(app_db, login.email, f.PASSWORD).run()
    at.switch_page("../pages/account.py").run()
    assert not at.exception
    contacts = [e for e in at.expander if e.label == "Contact details"]
    assert len(contacts) >= 2  # Alex's own and Jamie's (no login, kept by the primary)
    assert [e.proto.expanded for e in contacts].count(True) == 1
    add_buttons = [b.label for b in at.button if b.label.startswith("Add")]
    assert add_buttons  # every Add button is still there, inside the collapsed lists
