"""Back office: locations (issue 15). Admins manage, staff read their own, guardians refused;
an archived location leaves parents' choices but stays in history."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.orm import Session

from data.models import Location
from services.backoffice.catalog_lists import PAGE_SIZE
from services.backoffice.locations import (
    LocationInput,
    create_location,
    list_locations,
    set_location_archived,
    update_location,
)
from services.families.home import family_locations
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.services.catalog_helpers import audited, refused

WEST = LocationInput(
    "Westside", "America/Denver", "9 Elm St", "Boulder", "CO", "80302", "US", "(303) 555-0142"
)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def test_an_admin_creates_a_location_and_it_is_audited(db: Session, gym: f.FamilyGym) -> None:
    location_id = create_location(db, gym.admin, WEST)
    location = db.get(Location, location_id)
    assert location is not None
    assert (location.name, location.timezone, location.city, location.phone) == (
        "Westside",
        "America/Denver",
        "Boulder",
        "+13035550142",
    )
    assert location.is_active and location.code
    [(entity_id, details)] = audited(db, "location.created")
    assert entity_id == str(location_id) and details["name"] == "Westside"


def test_an_edit_records_old_and_new_values(db: Session, gym: f.FamilyGym) -> None:
    location_id = create_location(db, gym.admin, WEST)
    update_location(
        db, gym.admin, location_id, dataclasses.replace(WEST, name=" West Gym ", phone="")
    )
    [(_, details)] = audited(db, "location.updated")
    assert details == {"name": ["Westside", "West Gym"], "phone": ["+13035550142", ""]}
    same = dataclasses.replace(WEST, name="West Gym", phone="")
    refused(db, ValidationError, "Nothing changed",
            lambda: update_location(db, gym.admin, location_id, same))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "   "}, "Please enter a location name"),
        ({"name": "x" * 121}, "too long"),
        ({"name": "northside"}, "Another location already has that name"),
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list"),
        ({"timezone": ""}, "Choose a time zone from the list"),
        ({"country": "XX"}, "two-letter code"),
        ({"phone": "12"}, "phone number"),
        ({"name": 5}, "must be text"),
        ({"city": "a\x00b"}, "cannot be saved"),
    ],
)
def test_bad_location_input_is_refused_and_nothing_written(
    db: Session, gym: f.FamilyGym, change: dict[str, object], message: str
) -> None:
    bad = dataclasses.replace(WEST, **change)  # type: ignore[arg-type]
    refused(db, ValidationError, message, lambda: create_location(db, gym.admin, bad))
    refused(db, ValidationError, message,
            lambda: update_location(db, gym.admin, gym.south.id, bad))  # fmt: skip


def test_only_admins_manage_locations(db: Session, gym: f.FamilyGym) -> None:
    for actor in (gym.desk, gym.guardian):
        refused(db, AccessDenied, "administrator", lambda a=actor: create_location(db, a, WEST))
        refused(db, AccessDenied, "administrator",
                lambda a=actor: update_location(db, a, gym.north.id, WEST))  # fmt: skip
        refused(db, AccessDenied, "administrator",
                lambda a=actor: set_location_archived(db, a, gym.north.id, True))  # fmt: skip
    refused(db, NotFound, "location",
            lambda: set_location_archived(db, gym.admin, 999_999, True))  # fmt: skip


def test_staff_read_their_own_locations_and_guardians_none(db: Session, gym: f.FamilyGym) -> None:
    assert [r.name for r in list_locations(db, gym.desk).items] == ["Northside"]
    assert [r.name for r in list_locations(db, gym.admin).items] == ["Northside", "Southside"]
    with pytest.raises(AccessDenied):
        list_locations(db, gym.guardian)


def test_the_list_is_searched_and_paged(db: Session, gym: f.FamilyGym) -> None:
    for n in range(PAGE_SIZE + 3):
        f.location(db, f"Annex {n:02d}")
    db.commit()
    first = list_locations(db, gym.admin, search="annex")
    assert (first.total, first.pages, len(first.items)) == (PAGE_SIZE + 3, 2, PAGE_SIZE)
    last = list_locations(db, gym.admin, search="ANNEX", page=99)
    assert (last.page, [r.name for r in last.items]) == (2, ["Annex 20", "Annex 21", "Annex 22"])
    assert list_locations(db, gym.admin, search="100%").total == 0


def test_an_archived_location_leaves_the_pickers_and_can_be_restored(
    db: Session, gym: f.FamilyGym
) -> None:
    assert [o.name for o in family_locations(db, gym.guardian)] == ["Northside"]
    set_location_archived(db, gym.admin, gym.north.id, True)
    assert family_locations(db, gym.guardian) == []
    assert family_locations(db, gym.desk) == []
    rows = list_locations(db, gym.admin).items
    assert [(r.name, r.is_active) for r in rows] == [("Southside", True), ("Northside", False)]
    refused(db, ValidationError, "already archived",
            lambda: set_location_archived(db, gym.admin, gym.north.id, True))  # fmt: skip
    set_location_archived(db, gym.admin, gym.north.id, False)
    assert [o.name for o in family_locations(db, gym.guardian)] == ["Northside"]
    assert [a for a, _ in audited(db, "location.archived")] == [str(gym.north.id)]
    assert [a for a, _ in audited(db, "location.restored")] == [str(gym.north.id)]
