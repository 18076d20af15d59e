"""A student's attendance per enrollment, and by week for the chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.models import AttendanceStatus, EnrollmentStatus, EnrollmentType
from services.classes.attendance import (
    AttendanceMark,
    WeekAttendance,
    student_attendance,
    weekly_attendance,
)
from services.classes.attendance_rate import AttendanceRate
from services.kernel.errors import ValidationError
from tests import factories as f
from tests.support.queries import count_queries

PRESENT, ABSENT, EXCUSED, MAKEUP = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.MAKEUP,
)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    maya, cls = gym.maya, gym.cls
    for day, status in [
        (date(2026, 10, 27), PRESENT),
        (date(2026, 11, 3), PRESENT),
        (date(2026, 11, 10), ABSENT),
        (date(2026, 11, 17), EXCUSED),
    ]:
        f.attend(db, maya, cls, day, status)
    thursday = f.gym_class(db, gym.north, weekday=3, name="Thursday Flips")
    f.enroll(db, maya, thursday, type=EnrollmentType.MAKEUP, start=date(2026, 11, 12))
    f.attend(db, maya, thursday, date(2026, 11, 12), MAKEUP)
    return gym


def test_each_enrollment_lists_its_class_dates_and_rate(db: Session, gym: f.FamilyGym) -> None:
    current, makeup = student_attendance(db, gym.guardian, gym.maya.id)
    assert (current.class_name, current.location_name, current.enrollment_type) == (
        "Tumblers",
        "Northside",
        "regular",
    )
    assert current.is_current and current.level == "Level 1"
    assert current.marks == (
        AttendanceMark(date(2026, 11, 17), "excused"),
        AttendanceMark(date(2026, 11, 10), "absent"),
        AttendanceMark(date(2026, 11, 3), "present"),
        AttendanceMark(date(2026, 10, 27), "present"),
    )
    assert (current.present, current.absent, current.excused, current.makeup) == (2, 1, 1, 0)
    assert current.rate == AttendanceRate(attended=2, recorded=4)
    assert current.rate.rate == 0.5
    assert (makeup.class_name, makeup.enrollment_type, makeup.is_current) == (
        "Thursday Flips",
        "makeup",
        False,  # the visit was on 12 November
    )
    assert makeup.marks == (AttendanceMark(date(2026, 11, 12), "makeup"),)
    assert makeup.rate == AttendanceRate(attended=1, recorded=1)


def test_current_enrollments_come_first_then_past_ones_latest_first(
    db: Session, gym: f.FamilyGym
) -> None:
    south = f.gym_class(db, gym.south, weekday=2, name="Southside Wednesdays")
    dropped = f.enroll(db, gym.maya, south, status=EnrollmentStatus.DROPPED, end=date(2026, 10, 7))
    f.attend(db, gym.maya, south, date(2026, 9, 9), PRESENT)
    # A mark that names its enrollment goes there even outside the enrollment's dates.
    mark = f.attend(db, gym.maya, south, date(2026, 10, 14), ABSENT)
    mark.enrollment_id = dropped.id
    saturday = f.gym_class(db, gym.north, weekday=5, name="Saturday Stars")
    f.enroll(db, gym.maya, saturday, type=EnrollmentType.TRIAL, start=date(2026, 11, 28))
    f.enroll(
        db,
        gym.maya,
        f.gym_class(db, gym.north, name="Full class"),
        status=EnrollmentStatus.WAITLISTED,
        waitlist_position=2,
    )
    f.attend(db, gym.maya, f.gym_class(db, gym.north, name="Unrelated"), date(2026, 11, 1))
    views = student_attendance(db, gym.guardian, gym.maya.id)
    assert [(v.class_name, v.is_current) for v in views] == [
        ("Tumblers", True),  # Tuesday
        ("Saturday Stars", True),  # a trial starting on Saturday
        ("Thursday Flips", False),  # 12 November
        ("Southside Wednesdays", False),  # ended 7 October
    ]
    assert views[1].rate.rate is None
    assert [m.status for m in views[3].marks] == ["absent", "present"]


def test_an_enrollment_that_ended_yesterday_is_past(db: Session, gym: f.FamilyGym) -> None:
    kai = f.student(db, gym.family, "Kai")
    f.enroll(db, kai, gym.cls, end=date(2026, 11, 23))
    (view,) = student_attendance(db, gym.guardian, kai.id)
    assert not view.is_current


def test_student_attendance_takes_a_fixed_number_of_queries(
    db: Session, engine: Engine, gym: f.FamilyGym
) -> None:
    def queries_for(classes: int) -> int:
        kid, held = f.kid_in_classes(db, gym, classes)
        for cls in held:
            f.attend(db, kid, cls, date(2026, 11, 2) + timedelta(days=cls.weekday))
        db.flush()
        db.expire_all()
        with count_queries(engine) as statements:
            assert len(student_attendance(db, gym.guardian, kid.id)) == classes
        return len(statements)

    assert queries_for(1) == queries_for(5) == 3  # the student, enrollments, marks


# weekly_attendance


def test_weeks_start_on_monday_and_empty_weeks_are_zero(
    db: Session, engine: Engine, gym: f.FamilyGym
) -> None:
    sunday_class = f.gym_class(db, gym.north, weekday=6, name="Sunday")
    f.attend(db, gym.maya, sunday_class, date(2026, 11, 22), PRESENT)  # Sunday: week of 16th
    f.attend(db, gym.maya, sunday_class, date(2026, 11, 1), PRESENT)  # Sunday: week of 26 Oct
    db.flush()
    with count_queries(engine) as statements:
        weeks = weekly_attendance(db, gym.guardian, gym.maya.id, weeks=4)
    assert weeks == [
        WeekAttendance(attended=1, recorded=1, week_start=date(2026, 11, 2)),
        WeekAttendance(attended=1, recorded=2, week_start=date(2026, 11, 9)),  # absent, makeup
        WeekAttendance(attended=1, recorded=2, week_start=date(2026, 11, 16)),
        WeekAttendance(attended=0, recorded=0, week_start=date(2026, 11, 23)),
    ]
    assert weeks[1].rate == 0.5 and weeks[3].rate is None
    assert sum("GROUP BY" in statement for statement in statements) == 1


def test_twelve_weeks_by_default(db: Session, gym: f.FamilyGym) -> None:
    weeks = weekly_attendance(db, gym.guardian, gym.maya.id)
    assert len(weeks) == 12
    assert (weeks[0].week_start, weeks[-1].week_start) == (date(2026, 9, 7), date(2026, 11, 23))
    assert sum(w.recorded for w in weeks) == 5
    assert all(w.week_start.weekday() == 0 for w in weeks)


@pytest.mark.parametrize("bad", [0, -1, 105, 10**9, "4", 4.0, True, None])
def test_the_number_of_weeks_is_checked(db: Session, gym: f.FamilyGym, bad: object) -> None:
    with pytest.raises(ValidationError, match="between 1 and 104 weeks"):
        weekly_attendance(db, gym.guardian, gym.maya.id, weeks=bad)  # type: ignore[arg-type]


# Access, for both functions

READERS: list[Callable[..., object]] = [student_attendance, weekly_attendance]


@pytest.mark.parametrize("read", READERS)
def test_access(db: Session, gym: f.FamilyGym, read: Callable[..., object]) -> None:
    f.check_student_scope(gym, lambda actor, sid: read(db, actor, sid))


def test_staff_see_the_attendance_at_their_locations(db: Session, gym: f.FamilyGym) -> None:
    south = f.gym_class(db, gym.south, weekday=2, name="Southside Wednesdays")
    f.enroll(db, gym.maya, south, start=date(2026, 11, 1))
    f.attend(db, gym.maya, south, date(2026, 11, 18), ABSENT)
    views = student_attendance(db, gym.south_desk, gym.maya.id)
    assert [v.class_name for v in views] == ["Southside Wednesdays"]
    weeks = weekly_attendance(db, gym.south_desk, gym.maya.id, weeks=2)
    assert [(w.attended, w.recorded) for w in weeks] == [(0, 1), (0, 0)]
    assert len(student_attendance(db, gym.desk, gym.maya.id)) == 2
    assert len(student_attendance(db, gym.admin, gym.maya.id)) == 3
