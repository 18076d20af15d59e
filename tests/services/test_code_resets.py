"""Resetting a student's check-in code or calendar link (issue 13, item 13), on both
databases: who may, the audit entry, the old one refused at once, the new one working."""

from __future__ import annotations

import re
from datetime import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry
from services.classes.calendar_feed import calendar_ics, student_calendar_url_token
from services.desk.checkin import INVALID_CODE, check_in_by_code
from services.desk.checkin_codes import CodeClaim, read_checkin_code, student_checkin_code
from services.families.code_resets import reset_calendar_link, reset_checkin_code
from services.kernel.errors import AccessDenied, FeatureDisabled, NotFound, ValidationError
from services.kernel.settings import update_settings
from tests import factories as f


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def audit_actions(db: Session) -> list[tuple[str, str, dict]]:
    return [
        (row.action, row.entity_id, row.details)
        for row in db.scalars(select(AuditEntry).where(AuditEntry.entity == "student"))
    ]


@pytest.mark.parametrize("reset", [reset_checkin_code, reset_calendar_link])
def test_the_primary_guardian_and_staff_at_the_location_may_reset(
    db: Session, gym: f.FamilyGym, reset
) -> None:  # type: ignore[no-untyped-def]
    assert reset(db, gym.guardian, gym.maya.id) == 2
    assert reset(db, gym.desk, gym.maya.id) == 3
    assert reset(db, gym.admin, gym.maya.id) == 4
    for actor, student_id in [
        (gym.other_guardian, gym.maya.id),
        (gym.guardian, gym.other_student.id),
        (gym.guardian, 999_999),
        (gym.south_desk, gym.maya.id),
    ]:
        with pytest.raises(NotFound, match="That student was not found"):
            reset(db, actor, student_id)
    with pytest.raises(AccessDenied, match="Only the primary guardian"):
        reset(db, gym.second, gym.maya.id)
    for bad in ("1", None, 2.0, True):
        with pytest.raises(ValidationError, match="student"):
            reset(db, gym.guardian, bad)
    name = "checkin_code" if reset is reset_checkin_code else "calendar_link"
    assert audit_actions(db) == [
        (f"student.{name}_reset", str(gym.maya.id), {"version": n}) for n in (2, 3, 4)
    ]


def test_a_reset_check_in_code_is_refused_at_once_and_the_new_one_works(
    db: Session, gym: f.FamilyGym
) -> None:
    morning = f.gym_class(db, gym.north, start=time(9, 15), end=time(10, 0), name="Minnows")
    f.enroll(db, gym.maya, morning)
    db.commit()
    old = student_checkin_code(db, gym.guardian, gym.maya.id)
    reset_checkin_code(db, gym.guardian, gym.maya.id)
    new = student_checkin_code(db, gym.second, gym.maya.id)
    assert new != old and re.fullmatch(rf"CW2\.{gym.maya.id}\.2\.[A-Z2-7]{{26}}", new)
    assert read_checkin_code(new) == CodeClaim(gym.maya.id, 2)
    with pytest.raises(ValidationError) as refused:
        check_in_by_code(db, gym.desk, gym.north.id, old)
    assert refused.value.message == INVALID_CODE
    assert check_in_by_code(db, gym.desk, gym.north.id, new).status == "checked_in"


def test_a_reset_calendar_link_gives_no_feed_and_the_new_one_does(
    db: Session, gym: f.FamilyGym
) -> None:
    old = student_calendar_url_token(db, gym.guardian, gym.maya.id)
    reset_calendar_link(db, gym.desk, gym.maya.id)
    new = student_calendar_url_token(db, gym.guardian, gym.maya.id)
    assert new != old and new.startswith(f"{gym.maya.id}.2.")
    assert calendar_ics(db, old) is None
    assert (calendar_ics(db, new) or "").startswith("BEGIN:VCALENDAR")
    # The other student's link is untouched.
    other = student_calendar_url_token(db, gym.other_guardian, gym.other_student.id)
    assert calendar_ics(db, other)


def test_parents_cannot_reset_a_qr_code_that_is_switched_off(db: Session, gym: f.FamilyGym) -> None:
    update_settings(db, gym.admin, {"qr_codes_enabled": False})
    with pytest.raises(FeatureDisabled):
        reset_checkin_code(db, gym.guardian, gym.maya.id)
    assert reset_checkin_code(db, gym.desk, gym.maya.id) == 2
