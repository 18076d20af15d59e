"""Correcting a family's contact details and changing its primary guardian from the staff
Families page (issue 15), per role: the desk of a location that sees the family and admins
can; another location's desk cannot find the family; instructors and guardians have no page."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import (
    Address,
    AuditEntry,
    EmailAddress,
    Guardian,
    OutboxMessage,
    PhoneNumber,
    User,
)
from services.backoffice.primary_guardian import NO_ADDRESS
from services.families.login_email_change import DESK_KEEPS_OFF
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.services import contact_helpers as ch

PAGE = "../pages/staff_families.py"


@pytest.fixture
def family(app_db: Session) -> ch.Account:
    return ch.account(app_db)


def _open(db: Session, email: str, family_id: int) -> AppTest:
    at = signed_in_app(db, email, f.PASSWORD).run()
    at.switch_page(PAGE).run()
    at.text_input(key="families.query").input("rivera").run()
    at.button(key=f"families.open.{family_id}").click().run()
    assert not at.exception, at.exception
    return at


def _click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def _fresh(db: Session) -> Session:
    db.rollback()
    return db


def test_the_desk_corrects_a_guardian_s_e_mail_and_bad_input_writes_nothing(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, "desk@example.com", family.gym.family.id)
    assert "Contact details and primary guardian" in [e.label for e in at.expander]
    email_id = family.sams.email.id
    target = f"email.{email_id}"
    _click(at, f"account.open.{target}")
    before = ch.written(app_db)
    for typed, message in [("sam@", "valid e-mail address"), ("jamie@example.com", "already")]:
        at.text_input(key=f"account.{target}.email").input(typed)
        _click(at, f"account.save.{target}")
        assert len(at.error) == 1 and message in at.error[0].value
        assert at.text_input(key=f"account.{target}.email").value == typed  # the input stays
    assert ch.written(app_db) == before
    at.text_input(key=f"account.{target}.email").input("sam.fixed@example.com")
    _click(at, f"account.save.{target}")
    assert "E-mail address saved." in texts(at)
    assert _fresh(app_db).get(EmailAddress, email_id).email == "sam.fixed@example.com"  # type: ignore[union-attr]
    entry = app_db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.action, entry.actor_user_id) == ("contact.email_changed", family.desk.user_id)


def test_the_desk_adds_a_number_unsubscribed_then_records_the_parent_s_yes(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, "desk@example.com", family.gym.family.id)
    target = f"add_phone.{family.jamie.id}"
    _click(at, f"account.open.{target}")
    at.text_input(key=f"account.{target}.number").input("12")
    _click(at, f"account.save.{target}")
    assert len(at.error) == 1 and "phone number" in at.error[0].value
    at.text_input(key=f"account.{target}.number").input("312-555-0188")
    _click(at, f"account.save.{target}")
    assert "Phone number added." in texts(at)
    phone = _fresh(app_db).scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+13125550188"))
    assert phone is not None and phone.sms_opt_in is False  # consent is not assumed
    _click(at, f"account.open.phone.{phone.id}")
    _click(at, f"account.consent.phone.{phone.id}")
    assert _fresh(app_db).get(PhoneNumber, phone.id).sms_opt_in is True  # type: ignore[union-attr]


def test_the_desk_may_not_change_a_signed_in_guardian_s_sign_in_address(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, "desk@example.com", family.gym.family.id)
    target = f"email.{family.alex_login.id}"
    _click(at, f"account.open.{target}")
    assert "The desk can correct it only until they first sign in" in texts(at)
    before = ch.written(app_db)
    at.text_input(key=f"account.{target}.email").input("alex.new@example.com")
    _click(at, f"account.save.{target}")
    assert [e.value for e in at.error] == [DESK_KEEPS_OFF.format(name="Alex Rivera")]
    assert ch.written(app_db) == before


def test_an_admin_makes_another_guardian_primary_after_a_yes(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, "owner@example.com", family.gym.family.id)
    assert f"desk.primary.{family.alex.id}" not in {str(b.key) for b in at.button}
    _click(at, f"desk.primary.{family.sam.id}")
    assert any("Make Sam Rivera the primary guardian?" in w.value for w in at.warning)
    _click(at, f"desk.primary_no.{family.sam.id}")
    assert _fresh(app_db).get(Guardian, family.alex.id).is_primary  # type: ignore[union-attr]
    _click(at, f"desk.primary.{family.sam.id}")
    _click(at, f"desk.primary_yes.{family.sam.id}")
    assert "Sam Rivera is now the primary guardian." in texts(at)
    db = _fresh(app_db)
    primaries = db.scalars(
        select(Guardian.first_name).where(
            Guardian.family_id == family.gym.family.id, Guardian.is_primary
        )
    ).all()
    assert primaries == ["Sam"]
    sam_mail = db.get(User, family.sam.user_id).email  # type: ignore[union-attr]
    assert sam_mail in db.scalars(select(OutboxMessage.to_address)).all()


def test_another_location_s_desk_cannot_find_the_family(
    app_db: Session, family: ch.Account
) -> None:
    at = signed_in_app(app_db, "south@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    at.text_input(key="families.query").input("rivera").run()
    assert not at.exception
    assert "No family matches." in texts(at)
    assert f"families.open.{family.gym.family.id}" not in {str(b.key) for b in at.button}


def test_instructors_and_guardians_have_no_families_page(
    app_db: Session, family: ch.Account
) -> None:
    for email in ("coach@example.com", "second@example.com"):
        at = signed_in_app(app_db, email, f.PASSWORD).run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(PAGE)
    assert family.instructor.is_instructor


def test_the_desk_corrects_and_deletes_a_mailing_address(
    app_db: Session, family: ch.Account
) -> None:
    at = _open(app_db, "desk@example.com", family.gym.family.id)
    address_id = family.sams.address.id
    target = f"address.{address_id}"
    _click(at, f"account.open.{target}")
    before = ch.written(app_db)
    at.text_input(key=f"account.{target}.city").input(" ")
    _click(at, f"account.save.{target}")
    assert len(at.error) == 1 and "city" in at.error[0].value
    assert ch.written(app_db) == before
    at.text_input(key=f"account.{target}.city").input("Evanston")
    _click(at, f"account.save.{target}")
    assert "Mailing address saved." in texts(at)
    assert _fresh(app_db).get(Address, address_id).city == "Evanston"  # type: ignore[union-attr]
    _click(at, f"account.open.{target}")
    _click(at, f"account.delete.{target}")
    _click(at, f"account.yes.{target}")
    assert "Mailing address deleted." in texts(at)
    assert _fresh(app_db).get(Address, address_id) is None


def test_a_refused_primary_change_says_why_and_writes_nothing(
    app_db: Session, family: ch.Account
) -> None:
    nobody = ch.guardian(app_db, family.gym.family.id, "Nobody")
    app_db.commit()
    at = _open(app_db, "desk@example.com", family.gym.family.id)
    before = ch.written(app_db)
    _click(at, f"desk.primary.{nobody.id}")
    _click(at, f"desk.primary_yes.{nobody.id}")
    assert [e.value for e in at.error] == [NO_ADDRESS.format(name="Nobody Rivera")]
    assert ch.written(app_db) == before
    assert _fresh(app_db).get(Guardian, family.alex.id).is_primary  # type: ignore[union-attr]
