"""The Staff page (Back office, admins) with bad and good input; the instructor's My classes;
the staff invitation's accept page (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import Location, OutboxMessage, Role, User
from services.kernel.outbox import STAFF_INVITATION_KIND
from tests import factories as f
from tests.pages.conftest import new_app, signed_in_app, texts
from tests.support.links import sent_token

INVITE = "FormSubmitter:staff.invite-Send invitation"
NEW_PASSWORD = "a-fresh-long-password-42"


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    f.location(db, "Southside")
    cls = f.gym_class(db, north, name="Beam Basics")
    fam, _, _ = f.family(db, "Garcia", email="p@example.com")
    f.enroll(db, f.student(db, fam, "Maya"), cls)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    f.staff(db, "desk@example.com", [north])
    coach = f.staff(db, "coach@example.com", [north], role=Role.INSTRUCTOR)
    cls.instructor_user_id = coach.user_id
    db.commit()


def _staff_page(db: Session) -> AppTest:
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_staff.py").run()
    assert not at.exception, at.exception
    return at


def _invite(at: AppTest, email: str, name: str, locations: list[str]) -> AppTest:
    at.text_input(key="staff.invite.email").input(email)
    at.text_input(key="staff.invite.name").input(name)
    at.multiselect(key="staff.invite.locations").set_value(locations)
    at.button(key=INVITE).click().run()
    assert not at.exception, at.exception
    return at


def _ids(db: Session, *names: str) -> list[int]:
    return [db.scalar(select(Location.id).where(Location.name == name)) for name in names]


def test_admin_lists_and_invites_staff(app_db: Session) -> None:
    _gym(app_db)
    at = _staff_page(app_db)
    page = texts(at)
    assert "desk@example.com" in page and "coach@example.com" in page and "Instructor" in page
    at = _invite(at, "new.desk@example.com", "Noor Desk", _ids(app_db, "Southside"))
    assert "Invitation queued for new.desk@example.com." in texts(at)
    app_db.rollback()
    assert (
        app_db.scalar(select(User.role).where(User.email == "new.desk@example.com")) is Role.STAFF
    )


@pytest.mark.parametrize(
    ("email", "name", "where", "message"),
    [
        ("not-an-email", "Noor", ["Northside"], "valid e-mail"),
        ("desk@example.com", "Noor", ["Northside"], "already has"),
        ("noor@example.com", "   ", ["Northside"], "name"),
        ("noor@example.com", "Noor", [], "at least one location"),
    ],
)
def test_bad_invitations_keep_the_input_and_write_nothing(
    app_db: Session, email: str, name: str, where: list[str], message: str
) -> None:
    _gym(app_db)
    users = app_db.scalar(select(func.count()).select_from(User))
    at = _invite(_staff_page(app_db), email, name, _ids(app_db, *where))
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key="staff.invite.email").value == email
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(User)) == users
    assert app_db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_admin_edits_and_deactivates(app_db: Session) -> None:
    _gym(app_db)
    at = _staff_page(app_db)
    desk_id = app_db.scalar(select(User.id).where(User.email == "desk@example.com"))
    at.button(key=f"staff.open.{desk_id}").click().run()
    at.text_input(key=f"staff.edit.{desk_id}.name").input("")
    at.button(key=f"FormSubmitter:staff.edit.{desk_id}-Save changes").click().run()
    assert not at.exception and any("name" in e.value for e in at.error)
    at.selectbox(key=f"staff.edit.{desk_id}.role").set_value("instructor")
    at.text_input(key=f"staff.edit.{desk_id}.name").input("Dana Desk")
    at.button(key=f"FormSubmitter:staff.edit.{desk_id}-Save changes").click().run()
    assert not at.exception and "Changes saved." in texts(at)
    at.button(key="staff.active").click().run()
    assert not at.exception and "Deactivated; their sessions ended." in texts(at)
    app_db.rollback()
    desk = app_db.get(User, desk_id, populate_existing=True)
    assert desk is not None and desk.role is Role.INSTRUCTOR and not desk.is_active


def test_the_staff_page_is_for_admins_only(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "desk@example.com", f.PASSWORD).run()
    assert not at.exception
    with pytest.raises(Exception, match="admin_staff"):
        at.switch_page("../pages/admin_staff.py").run()


def test_instructor_sees_my_classes_only(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "coach@example.com", f.PASSWORD).run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "My classes" in page and "Beam Basics" in page and "Maya Garcia" in page
    with pytest.raises(Exception, match="staff_families"):  # no front-desk pages
        at.switch_page("../pages/staff_families.py").run()


def test_staff_invitation_accept_page(app_db: Session) -> None:
    _gym(app_db)
    at = _invite(_staff_page(app_db), "noor@example.com", "Noor Desk", _ids(app_db, "Northside"))
    token = sent_token(app_db, "noor@example.com", STAFF_INVITATION_KIND, "http://127.0.0.1:8501")
    at = new_app()
    at.query_params["staff_invitation"] = token
    at.run()
    assert not at.exception, at.exception
    assert "Join the staff as Noor Desk" in texts(at)
    at.text_input(key="staff_invitation.password.new").input(NEW_PASSWORD)
    at.text_input(key="staff_invitation.password.confirm").input(NEW_PASSWORD + "x")
    at.button(key="staff_invitation.submit").click().run()
    assert "The passwords do not match." in [e.value for e in at.error]
    at.text_input(key="staff_invitation.password.confirm").input(NEW_PASSWORD)
    at.button(key="staff_invitation.submit").click().run()
    assert not at.exception
    assert "Your password is set. You can now sign in with noor@example.com." in texts(at)
