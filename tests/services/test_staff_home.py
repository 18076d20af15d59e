"""The staff home page: today's classes and rosters, the 4-week attendance rate, requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import (
    AttendanceStatus,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Location,
    RequestKind,
    RequestStatus,
    Role,
    Student,
)
from services.classes.attendance_rate import AttendanceRate
from services.desk.rosters import RosterLine, class_roster
from services.desk.staff_home import LocationDay, staff_home, todays_classes
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday in Chicago
PRESENT, ABSENT, EXCUSED, MAKEUP = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.MAKEUP,
)


@dataclass
class Gym:
    north: Location
    south: Location
    desk: Actor  # staff at Northside only
    admin: Actor


@pytest.fixture
def gym(db: Session) -> Gym:
    north = f.location(db, "Northside")
    south = f.location(db, "Southside")
    return Gym(
        north,
        south,
        f.staff(db, "desk@example.com", [north]),
        f.staff(db, "owner@example.com", [], Role.ADMIN),
    )


def kid(db: Session, first: str, *, notes: str = "") -> Student:
    fam, _, _ = f.family(db, "Lee")
    stu = f.student(db, fam, first)
    stu.medical_notes = notes
    return stu


def only_location(db: Session, actor: Actor, location: Location) -> LocationDay:
    (day,) = staff_home(db, actor, location_id=location.id).locations
    return day


# Today's classes and rosters


def test_today_s_classes_are_this_weekday_active_and_in_term(db: Session, gym: Gym) -> None:
    late = f.gym_class(db, gym.north, start=time(16, 0), end=time(17, 0), name="Tumblers")
    early = f.gym_class(
        db, gym.north, start=time(9, 0), end=time(10, 0), name="Early birds", capacity=6
    )
    f.gym_class(db, gym.north, weekday=2, name="Wednesday")
    f.gym_class(db, gym.north, name="Retired").is_active = False
    f.gym_class(db, gym.north, name="Last term").term_end = date(2026, 11, 23)
    f.gym_class(db, gym.north, name="Next term").term_start = date(2026, 11, 25)
    f.gym_class(db, gym.north, name="Starts today").term_start = TODAY
    f.gym_class(db, gym.south, name="Elsewhere")
    day = only_location(db, gym.desk, gym.north)
    assert (day.location_id, day.location_name, day.day) == (gym.north.id, "Northside", TODAY)
    assert [c.name for c in day.classes] == ["Early birds", "Starts today", "Tumblers"]
    first = day.classes[0]
    assert (
        first.class_id,
        first.level,
        first.start_time,
        first.end_time,
        first.instructor,
        first.capacity,
        first.roster,
    ) == (early.id, "Level 1", time(9, 0), time(10, 0), "Coach Dana", 6, ())
    assert first.program.startswith("Gymnastics")
    assert day.classes[2].class_id == late.id


def test_the_roster_has_enrolled_students_makeup_visits_medical_flags_and_attendance(
    db: Session, gym: Gym
) -> None:
    cls = f.gym_class(db, gym.north)
    maya = kid(db, "Maya", notes="Peanut allergy")
    ben = kid(db, "Ben", notes="   ")
    cleo = kid(db, "Cleo")
    f.enroll(db, maya, cls)
    f.enroll(db, ben, cls, type=EnrollmentType.TRIAL, start=TODAY, end=TODAY)
    f.enroll(db, cleo, cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    f.attend(db, maya, cls, TODAY, PRESENT)
    f.attend(db, maya, cls, TODAY - timedelta(days=7), ABSENT)  # last week's mark stays there
    next_week = TODAY + timedelta(days=7)
    f.enroll(db, kid(db, "Dan"), cls, type=EnrollmentType.MAKEUP, start=next_week, end=next_week)
    f.enroll(db, kid(db, "Eve"), cls, status=EnrollmentStatus.DROPPED, end=date(2026, 11, 17))
    f.enroll(db, kid(db, "Finn"), cls, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    f.enroll(db, kid(db, "Gus"), cls, start=date(2026, 12, 1))
    f.enroll(db, kid(db, "Hal"), cls, end=date(2026, 11, 23))
    (today,) = only_location(db, gym.desk, gym.north).classes
    assert today.roster == (
        RosterLine(ben.id, "Ben Lee", "trial", False, None),
        RosterLine(cleo.id, "Cleo Lee", "makeup", False, None),
        RosterLine(maya.id, "Maya Lee", "regular", True, "present"),
    )


def test_a_student_is_on_a_roster_once(db: Session, gym: Gym) -> None:
    cls = f.gym_class(db, gym.north)
    maya = kid(db, "Maya")
    f.enroll(db, maya, cls)
    f.enroll(db, maya, cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    (today,) = only_location(db, gym.desk, gym.north).classes
    assert [(line.student_name, line.enrollment_type) for line in today.roster] == [
        ("Maya Lee", "regular")
    ]


def test_the_roster_lists_punch_pass_drop_ins_like_the_check_in_page(db: Session, gym: Gym) -> None:
    cls = f.gym_class(db, gym.north)
    maya, dee = kid(db, "Maya"), kid(db, "Dee", notes="Asthma")
    f.enroll(db, maya, cls)
    f.drop_in(db, dee, cls, TODAY)
    f.drop_in(db, kid(db, "Tom"), cls, TODAY + timedelta(days=7))  # next week's: not today
    f.attend(db, dee, cls, TODAY, PRESENT)
    (today,) = only_location(db, gym.desk, gym.north).classes
    assert today.roster == (
        RosterLine(dee.id, "Dee Lee", "drop_in", True, "present"),
        RosterLine(maya.id, "Maya Lee", "regular", False, None),
    )
    desk = class_roster(db, gym.desk, cls.id, TODAY).students
    assert [(s.student_id, s.enrollment_type, s.attendance) for s in desk] == [
        (line.student_id, line.enrollment_type, line.attendance) for line in today.roster
    ]


def test_rosters_with_drop_ins_take_the_same_fixed_number_of_queries(
    db: Session, engine: Engine, gym: Gym
) -> None:
    def busy_day(count: int) -> list[str]:
        for n in range(count):
            cls = f.gym_class(db, gym.north)
            f.enroll(db, kid(db, f"Kid{n}"), cls)
            f.drop_in(db, kid(db, f"Punch{n}"), cls, TODAY)
        db.flush()
        with count_queries(engine) as statements:
            (day,) = staff_home(db, gym.desk).locations
        assert [len(c.roster) for c in day.classes] == [2] * len(day.classes)
        return statements

    assert len(busy_day(1)) == len(busy_day(5)) == 6


def test_today_is_each_location_s_own_today(db: Session, gym: Gym) -> None:
    # 15:00 UTC on Tuesday 24 November is Wednesday 25 November 05:00 on Kiritimati.
    island = f.location(db, "Island", timezone="Pacific/Kiritimati")
    f.gym_class(db, island, weekday=2, name="Wednesday lesson")
    f.gym_class(db, island, weekday=1, name="Tuesday lesson")
    f.gym_class(db, gym.north, weekday=1, name="Tumblers")
    home = staff_home(db, gym.admin)
    assert [(d.location_name, d.day, [c.name for c in d.classes]) for d in home.locations] == [
        ("Island", date(2026, 11, 25), ["Wednesday lesson"]),
        ("Northside", TODAY, ["Tumblers"]),
        ("Southside", TODAY, []),
    ]


def test_rosters_take_a_fixed_number_of_queries(db: Session, engine: Engine, gym: Gym) -> None:
    def busy_day(count: int) -> list[str]:
        for n in range(count):
            cls = f.gym_class(db, gym.north)
            f.enroll(db, kid(db, f"Kid{n}"), cls)
            f.enroll(
                db, kid(db, f"Visitor{n}"), cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY
            )
        db.flush()
        with count_queries(engine) as statements:
            staff_home(db, gym.desk)
        return statements

    assert len(busy_day(1)) == len(busy_day(5)) == 6


# Attendance over the last four weeks


def test_attendance_rate_counts_each_status_in_the_28_days_before_today(
    db: Session, gym: Gym
) -> None:
    cls = f.gym_class(db, gym.north)
    elsewhere = f.gym_class(db, gym.south)
    maya, ben = kid(db, "Maya"), kid(db, "Ben")
    first_day = TODAY - timedelta(days=28)
    f.attend(db, maya, cls, first_day, PRESENT)  # window starts here (included)
    f.attend(db, ben, cls, first_day, ABSENT)
    f.attend(db, maya, cls, TODAY - timedelta(days=14), EXCUSED)
    f.attend(db, ben, cls, TODAY - timedelta(days=14), MAKEUP)
    f.attend(db, maya, cls, TODAY - timedelta(days=1), PRESENT)  # yesterday (included)
    f.attend(db, maya, cls, first_day - timedelta(days=1), PRESENT)  # 29 days ago: out
    f.attend(db, ben, cls, TODAY, ABSENT)  # today: out
    f.attend(db, ben, elsewhere, TODAY - timedelta(days=7), ABSENT)  # not the desk's
    rate = staff_home(db, gym.desk).attendance_4w
    assert rate == AttendanceRate(attended=3, recorded=5)
    assert rate.rate == pytest.approx(0.6)
    assert staff_home(db, gym.admin).attendance_4w == AttendanceRate(attended=3, recorded=6)
    assert staff_home(db, gym.admin, location_id=gym.south.id).attendance_4w == (
        AttendanceRate(attended=0, recorded=1)
    )


def test_attendance_rate_without_records_is_none() -> None:
    assert AttendanceRate(attended=0, recorded=0).rate is None
    assert AttendanceRate(attended=3, recorded=4).rate == 0.75


# Parent requests


def test_open_requests_are_pending_ones_at_the_shown_locations(db: Session, gym: Gym) -> None:
    maya = kid(db, "Maya")
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    pending = [
        f.parent_request(db, maya, gym.north, created_at=start + timedelta(hours=n))
        for n in range(6)
    ]
    pending[5].kind = RequestKind.TRANSFER
    f.parent_request(
        db, maya, gym.north, status=RequestStatus.APPROVED, created_at=start + timedelta(days=3)
    )
    f.parent_request(
        db, maya, gym.north, status=RequestStatus.CANCELLED, created_at=start + timedelta(days=3)
    )
    f.parent_request(db, maya, gym.south, created_at=start + timedelta(days=3))
    db.flush()

    home = staff_home(db, gym.desk)

    assert home.open_requests == 6
    assert [r.id for r in home.recent_requests] == [r.id for r in reversed(pending[1:])]
    newest = home.recent_requests[0]
    assert (newest.kind, newest.student_name, newest.location_name, newest.created_at) == (
        "transfer",
        "Maya Lee",
        "Northside",
        start + timedelta(hours=5),
    )
    assert staff_home(db, gym.admin).open_requests == 7
    assert staff_home(db, gym.admin, location_id=gym.south.id).open_requests == 1


def test_staff_without_locations_see_an_empty_home(db: Session, gym: Gym) -> None:
    nobody = f.staff(db, "new@example.com", [])
    f.gym_class(db, gym.north)
    home = staff_home(db, nobody)
    assert home.locations == ()
    assert home.attendance_4w == AttendanceRate(0, 0)
    assert (home.open_requests, home.recent_requests) == (0, ())


# Access


def test_guardians_are_refused(db: Session, gym: Gym) -> None:
    _, _, account = f.family(db)
    guardian = f.guardian_actor(db, account)
    with pytest.raises(AccessDenied):
        staff_home(db, guardian)
    with pytest.raises(AccessDenied):
        staff_home(db, guardian, location_id=gym.north.id)


def test_staff_see_only_their_locations(db: Session, gym: Gym) -> None:
    assert [d.location_name for d in staff_home(db, gym.desk).locations] == ["Northside"]
    with pytest.raises(NotFound) as unseen:
        staff_home(db, gym.desk, location_id=gym.south.id)
    with pytest.raises(NotFound) as missing:
        staff_home(db, gym.desk, location_id=999_999)
    assert str(unseen.value) == str(missing.value) == "That location was not found."


def test_admins_see_every_active_location(db: Session, gym: Gym) -> None:
    closed = f.location(db, "Closed")
    closed.is_active = False
    assert [d.location_name for d in staff_home(db, gym.admin).locations] == [
        "Northside",
        "Southside",
    ]
    assert only_location(db, gym.admin, gym.south).location_name == "Southside"
    with pytest.raises(NotFound, match="That location was not found"):
        staff_home(db, gym.admin, location_id=999_999)


@pytest.mark.parametrize("bad", ["1", 1.0, True])
def test_a_location_id_must_be_an_integer(db: Session, gym: Gym, bad: object) -> None:
    with pytest.raises(ValidationError, match="That location is not valid"):
        staff_home(db, gym.admin, location_id=bad)  # type: ignore[arg-type]


def test_a_class_at_another_location_is_not_on_the_desk_s_home(db: Session, gym: Gym) -> None:
    other: GymClass = f.gym_class(db, gym.south, name="South only")
    f.enroll(db, kid(db, "Maya"), other)
    home = staff_home(db, gym.desk)
    assert [c.name for d in home.locations for c in d.classes] == []


def test_todays_classes_is_one_location_with_the_same_access(db: Session, gym: Gym) -> None:
    f.gym_class(db, gym.north, name="Beam Basics", weekday=1)  # Tuesday, the frozen today
    day = todays_classes(db, gym.desk, gym.north.id)
    assert (day.location_name, [c.name for c in day.classes]) == ("Northside", ["Beam Basics"])
    assert day == staff_home(db, gym.desk, location_id=gym.north.id).locations[0]
    with pytest.raises(NotFound):
        todays_classes(db, gym.desk, gym.south.id)
    _, _, account = f.family(db)
    with pytest.raises(AccessDenied):
        todays_classes(db, f.guardian_actor(db, account), gym.north.id)
