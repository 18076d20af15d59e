"""The actor scoping helpers every service function relies on."""

from __future__ import annotations

import pytest

from data.models import Role
from services.kernel.access import (
    Actor,
    can_see_location,
    require_admin,
    require_family,
    require_guardian,
    require_location,
    require_primary_guardian,
    require_staff,
)
from services.kernel.errors import AccessDenied, NotFound
from services.kernel.validation import require_id

PRIMARY = Actor(
    user_id=1, role=Role.GUARDIAN, family_id=10, guardian_id=5, is_primary=True, may_pay=True
)
SECONDARY = Actor(user_id=2, role=Role.GUARDIAN, family_id=10, guardian_id=6)
STAFF = Actor(user_id=3, role=Role.STAFF, location_ids=frozenset({100}))
ADMIN = Actor(user_id=4, role=Role.ADMIN, location_ids=frozenset({100, 200}))


def test_guardians_reach_only_their_own_family_and_others_look_missing() -> None:
    require_family(PRIMARY, 10)
    require_family(SECONDARY, 10)
    with pytest.raises(NotFound) as other:
        require_family(PRIMARY, 11)
    with pytest.raises(NotFound) as missing:
        require_family(PRIMARY, 999_999)
    assert other.value.message == missing.value.message


def test_staff_and_admin_reach_families() -> None:
    require_family(STAFF, 10)
    require_family(ADMIN, 11)


def test_role_gates() -> None:
    assert require_guardian(PRIMARY) == 10
    assert require_primary_guardian(PRIMARY) == 10
    with pytest.raises(AccessDenied):
        require_primary_guardian(SECONDARY)
    for actor in (STAFF, ADMIN):
        with pytest.raises(AccessDenied):
            require_guardian(actor)
    for actor in (PRIMARY, SECONDARY):
        with pytest.raises(AccessDenied):
            require_staff(actor)
    require_staff(STAFF)
    require_admin(ADMIN)
    with pytest.raises(AccessDenied):
        require_admin(STAFF)


def test_staff_see_their_locations_admin_all_guardians_none() -> None:
    assert can_see_location(STAFF, 100) and not can_see_location(STAFF, 200)
    assert can_see_location(ADMIN, 300)
    assert not can_see_location(PRIMARY, 100)
    require_location(STAFF, 100)
    with pytest.raises(NotFound):
        require_location(STAFF, 200)
    with pytest.raises(AccessDenied):
        require_location(PRIMARY, 100)


@pytest.mark.parametrize("value", [True, "1", 1.0, None, [1]])
def test_ids_from_widgets_must_be_real_ints(value: object) -> None:
    with pytest.raises(Exception, match="not valid"):
        require_id(value, "location")
    assert require_id(7, "location") == 7


def test_the_scheduler_is_an_administrator_recorded_with_no_user(db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from data.models import AuditEntry
    from services.kernel import audit
    from services.kernel.access import scheduler_actor

    scheduler = scheduler_actor()
    assert scheduler.is_admin and scheduler.is_scheduler
    assert scheduler.user_row_id is None
    assert not Actor(user_id=5, role=Role.ADMIN).is_scheduler
    audit.record(db, scheduler, "job.ran", entity="job", entity_id="outbox")
    db.flush()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "job.ran")).one()
    assert entry.actor_user_id is None
