"""The family home page and the location choices, with access for every public function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import (
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GymClass,
    LedgerKind,
    Location,
    Program,
    Role,
)
from services.billing.ledger import Balance
from services.families.home import (
    ClassSummary,
    LocationOption,
    age_on,
    family_home,
    family_locations,
)
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, ValidationError
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday, in Chicago and in UTC


@dataclass
class World:
    west: Location
    east: Location
    north: Location
    family: Family
    guardian: Actor
    other_family: Family
    other_guardian: Actor


@pytest.fixture
def world(db: Session) -> World:
    west = f.location(db, "Westside")
    east = f.location(db, "Eastside")
    north = f.location(db, "Northside")
    fam, _, account = f.family(db, "Rivera")
    other, _, other_account = f.family(db, "Okafor")
    return World(
        west,
        east,
        north,
        fam,
        f.guardian_actor(db, account),
        other,
        f.guardian_actor(db, other_account),
    )


def program_name(db: Session, cls: GymClass) -> str:
    program = db.get(Program, cls.program_id)
    assert program is not None
    return program.name


# family_locations


def test_a_guardian_chooses_among_the_family_locations(db: Session, world: World) -> None:
    f.location(db, "Zeta")  # no link to the family
    maya = f.student(db, world.family)
    f.enroll(
        db,
        maya,
        f.gym_class(db, world.west),
        status=EnrollmentStatus.DROPPED,
        end=date(2026, 10, 1),
    )
    f.makeup_token(db, maya, world.east)
    f.entry(db, world.family, world.north, LedgerKind.CHARGE, 1_000)
    f.entry(db, world.family, world.north, LedgerKind.PAYMENT, 1_000)
    other_student = f.student(db, world.other_family)
    f.enroll(db, other_student, f.gym_class(db, f.location(db, "Okafor's gym")))
    assert family_locations(db, world.guardian) == [
        LocationOption(world.east.id, "Eastside"),
        LocationOption(world.north.id, "Northside"),
        LocationOption(world.west.id, "Westside"),
    ]


def test_a_family_with_no_history_has_no_locations(db: Session, world: World) -> None:
    assert family_locations(db, world.guardian) == []


def test_staff_choose_among_their_locations_and_admins_among_all_active(
    db: Session, world: World
) -> None:
    closed = f.location(db, "Closed")
    closed.is_active = False
    desk = f.staff(db, "desk@example.com", [world.west, world.north, closed])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    assert family_locations(db, desk) == [
        LocationOption(world.north.id, "Northside"),
        LocationOption(world.west.id, "Westside"),
    ]
    assert [o.name for o in family_locations(db, admin)] == ["Eastside", "Northside", "Westside"]


def test_a_guardian_account_without_a_family_is_refused(db: Session) -> None:
    with pytest.raises(AccessDenied):
        family_locations(db, Actor(user_id=1, role=Role.GUARDIAN))


# family_home


def test_family_home_lists_active_students_with_ages_and_current_classes(
    db: Session, world: World
) -> None:
    zoe = f.student(db, world.family, "Zoe", date(2016, 11, 25))  # turns 10 tomorrow
    ava = f.student(db, world.family, "Ava", date(2018, 11, 24))  # turns 8 today
    gone = f.student(db, world.family, "Ben", date(2015, 1, 1))
    gone.is_active = False
    level = f.program_level(db, "Swim", "Starfish")
    tuesday = f.gym_class(
        db,
        world.west,
        level=level,
        weekday=1,
        start=time(16, 0),
        end=time(16, 45),
        name="Starfish Tue",
    )
    monday = f.gym_class(
        db, world.east, weekday=0, start=time(17, 0), end=time(18, 0), name="Tumblers Mon"
    )
    early_tuesday = f.gym_class(
        db, world.west, weekday=1, start=time(9, 0), end=time(10, 0), name="Early Tue"
    )
    other = f.gym_class(db, world.west, weekday=3, name="Thursday")
    regular = f.enroll(db, ava, tuesday)
    trial = f.enroll(db, ava, monday, type=EnrollmentType.TRIAL, start=TODAY, end=TODAY)
    early = f.enroll(db, ava, early_tuesday, end=TODAY)  # last day today: still current
    f.enroll(db, ava, other, status=EnrollmentStatus.DROPPED, end=date(2026, 11, 1))
    f.enroll(db, zoe, other, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    f.enroll(db, zoe, monday, start=date(2026, 12, 1))  # starts next week
    f.enroll(db, zoe, early_tuesday, end=date(2026, 11, 23))  # ended yesterday
    f.enroll(db, zoe, tuesday, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    f.enroll(
        db, zoe, tuesday, type=EnrollmentType.MAKEUP, start=date(2026, 12, 1), end=date(2026, 12, 1)
    )
    f.enroll(db, gone, tuesday)

    home = family_home(db, world.guardian)

    assert (home.family_id, home.family_name, home.guardian_name) == (
        world.family.id,
        "Rivera family",
        "Alex Rivera",
    )
    assert [(s.first_name, s.last_name, s.age) for s in home.students] == [
        ("Ava", "Rivera", 8),
        ("Zoe", "Rivera", 9),
    ]
    assert home.students[1].current_classes == ()
    assert home.students[0].current_classes == (
        ClassSummary(
            enrollment_id=trial.id,
            class_name="Tumblers Mon",
            program=program_name(db, monday),
            level="Level 1",
            weekday=0,
            weekday_name="Monday",
            start_time=time(17, 0),
            end_time=time(18, 0),
            location_id=world.east.id,
            location_name="Eastside",
            instructor="Coach Dana",
            enrollment_type="trial",
        ),
        ClassSummary(
            enrollment_id=early.id,
            class_name="Early Tue",
            program=program_name(db, early_tuesday),
            level="Level 1",
            weekday=1,
            weekday_name="Tuesday",
            start_time=time(9, 0),
            end_time=time(10, 0),
            location_id=world.west.id,
            location_name="Westside",
            instructor="Coach Dana",
            enrollment_type="regular",
        ),
        ClassSummary(
            enrollment_id=regular.id,
            class_name="Starfish Tue",
            program=program_name(db, tuesday),
            level="Starfish",
            weekday=1,
            weekday_name="Tuesday",
            start_time=time(16, 0),
            end_time=time(16, 45),
            location_id=world.west.id,
            location_name="Westside",
            instructor="Coach Dana",
            enrollment_type="regular",
        ),
    )


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2018, 11, 24), date(2026, 11, 23), 7),
        (date(2018, 11, 24), date(2026, 11, 24), 8),
        (date(2016, 2, 29), date(2026, 2, 28), 9),
        (date(2016, 2, 29), date(2026, 3, 1), 10),
        (date(2026, 11, 24), date(2026, 11, 24), 0),
    ],
)
def test_age_in_whole_years(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


def test_current_means_today_at_the_class_location(db: Session, world: World) -> None:
    # 15:00 UTC on 24 November is already 25 November on Kiritimati (UTC+14).
    island = f.location(db, "Island", timezone="Pacific/Kiritimati")
    maya = f.student(db, world.family)
    f.enroll(db, maya, f.gym_class(db, island, name="Island"), start=date(2026, 11, 25))
    f.enroll(db, maya, f.gym_class(db, world.west, name="West"), start=date(2026, 11, 25))
    home = family_home(db, world.guardian)
    assert [c.class_name for c in home.students[0].current_classes] == ["Island"]


def test_family_home_balance_is_for_the_whole_family(db: Session, world: World) -> None:
    f.entry(db, world.family, world.west, LedgerKind.CHARGE, 8_500)
    f.entry(db, world.family, world.east, LedgerKind.CHARGE, 4_000)
    f.entry(db, world.family, world.east, LedgerKind.PAYMENT, 1_000)
    f.entry(db, world.other_family, world.east, LedgerKind.CHARGE, 99_999)
    home = family_home(db, world.guardian, location_id=world.east.id)
    assert home.balance == Balance(outstanding_cents=12_500, credit_cents=1_000)


def test_a_family_without_students_or_entries(db: Session, world: World) -> None:
    home = family_home(db, world.guardian)
    assert home.students == ()
    assert home.balance == Balance(0, 0)
    assert home.location is None


def test_the_chosen_location_comes_back_only_if_it_is_the_family_s(
    db: Session, world: World
) -> None:
    f.entry(db, world.family, world.west, LedgerKind.CHARGE, 100)
    f.entry(db, world.other_family, world.east, LedgerKind.CHARGE, 100)
    home = family_home(db, world.guardian, location_id=world.west.id)
    assert home.location == LocationOption(world.west.id, "Westside")
    for forged in (world.east.id, world.north.id, 999_999, 0, -1):
        assert family_home(db, world.guardian, location_id=forged).location is None


@pytest.mark.parametrize("bad", ["1", 1.0, True])
def test_a_location_id_must_be_an_integer(db: Session, world: World, bad: object) -> None:
    with pytest.raises(ValidationError, match="That location is not valid"):
        family_home(db, world.guardian, location_id=bad)  # type: ignore[arg-type]


def test_a_guardian_never_sees_another_family(db: Session, world: World) -> None:
    f.student(db, world.other_family, "Kemi")
    f.student(db, world.family, "Maya")
    home = family_home(db, world.guardian)
    assert [s.first_name for s in home.students] == ["Maya"]
    assert family_home(db, world.other_guardian).family_id == world.other_family.id


def test_family_home_is_for_guardians_only(db: Session, world: World) -> None:
    desk = f.staff(db, "desk@example.com", [world.west])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    for actor in (desk, admin, Actor(user_id=1, role=Role.GUARDIAN)):
        with pytest.raises(AccessDenied):
            family_home(db, actor)


def test_family_home_takes_the_same_number_of_queries_for_a_bigger_family(
    db: Session, engine: Engine, world: World
) -> None:
    small, _, small_account = f.family(db, "Small")
    f.enroll(db, f.student(db, small), f.gym_class(db, world.west))
    big, _, big_account = f.family(db, "Big")
    for name in ("Ann", "Bea", "Cal", "Dev"):
        kid = f.student(db, big, name)
        for location in (world.west, world.east):
            f.enroll(db, kid, f.gym_class(db, location))
    small_actor, big_actor = f.guardian_actor(db, small_account), f.guardian_actor(db, big_account)
    db.flush()
    with count_queries(engine) as small_queries:
        family_home(db, small_actor)
    with count_queries(engine) as big_queries:
        home = family_home(db, big_actor)
    assert sum(len(s.current_classes) for s in home.students) == 8
    assert len(big_queries) == len(small_queries) == 5
