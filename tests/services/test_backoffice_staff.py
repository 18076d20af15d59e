"""Staff accounts managed by admins (issue 15): invite with a role and locations, accept the
e-mailed link, edit, deactivate (sessions end at once), reset a second factor; access."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, OutboxMessage, Role, User
from services.accounts import auth, two_factor
from services.accounts.invitations import accept_invitation
from services.accounts.staff_invitations import (
    STAFF_INVITATION_INVALID,
    accept_staff_invitation,
    staff_invitation_details,
)
from services.backoffice import staff
from services.kernel import clock
from services.kernel.errors import AccessDenied, AuthenticationError, NotFound, ValidationError
from services.kernel.outbox import STAFF_INVITATION_KIND
from tests import factories as f
from tests.support.links import sent_token

BASE = "http://127.0.0.1:8501"
NEW_PASSWORD = "a-fresh-long-password-42"


def _invite(db: Session, gym: f.FamilyGym, role: str = "instructor") -> int:
    return staff.invite_staff(
        db, gym.admin, " Coach@Example.com ", "Casey Coach", role, [gym.north.id], base_url=BASE
    )


def test_invited_staff_member_chooses_a_password_and_signs_in(db: Session) -> None:
    gym = f.family_gym(db)
    f.portal_settings(db, require_two_factor_for_staff=False)
    db.commit()
    user_id = _invite(db, gym)
    member = staff.staff_member(db, gym.admin, user_id)
    assert (member.role, member.location_ids, member.invited) == (
        "instructor",
        (gym.north.id,),
        True,
    )
    token = sent_token(db, "coach@example.com", STAFF_INVITATION_KIND, BASE)
    details = staff_invitation_details(db, token)
    assert details is not None and details.display_name == "Casey Coach"
    with pytest.raises(ValidationError):  # a staff link is not a guardian's invitation
        accept_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    assert accept_staff_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD) == user_id
    with pytest.raises(ValidationError, match="no longer valid"):
        accept_staff_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    result = auth.sign_in(db, "coach@example.com", NEW_PASSWORD)
    actor = auth.actor_for_session(db, result.session_id)
    assert actor.is_instructor and not actor.is_staff and actor.location_ids == {gym.north.id}


def test_invited_staff_enrol_two_factor_when_required(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    _invite(db, gym, "staff")
    token = sent_token(db, "coach@example.com", STAFF_INVITATION_KIND, BASE)
    accept_staff_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
    step = auth.sign_in(db, "coach@example.com", NEW_PASSWORD)
    assert isinstance(step, two_factor.second_factor.SecondStep) and step.enrol
    secret = two_factor.begin_enrolment(db, step.pending).secret
    done = two_factor.confirm_enrolment(db, step.pending, pyotp.TOTP(secret).at(clock.now()))
    assert auth.actor_for_session(db, done.result.session_id).is_staff


@pytest.mark.parametrize(
    ("email", "name", "role", "locations", "message"),
    [
        ("not-an-email", "Casey", "staff", "north", "valid e-mail"),
        ("desk@example.com", "Casey", "staff", "north", "already has"),
        ("coach@example.com", "", "staff", "north", "name"),
        ("coach@example.com", "Casey", "owner", "north", "Choose a role"),
        ("coach@example.com", "Casey", "staff", "none", "at least one location"),
        ("coach@example.com", "Casey", "staff", "missing", "location"),
        ("coach@example.com", "x" * 121, "staff", "north", "name"),
    ],
)
def test_bad_invitations_write_nothing(
    db: Session, email: str, name: str, role: str, locations: str, message: str
) -> None:
    gym = f.family_gym(db)
    db.commit()
    ids = {"north": [gym.north.id], "none": [], "missing": [99_999]}[locations]
    users = db.scalar(select(func.count()).select_from(User))
    with pytest.raises((ValidationError, NotFound), match=message):
        staff.invite_staff(db, gym.admin, email, name, role, ids, base_url=BASE)
    assert db.scalar(select(func.count()).select_from(User)) == users
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_only_admins_manage_staff(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    desk_id = gym.desk.user_id
    for actor in (gym.desk, gym.south_desk, gym.guardian):
        with pytest.raises(AccessDenied):
            staff.list_staff(db, actor)
        with pytest.raises(AccessDenied):
            staff.invite_staff(db, actor, "x@example.com", "X", "staff", [gym.north.id],
                               base_url=BASE)  # fmt: skip
        with pytest.raises(AccessDenied):
            staff.update_staff(db, actor, desk_id, "Desk", "admin", [gym.north.id])
        with pytest.raises(AccessDenied):
            staff.set_staff_active(db, actor, desk_id, False)
        with pytest.raises(AccessDenied):
            staff.reset_second_factor(db, actor, desk_id)
    assert db.get(User, desk_id).role is Role.STAFF


def test_a_guardian_account_is_not_a_staff_member(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    with pytest.raises(NotFound):
        staff.set_staff_active(db, gym.admin, gym.guardian.user_id, False)


def test_edit_role_and_locations(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    staff.update_staff(
        db, gym.admin, gym.desk.user_id, "Dana Desk", "instructor", [gym.north.id, gym.south.id]
    )
    member = staff.staff_member(db, gym.admin, gym.desk.user_id)
    assert member.role == "instructor" and set(member.location_ids) == {gym.north.id, gym.south.id}
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.action == "staff.updated"))
    with pytest.raises(ValidationError, match="own role"):
        staff.update_staff(db, gym.admin, gym.admin.user_id, "Owner", "staff", [gym.north.id])


def test_deactivation_ends_sessions_at_once_and_refuses_sign_in(db: Session) -> None:
    gym = f.family_gym(db)
    f.portal_settings(db, require_two_factor_for_staff=False)
    db.commit()
    session_id = auth.sign_in(db, "desk@example.com", f.PASSWORD).session_id
    staff.set_staff_active(db, gym.admin, gym.desk.user_id, False)
    with pytest.raises(AuthenticationError):
        auth.actor_for_session(db, session_id)
    with pytest.raises(AuthenticationError):
        auth.sign_in(db, "desk@example.com", f.PASSWORD)
    staff.set_staff_active(db, gym.admin, gym.desk.user_id, True)
    with pytest.raises(AuthenticationError):  # reactivating does not revive old sessions
        auth.actor_for_session(db, session_id)
    assert auth.sign_in(db, "desk@example.com", f.PASSWORD).session_id != session_id
    with pytest.raises(ValidationError, match="yourself"):
        staff.set_staff_active(db, gym.admin, gym.admin.user_id, False)


def test_admin_resets_a_second_factor_and_the_staff_member_enrols_again(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    step = auth.sign_in(db, "desk@example.com", f.PASSWORD)
    secret = two_factor.begin_enrolment(db, step.pending).secret
    two_factor.confirm_enrolment(db, step.pending, pyotp.TOTP(secret).at(clock.now()))
    assert staff.staff_member(db, gym.admin, gym.desk.user_id).two_factor
    staff.reset_second_factor(db, gym.admin, gym.desk.user_id)
    assert auth.sign_in(db, "desk@example.com", f.PASSWORD).enrol
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "staff.second_factor_reset"))
    with pytest.raises(ValidationError, match="no two-factor"):
        staff.reset_second_factor(db, gym.admin, gym.desk.user_id)


def test_list_is_searchable_and_paged(db: Session) -> None:
    gym = f.family_gym(db)
    for n in range(staff.PAGE_SIZE + 3):
        f.staff(db, f"coach{n:02d}@example.com", [gym.north])
    db.commit()
    first = staff.list_staff(db, gym.admin)
    assert len(first.members) == staff.PAGE_SIZE and first.pages == 2
    assert first.total == staff.PAGE_SIZE + 6  # the coaches, two desks and the admin
    assert len(staff.list_staff(db, gym.admin, page=1).members) == 6
    found = staff.list_staff(db, gym.admin, query="COACH07")
    assert [m.email for m in found.members] == ["coach07@example.com"]
    assert staff.list_staff(db, gym.admin, query="%").total == 0
    with pytest.raises(ValidationError):
        staff.list_staff(db, gym.admin, query="x" * 101)


def test_a_deactivated_invitee_cannot_use_the_link(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    user_id = _invite(db, gym)
    token = sent_token(db, "coach@example.com", STAFF_INVITATION_KIND, BASE)
    staff.set_staff_active(db, gym.admin, user_id, False)
    with pytest.raises(ValidationError, match=STAFF_INVITATION_INVALID):
        accept_staff_invitation(db, token, NEW_PASSWORD, NEW_PASSWORD)
