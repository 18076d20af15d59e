"""The staff "Today" summary: one line per location from one aggregate query (SQLite and
PostgreSQL): classes, rosters, marks, over-capacity and unmarked-past alerts, access."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import AttendanceStatus, EnrollmentStatus, EnrollmentType, Location, Role
from services.desk.today_summary import LocationSummary, today_overview
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday; the fixed clock says 09:00 in Chicago


def _kid(db: Session, first: str):  # type: ignore[no-untyped-def]
    fam, _, _ = f.family(db, "Lee")
    return f.student(db, fam, first)


def _line(db: Session, actor: Actor, location: Location) -> LocationSummary:
    (line,) = [s for s in today_overview(db, actor).locations if s.location_id == location.id]
    return line


def test_counts_classes_rosters_marks_and_alerts(db: Session) -> None:
    north = f.location(db, "Northside")
    desk = f.staff(db, "desk@example.com", [north])
    early = f.gym_class(db, north, name="Early", start=time(7, 0), end=time(8, 0), capacity=2)
    late = f.gym_class(db, north, name="Late", capacity=5)  # 16:00, not over yet
    f.gym_class(db, north, name="Wednesday", weekday=2)
    done = f.gym_class(db, north, name="Done", start=time(6, 0), end=time(7, 0))
    a, b, c, d = (_kid(db, n) for n in ("Ann", "Ben", "Cat", "Dan"))
    f.enroll(db, a, early)
    f.enroll(db, b, early)
    f.enroll(db, c, early, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)  # 3 on 2 seats
    f.enroll(db, a, early, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)  # Ann once
    f.enroll(db, d, early, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    f.drop_in(db, d, late, TODAY)
    f.enroll(db, a, late)
    f.enroll(db, b, done)
    for kid in (a, b, c):
        f.attend(db, kid, early, TODAY, AttendanceStatus.PRESENT)
    f.attend(db, a, late, TODAY, AttendanceStatus.ABSENT)
    f.attend(db, b, done, TODAY - timedelta(days=7))  # last week's mark: not today's
    line = _line(db, desk, north)
    assert (line.classes, line.on_rosters, line.capacity) == (3, 6, 15)
    assert (line.marked, line.unmarked) == (4, 2)
    assert (line.over_capacity, line.unmarked_past) == (1, 1)  # Early; Done (ended, Ben)
    assert line.alerts == ("1 over capacity", "1 ended, not all marked")
    assert line.day == TODAY and line.location_name == "Northside"


def test_staff_see_only_their_locations_and_admins_every_active_one(db: Session) -> None:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    f.location(db, "Closed").is_active = False
    desk = f.staff(db, "desk@example.com", [north])
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    f.enroll(db, _kid(db, "Sam"), f.gym_class(db, south))
    assert [s.location_name for s in today_overview(db, desk).locations] == ["Northside"]
    west = f.location(db, "Westside")
    both = f.staff(db, "both@example.com", [north, west])
    assert [s.location_name for s in today_overview(db, both).locations] == [
        "Northside",
        "Westside",
    ]
    everywhere = today_overview(db, admin)
    assert [(s.location_name, s.classes, s.on_rosters) for s in everywhere.locations] == [
        ("Northside", 0, 0),
        ("Southside", 1, 1),
        ("Westside", 0, 0),
    ]
    assert everywhere.classes == 1
    with pytest.raises(NotFound):
        today_overview(db, desk, location_id=south.id)
    _, _, account = f.family(db)
    with pytest.raises(AccessDenied):
        today_overview(db, f.guardian_actor(db, account))


def test_each_location_counts_its_own_today(db: Session) -> None:
    # 15:00 UTC on Tuesday is Wednesday 05:00 on Kiritimati.
    island = f.location(db, "Island", timezone="Pacific/Kiritimati")
    north = f.location(db, "Northside")
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    wednesday = f.gym_class(db, island, weekday=2)
    f.gym_class(db, island, weekday=1)
    f.enroll(db, _kid(db, "Ivy"), wednesday)
    f.gym_class(db, north, weekday=1)
    lines = {s.location_name: s for s in today_overview(db, admin).locations}
    assert (lines["Island"].day, lines["Island"].classes, lines["Island"].on_rosters) == (
        date(2026, 11, 25),
        1,
        1,
    )
    assert (lines["Northside"].day, lines["Northside"].classes) == (TODAY, 1)


def test_one_query_for_the_summary_whatever_the_number_of_locations(
    db: Session, engine: Engine
) -> None:
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)

    def statements_with(count: int) -> int:
        for n in range(count):
            where = f.location(db, f"Gym {count}-{n}")
            cls = f.gym_class(db, where)
            f.enroll(db, _kid(db, f"Kid{count}{n}"), cls)
        db.flush()
        with count_queries(engine) as statements:
            overview = today_overview(db, admin)
        assert all(s.on_rosters == 1 for s in overview.locations)
        return len(statements)

    assert statements_with(1) == statements_with(6) == 5
