"""The desk's New family page and the edit forms on a family's account (issue 15): bad input
keeps the form and writes nothing, a possible duplicate asks before creating, the primary
guardian is invited, and the family created this way uses the parent portal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import (
    EmailAddress,
    Family,
    Guardian,
    OutboxMessage,
    PhoneNumber,
    Role,
    Student,
)
from services.accounts.invitations import accept_invitation
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.support.links import sent_token

SUBMIT = "FormSubmitter:new_family-Create family"


def _desk(db: Session) -> None:
    north = f.location(db, "Northside")
    f.staff(db, "desk@example.com", [north])
    db.commit()


def _open(db: Session) -> AppTest:
    at = signed_in_app(db, "desk@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_new_family.py").run()
    assert not at.exception
    return at


def _fill(at: AppTest, *, email: str = "maria@example.com", first: str = "Maria") -> None:
    at.text_input(key="nf.g1.first").input(first)
    at.text_input(key="nf.g1.last").input("Garcia")
    at.text_input(key="nf.g1.email").input(email)
    at.text_input(key="nf.g1.phone").input("(312) 555-0123")
    at.text_input(key="nf.s1.first").input("Sofia")
    at.text_input(key="nf.s1.last").input("Garcia")
    at.date_input(key="nf.s1.birth").set_value(date(2018, 3, 2))


def _families(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Family))


def test_bad_input_keeps_the_form_and_writes_nothing(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    for field, bad, message in [
        ("nf.g1.email", "maria-at-example", "valid e-mail address"),
        ("nf.g1.first", "  ", "Enter the first name"),
        ("nf.g1.phone", "12", "phone number"),
        ("nf.s1.first", "Sofia2", "can only contain letters"),
    ]:
        _fill(at)
        at.text_input(key=field).input(bad)
        at.button(key=SUBMIT).click().run()
        assert not at.exception
        assert any(message in e.value for e in at.error), (field, [e.value for e in at.error])
        assert at.text_input(key=field).value == bad  # the input stays
        assert _families(app_db) == 0
    _fill(at)
    at.date_input(key="nf.s1.birth").set_value(None)
    at.button(key=SUBMIT).click().run()
    assert [e.value for e in at.error] == ["Enter the birth date as a date."]
    assert _families(app_db) == 0


def test_create_then_invite_the_primary_guardian(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    _fill(at)
    at.button(key=SUBMIT).click().run()
    assert not at.exception
    family_id = app_db.scalar(select(Family.id))
    assert "Family created." in texts(at) and "Garcia family" in texts(at)
    assert at.text_input(key="nf.g1.first").value == ""  # a fresh form for the next family
    at.button(key=f"fam.invite.{family_id}").click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.scalar(select(OutboxMessage.to_address)) == "maria@example.com"


def test_a_possible_duplicate_asks_before_creating(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    _fill(at)
    at.button(key=SUBMIT).click().run()
    _fill(at, first="Ana")
    at.button(key=SUBMIT).click().run()
    assert not at.exception
    assert "may already be on file" in texts(at) and "e-mail maria@example.com" in texts(at)
    assert _families(app_db) == 1
    at.button(key="nf.create_anyway").click().run()
    assert not at.exception
    assert _families(app_db) == 2


def test_edit_forms_refuse_bad_input(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    _fill(at)
    at.button(key=SUBMIT).click().run()
    family_id = app_db.scalar(select(Family.id))
    maria = app_db.scalar(select(Guardian.id).where(Guardian.is_primary))
    sofia = app_db.scalar(select(Student.id))
    at.text_input(key=f"fam.g{maria}.first").input("")
    at.button(key=f"FormSubmitter:fam.guardian.{maria}-Save name").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Enter the first name."]
    assert at.text_input(key=f"fam.g{maria}.first").value == ""  # the input stays
    at.date_input(key=f"fam.s{sofia}.birth").set_value(date(2027, 1, 1))
    at.button(key=f"FormSubmitter:fam.student.{sofia}-Save student").click().run()
    assert [e.value for e in at.error] == ["The birth date cannot be in the future."]
    at.text_input(key=f"fam.new_g{family_id}.first").input("Carlos")
    at.text_input(key=f"fam.new_g{family_id}.last").input("Garcia")
    at.text_input(key=f"fam.new_g{family_id}.email").input("maria@example.com")
    at.button(key=f"FormSubmitter:fam.add_guardian.{family_id}-Add guardian").click().run()
    assert [e.value for e in at.error] == [
        "The family already keeps the e-mail address maria@example.com."
    ]
    at.text_input(key=f"fam.c{maria}.email").input("maria@")
    at.button(key=f"FormSubmitter:fam.c{maria}-Add contact").click().run()
    assert not at.exception and any("valid e-mail address" in e.value for e in at.error)
    at.text_input(key=f"fam.new_s{family_id}.first").input("Leo")
    at.button(key=f"FormSubmitter:fam.add_student.{family_id}-Add student").click().run()
    assert [e.value for e in at.error] == ["Enter the last name."]
    app_db.rollback()
    assert app_db.get(Guardian, maria).first_name == "Maria"
    assert app_db.get(Student, sofia).birth_date == date(2018, 3, 2)
    assert app_db.scalar(select(func.count()).select_from(Guardian)) == 1
    assert app_db.scalar(select(func.count()).select_from(Student)) == 1
    assert app_db.scalar(select(func.count()).select_from(EmailAddress)) == 1
    at.text_input(key=f"fam.g{maria}.first").input("María")
    at.button(key=f"FormSubmitter:fam.guardian.{maria}-Save name").click().run()
    assert not at.exception and "Guardian's name saved." in texts(at)


def test_the_family_created_at_the_desk_uses_the_parent_portal(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    _fill(at)
    at.button(key=SUBMIT).click().run()
    family_id = app_db.scalar(select(Family.id))
    at.button(key=f"fam.invite.{family_id}").click().run()
    assert not at.exception
    token = sent_token(app_db, "maria@example.com", "invitation", "http://127.0.0.1:8501")
    accept_invitation(app_db, token, "tumbling-mats-at-dawn", "tumbling-mats-at-dawn")
    parent = signed_in_app(app_db, "maria@example.com", "tumbling-mats-at-dawn").run()
    assert not parent.exception
    assert "Sofia" in texts(parent)
    parent.switch_page("../pages/students.py").run()
    assert not parent.exception
    assert "Sofia Garcia" in texts(parent)


def test_an_admin_with_several_locations_chooses_one_first(app_db: Session) -> None:
    north, south = f.location(app_db, "Northside"), f.location(app_db, "Southside")
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/staff_new_family.py").run()
    assert not at.exception
    assert "Choose the location at the top of the page" in texts(at)
    at.selectbox(key="location_id").set_value(south.id).run()
    _fill(at)
    at.button(key=SUBMIT).click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.scalar(select(Family.home_location_id)) == south.id != north.id


def test_consent_boxes_start_unticked_and_only_a_tick_subscribes(app_db: Session) -> None:
    _desk(app_db)
    at = _open(app_db)
    boxes = ["nf.g1.eok", "nf.g1.sok", "nf.g2.eok", "nf.g2.sok"]
    assert [at.checkbox(key=k).value for k in boxes] == [False] * 4
    _fill(at)
    at.checkbox(key="nf.g1.sok").check()
    at.button(key=SUBMIT).click().run()
    assert not at.exception
    app_db.rollback()
    assert app_db.scalar(select(EmailAddress.blasts_opt_in)) is False  # nobody ticked it
    assert app_db.scalar(select(PhoneNumber.sms_opt_in)) is True  # the parent said yes
    family_id = app_db.scalar(select(Family.id))
    maria = app_db.scalar(select(Guardian.id))
    # The desk's other consent boxes (add a guardian, add a contact) start unticked too.
    for key in (f"fam.new_g{family_id}", f"fam.c{maria}"):
        assert [at.checkbox(key=f"{key}.{b}").value for b in ("eok", "sok")] == [False, False]
