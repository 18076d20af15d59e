"""Staff attendance analytics against hand-built attendance sets (exact numbers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from data.models import (
    AttendanceStatus,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Level,
    Location,
    Program,
    Role,
    Student,
    TokenState,
)
from services.desk import analytics
from services.desk.analytics_scope import AnalyticsFilter
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f

PRESENT, ABSENT, EXCUSED, MAKEUP = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.MAKEUP,
)
NOVEMBER = AnalyticsFilter(start=date(2026, 11, 1), end=date(2026, 11, 30))
AUTUMN = AnalyticsFilter(start=date(2026, 9, 1), end=date(2026, 11, 30))
WEEK_2, WEEK_9 = date(2026, 11, 2), date(2026, 11, 9)  # Mondays


@dataclass
class Hand:
    """Northside: Gymnastics Tue 16:00 (Dana), Swim Thu 09:00 and Sun 10:00 (Eli).
    Southside: Gymnastics Tue 16:00 (Dana). Desk = Northside staff."""

    north: Location
    south: Location
    gym_level: Level
    swim_level: Level
    tue: GymClass
    thu: GymClass
    sun: GymClass
    south_tue: GymClass
    desk: Actor
    south_desk: Actor
    admin: Actor
    guardian: Actor

    def program(self, db: Session, level: Level) -> str:
        program = db.get(Program, level.program_id)
        assert program is not None
        return program.name


@pytest.fixture
def hand(db: Session) -> Hand:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    gym_level = f.program_level(db, "Gymnastics")
    swim_level = f.program_level(db, "Swim")
    tue = f.taught_class(
        db, north, gym_level, weekday=1, start=time(16), instructor="Coach Dana", name="Tumblers"
    )
    thu = f.taught_class(
        db, north, swim_level, weekday=3, start=time(9), instructor="Coach Eli", name="Guppies"
    )
    sun = f.taught_class(
        db, north, swim_level, weekday=6, start=time(10), instructor="Coach Eli", name="Minnows"
    )
    south_tue = f.taught_class(
        db, south, gym_level, weekday=1, start=time(16), instructor="Coach Dana", name="Flips"
    )
    fam, _, account = f.family(db, "Rivera")
    s1, s2, s3, s4, s5 = (f.student(db, fam, n) for n in ("Ann", "Ben", "Cal", "Dee", "Eve"))
    f.meeting(db, tue, date(2026, 10, 27), {s1: ABSENT})  # before November
    f.meeting(db, tue, date(2026, 11, 3), {s1: PRESENT, s2: ABSENT, s3: EXCUSED})
    f.meeting(db, tue, date(2026, 11, 10), {s1: PRESENT, s2: ABSENT, s3: MAKEUP})
    f.meeting(db, thu, date(2026, 11, 5), {s4: PRESENT, s1: PRESENT})
    f.meeting(db, thu, date(2026, 11, 12), {s4: ABSENT})
    f.meeting(db, sun, date(2026, 11, 8), {s4: PRESENT})  # Sunday: still the week of Nov 2
    f.meeting(db, sun, date(2026, 11, 15), {s4: PRESENT})  # Sunday: the week of Nov 9
    f.meeting(db, south_tue, date(2026, 11, 3), {s5: PRESENT})
    return Hand(
        north,
        south,
        gym_level,
        swim_level,
        tue,
        thu,
        sun,
        south_tue,
        f.staff(db, "desk@example.com", [north]),
        f.staff(db, "south@example.com", [south]),
        f.staff(db, "owner@example.com", [], Role.ADMIN),
        f.guardian_actor(db, account),
    )


def rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    return [tuple(r) for r in frame.itertuples(index=False)]


def rates(frame: pd.DataFrame, *keys: str) -> dict[object, tuple[int, int]]:
    """{key: (attended, recorded)}; rate checked against the counts on the way."""
    for a, r, rate in zip(frame["attended"], frame["recorded"], frame["rate"], strict=True):
        assert rate == a / r
    key = (lambda r: tuple(r[k] for k in keys)) if len(keys) > 1 else (lambda r: r[keys[0]])
    return {key(r): (r["attended"], r["recorded"]) for _, r in frame.iterrows()}


def assert_counts_are_int64(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        assert frame[column].dtype == "int64", column


# Weekly rate


def test_weekly_rate_starts_weeks_on_monday(db: Session, hand: Hand) -> None:
    frame = analytics.weekly_rate(db, hand.admin, NOVEMBER)
    assert list(frame.columns) == ["week_start", "attended", "recorded", "rate"]
    assert_counts_are_int64(frame, "attended", "recorded")
    assert frame["rate"].dtype == "float64"
    assert rates(frame, "week_start") == {WEEK_2: (5, 7), WEEK_9: (3, 5)}
    assert list(frame["week_start"]) == [WEEK_2, WEEK_9]


def test_weekly_rate_each_filter_narrows(db: Session, hand: Hand) -> None:
    def weekly(actor: Actor = hand.admin, **narrow: object) -> dict[object, tuple[int, int]]:
        return rates(analytics.weekly_rate(db, actor, replace(NOVEMBER, **narrow)), "week_start")

    assert weekly(hand.desk) == {WEEK_2: (4, 6), WEEK_9: (3, 5)}
    assert weekly(location_ids=(hand.south.id,)) == {WEEK_2: (1, 1)}
    assert weekly(location_ids=(hand.north.id, hand.south.id)) == weekly()
    assert weekly(program_id=hand.gym_level.program_id) == {WEEK_2: (2, 4), WEEK_9: (2, 3)}
    assert weekly(level_id=hand.swim_level.id) == {WEEK_2: (3, 3), WEEK_9: (1, 2)}
    assert weekly(class_id=hand.thu.id) == {WEEK_2: (2, 2), WEEK_9: (0, 1)}
    assert weekly(instructor="Coach Eli") == {WEEK_2: (3, 3), WEEK_9: (1, 2)}
    assert weekly(instructor="Nobody") == {}
    assert weekly(start=date(2026, 11, 9)) == {WEEK_9: (3, 5)}
    assert weekly(start=date(2026, 10, 1), end=date(2026, 11, 7)) == {
        date(2026, 10, 26): (0, 1),
        WEEK_2: (4, 6),  # the Sunday after `end` is left out
    }


def test_empty_results_keep_their_columns_and_types(db: Session, hand: Hand) -> None:
    empty = replace(NOVEMBER, start=date(2025, 1, 1), end=date(2025, 1, 31))
    frame = analytics.weekly_rate(db, hand.admin, empty)
    assert frame.empty
    assert list(frame.columns) == ["week_start", "attended", "recorded", "rate"]
    assert_counts_are_int64(frame, "attended", "recorded")
    no_desk = f.staff(db, "new@example.com", [])
    assert analytics.program_rates(db, no_desk, NOVEMBER).empty
    assert analytics.tokens_outstanding(db, no_desk, NOVEMBER).empty
    assert analytics.class_fill(db, no_desk, NOVEMBER).empty


# Heatmap, programs, absences


def test_class_heatmap_by_weekday_and_start_time(db: Session, hand: Hand) -> None:
    frame = analytics.class_heatmap(db, hand.admin, NOVEMBER)
    assert list(frame.columns) == ["weekday", "start_time", "attended", "recorded", "rate"]
    assert_counts_are_int64(frame, "weekday", "attended", "recorded")
    assert rates(frame, "weekday", "start_time") == {
        (1, time(16)): (4, 7),  # Northside and Southside Tuesdays together
        (3, time(9)): (2, 3),
        (6, time(10)): (2, 2),
    }
    desk = analytics.class_heatmap(db, hand.desk, replace(NOVEMBER, instructor="Coach Dana"))
    assert rates(desk, "weekday", "start_time") == {(1, time(16)): (3, 6)}


def test_program_rates(db: Session, hand: Hand) -> None:
    gym, swim = hand.program(db, hand.gym_level), hand.program(db, hand.swim_level)
    frame = analytics.program_rates(db, hand.admin, NOVEMBER)
    assert list(frame.columns) == ["program", "attended", "recorded", "rate"]
    assert rates(frame, "program") == {gym: (4, 7), swim: (4, 5)}
    south = analytics.program_rates(db, hand.south_desk, NOVEMBER)
    assert rates(south, "program") == {gym: (1, 1)}
    autumn = analytics.program_rates(db, hand.admin, replace(AUTUMN, class_id=hand.tue.id))
    assert rates(autumn, "program") == {gym: (3, 7)}


def test_absences_excused_and_makeups_by_week(db: Session, hand: Hand) -> None:
    frame = analytics.absences_over_time(db, hand.admin, NOVEMBER)
    assert list(frame.columns) == ["week_start", "absent", "excused", "makeup"]
    assert_counts_are_int64(frame, "absent", "excused", "makeup")
    assert rows(frame) == [(WEEK_2, 1, 1, 0), (WEEK_9, 2, 0, 1)]
    swim = analytics.absences_over_time(db, hand.admin, replace(NOVEMBER, class_id=hand.sun.id))
    assert rows(swim) == [(WEEK_2, 0, 0, 0), (WEEK_9, 0, 0, 0)]


# Low attendance


def test_low_attendance_classes_strictly_below(db: Session, hand: Hand) -> None:
    frame = analytics.low_attendance_classes(db, hand.admin, NOVEMBER, 0.6)
    assert list(frame.columns) == ["class_id", "class", "location", "attended", "recorded", "rate"]
    assert_counts_are_int64(frame, "class_id", "attended", "recorded")
    assert rows(frame) == [(hand.tue.id, "Tumblers", "Northside", 3, 6, 0.5)]
    assert analytics.low_attendance_classes(db, hand.admin, NOVEMBER, 0.5).empty
    assert list(analytics.low_attendance_classes(db, hand.admin, NOVEMBER, 0.7)["class"]) == [
        "Tumblers",
        "Guppies",
    ]
    assert analytics.low_attendance_classes(db, hand.south_desk, NOVEMBER, 1).empty
    assert analytics.low_attendance_classes(db, hand.admin, NOVEMBER, 0).empty


def test_low_attendance_edge_is_exact(db: Session) -> None:
    loc = f.location(db)
    cls = f.gym_class(db, loc)
    fam, _, _ = f.family(db)
    kids = [f.student(db, fam, f"Kid{n}") for n in range(10)]
    f.meeting(
        db, cls, date(2026, 11, 3), {k: PRESENT if n < 7 else ABSENT for n, k in enumerate(kids)}
    )
    admin = f.staff(db, "owner@example.com", [], Role.ADMIN)
    assert analytics.low_attendance_classes(db, admin, NOVEMBER, 0.7).empty  # 7 of 10
    assert len(analytics.low_attendance_classes(db, admin, NOVEMBER, 0.71)) == 1


@pytest.mark.parametrize("below", [-0.1, 1.5, "0.5", None, True, float("nan")])
def test_low_attendance_refuses_a_bad_rate(db: Session, hand: Hand, below: object) -> None:
    with pytest.raises(ValidationError, match="attendance rate"):
        analytics.low_attendance_classes(db, hand.admin, NOVEMBER, below)  # type: ignore[arg-type]


# Dropping students


@dataclass
class Streaks:
    cls: GymClass
    kids: dict[str, Student]
    desk: Actor


OCT = [date(2026, 10, d) for d in (6, 13, 20, 27)]


@pytest.fixture
def streaks(db: Session) -> Streaks:
    loc = f.location(db)
    cls = f.gym_class(db, loc)
    fam, _, _ = f.family(db, "Nguyen")
    histories = {
        "Streak": [PRESENT, ABSENT, ABSENT, ABSENT],
        "Two": [PRESENT, PRESENT, ABSENT, ABSENT],
        "Excused": [ABSENT, ABSENT, EXCUSED, ABSENT],
        "Never": [ABSENT, ABSENT, ABSENT, ABSENT],
        "Dropped": [PRESENT, ABSENT, ABSENT, ABSENT],
        "Back": [ABSENT, ABSENT, ABSENT, PRESENT],
        "Madeup": [ABSENT, ABSENT, ABSENT, MAKEUP],
        "Short": [ABSENT, ABSENT],
    }
    kids = {}
    for name, history in histories.items():
        kid = kids[name] = f.student(db, fam, name)
        if name == "Dropped":
            f.enroll(db, kid, cls, status=EnrollmentStatus.DROPPED, end=date(2026, 10, 31))
        else:
            f.enroll(db, kid, cls)
        for day, status in zip(OCT[-len(history) :], history, strict=True):
            f.attend(db, kid, cls, day, status)
    return Streaks(cls, kids, f.staff(db, "desk@example.com", [loc]))


def test_dropping_students_missed_the_last_three(db: Session, streaks: Streaks) -> None:
    frame = analytics.dropping_students(db, streaks.desk, AUTUMN)
    assert list(frame.columns) == [
        "student_id",
        "student",
        "family_id",
        "family",
        "class",
        "last_present",
        "missed",
    ]
    assert_counts_are_int64(frame, "student_id", "family_id", "missed")
    never, streak = streaks.kids["Never"], streaks.kids["Streak"]
    family = "Nguyen family"
    assert rows(frame) == [
        (never.id, "Never Nguyen", never.family_id, family, "Tumblers", None, 4),
        (streak.id, "Streak Nguyen", streak.family_id, family, "Tumblers", OCT[0], 3),
    ]


def test_dropping_students_threshold_and_range(db: Session, streaks: Streaks) -> None:
    def names(flt: AnalyticsFilter, n: int = 3) -> list[str]:
        return list(analytics.dropping_students(db, streaks.desk, flt, n)["student"])

    assert names(AUTUMN, 4) == ["Never Nguyen"]
    assert names(AUTUMN, 2) == ["Never Nguyen", "Streak Nguyen", "Short Nguyen", "Two Nguyen"]
    # Ending the range before the last meeting looks at the streak as it stood then.
    assert names(replace(AUTUMN, end=date(2026, 10, 20))) == [
        "Back Nguyen",
        "Madeup Nguyen",
        "Never Nguyen",
    ]
    assert names(replace(AUTUMN, class_id=streaks.cls.id)) == ["Never Nguyen", "Streak Nguyen"]
    assert names(replace(AUTUMN, instructor="Someone else")) == []


@pytest.mark.parametrize("missed", [0, -3, 53, "3", 3.0, True, None])
def test_dropping_students_refuses_a_bad_count(
    db: Session, streaks: Streaks, missed: object
) -> None:
    with pytest.raises(ValidationError, match="missed classes"):
        analytics.dropping_students(db, streaks.desk, AUTUMN, missed)  # type: ignore[arg-type]


# Makeup tokens


def test_tokens_outstanding_with_the_30_day_edge(db: Session, hand: Hand) -> None:
    fam, _, _ = f.family(db, "Kim")
    kid = f.student(db, fam, "Jo")
    visit = f.enroll(db, kid, hand.tue, type=EnrollmentType.MAKEUP, start=date(2026, 12, 1))
    for expires in (date(2026, 11, 24), date(2026, 12, 24), date(2026, 12, 25)):
        f.makeup_token(db, kid, hand.north, expires_on=expires)  # today, day 30, day 31
    f.makeup_token(db, kid, hand.north, issued_on=date(2026, 10, 1), expires_on=date(2026, 11, 23))
    f.makeup_token(db, kid, hand.north, state=TokenState.PENDING, makeup_enrollment=visit)
    f.makeup_token(db, kid, hand.north, state=TokenState.EXPIRED)
    f.makeup_token(db, kid, hand.south)
    f.location(db, "Westside")
    frame = analytics.tokens_outstanding(db, hand.admin, NOVEMBER)
    assert list(frame.columns) == ["location", "available", "pending", "expiring_30_days"]
    assert_counts_are_int64(frame, "available", "pending", "expiring_30_days")
    assert rows(frame) == [("Northside", 3, 1, 2), ("Southside", 1, 0, 0), ("Westside", 0, 0, 0)]
    assert rows(analytics.tokens_outstanding(db, hand.desk, NOVEMBER)) == [("Northside", 3, 1, 2)]
    south_only = replace(NOVEMBER, location_ids=(hand.south.id,))
    assert rows(analytics.tokens_outstanding(db, hand.admin, south_only)) == [
        ("Southside", 1, 0, 0)
    ]


# Class fill


def test_class_fill_counts_places_covering_today_and_the_waitlist(db: Session, hand: Hand) -> None:
    fam, _, _ = f.family(db, "Park")
    kid = iter(f.student(db, fam, f"Kid{n}") for n in range(10))
    full = f.taught_class(
        db, hand.north, hand.gym_level, weekday=2, start=time(17), instructor="Coach Dana",
        name="Full", capacity=3,
    )  # fmt: skip
    f.enroll(db, next(kid), full)
    f.enroll(db, next(kid), full, end=date(2026, 11, 24))  # its last day is today
    f.enroll(db, next(kid), full, type=EnrollmentType.TRIAL, start=date(2026, 11, 24))
    f.enroll(db, next(kid), full, end=date(2026, 11, 23))  # ended yesterday
    f.enroll(db, next(kid), full, start=date(2026, 11, 25))  # starts tomorrow
    f.enroll(db, next(kid), full, status=EnrollmentStatus.DROPPED, end=date(2026, 11, 1))
    f.enroll(db, next(kid), full, type=EnrollmentType.MAKEUP, start=date(2026, 11, 24))
    for position in (1, 2):
        f.enroll(
            db, next(kid), full, status=EnrollmentStatus.WAITLISTED, waitlist_position=position
        )
    f.enroll(db, next(kid), hand.thu)
    hand.sun.is_active = False
    db.flush()

    frame = analytics.class_fill(db, hand.desk, NOVEMBER)
    assert list(frame.columns) == [
        "class_id",
        "class",
        "location",
        "capacity",
        "enrolled",
        "waitlist",
    ]
    assert_counts_are_int64(frame, "class_id", "capacity", "enrolled", "waitlist")
    assert rows(frame) == [
        (full.id, "Full", "Northside", 3, 3, 2),  # waitlisted first, then fewest free seats
        (hand.thu.id, "Guppies", "Northside", 8, 1, 0),
        (hand.tue.id, "Tumblers", "Northside", 8, 0, 0),
    ]
    swim = analytics.class_fill(db, hand.admin, replace(NOVEMBER, level_id=hand.swim_level.id))
    assert rows(swim) == [(hand.thu.id, "Guppies", "Northside", 8, 1, 0)]
    dana = analytics.class_fill(db, hand.admin, replace(NOVEMBER, instructor="Coach Dana"))
    assert list(dana["class"]) == ["Full", "Tumblers", "Flips"]


# Access, for every function

FUNCTIONS: list[Callable[[Session, Actor, AnalyticsFilter], pd.DataFrame]] = [
    analytics.weekly_rate,
    analytics.class_heatmap,
    analytics.program_rates,
    analytics.absences_over_time,
    analytics.tokens_outstanding,
    lambda db, actor, flt: analytics.low_attendance_classes(db, actor, flt, 1.0),
    analytics.dropping_students,
    analytics.class_fill,
]
IDS = [
    "weekly_rate",
    "class_heatmap",
    "program_rates",
    "absences_over_time",
    "tokens_outstanding",
    "low_attendance_classes",
    "dropping_students",
    "class_fill",
]


@pytest.mark.parametrize("call", FUNCTIONS, ids=IDS)
def test_access(db: Session, hand: Hand, call: Callable[..., pd.DataFrame]) -> None:
    with pytest.raises(AccessDenied):
        call(db, hand.guardian, NOVEMBER)
    with pytest.raises(AccessDenied):
        call(db, hand.guardian, replace(NOVEMBER, location_ids=(hand.north.id,)))
    for actor, location in [
        (hand.south_desk, hand.north),
        (hand.desk, hand.south),
        (hand.admin, None),
    ]:
        missing = (location.id,) if location else (999_999,)
        with pytest.raises(NotFound, match="That location was not found"):
            call(db, actor, replace(NOVEMBER, location_ids=missing))
    with pytest.raises(NotFound, match="That class was not found"):
        call(db, hand.desk, replace(NOVEMBER, class_id=hand.south_tue.id))
    with pytest.raises(NotFound, match="That class was not found"):
        call(db, hand.admin, replace(NOVEMBER, class_id=999_999))
    with pytest.raises(NotFound, match="That program was not found"):
        call(db, hand.admin, replace(NOVEMBER, program_id=999_999))
    with pytest.raises(NotFound, match="That level was not found"):
        call(db, hand.admin, replace(NOVEMBER, level_id=999_999))
    with pytest.raises(ValidationError, match="filters"):
        call(db, hand.admin, {"start": date(2026, 11, 1)})
    call(db, hand.desk, replace(NOVEMBER, location_ids=(hand.north.id,)))
    call(db, hand.admin, replace(NOVEMBER, location_ids=(hand.north.id, hand.south.id)))


def test_staff_see_only_their_locations_everywhere(db: Session, hand: Hand) -> None:
    """South's desk sees Southside only, without naming it; admin sees both."""
    assert set(analytics.class_fill(db, hand.south_desk, NOVEMBER)["location"]) == {"Southside"}
    assert set(analytics.class_fill(db, hand.admin, NOVEMBER)["location"]) == {
        "Northside",
        "Southside",
    }
    assert rates(analytics.weekly_rate(db, hand.south_desk, NOVEMBER), "week_start") == {
        WEEK_2: (1, 1)
    }


# Bad input


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("location_ids", [1], "locations"),
        ("location_ids", "1", "locations"),
        ("location_ids", ("1",), "location"),
        ("location_ids", (True,), "location"),
        ("location_ids", (1.0,), "location"),
        ("program_id", "2", "program"),
        ("level_id", 2.0, "level"),
        ("class_id", False, "class"),
        ("instructor", None, "instructor"),
        ("instructor", 5, "instructor"),
        ("instructor", "x" * 121, "instructor"),
        ("start", "2026-11-01", "start date"),
        ("start", datetime(2026, 11, 1, 9), "start date"),
        ("end", None, "end date"),
        ("end", date(2026, 10, 31), "on or before"),
        ("end", date(2028, 11, 1), "two years"),
    ],
)
def test_filter_refuses_forged_values(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        replace(NOVEMBER, **{field: value})


def test_two_years_is_the_longest_range() -> None:
    AnalyticsFilter(start=date(2025, 1, 1), end=date(2026, 12, 31))  # 730 days
    AnalyticsFilter(start=date(2024, 1, 1), end=date(2025, 12, 31))  # 731 days, a leap year
    with pytest.raises(ValidationError, match="two years"):
        AnalyticsFilter(start=date(2024, 1, 1), end=date(2026, 1, 1))


def test_a_forged_filter_instance_is_checked_again(db: Session, hand: Hand) -> None:
    forged = object.__new__(AnalyticsFilter)
    for name, value in vars(NOVEMBER).items():
        object.__setattr__(forged, name, value)
    object.__setattr__(forged, "class_id", "1 OR 1=1")
    with pytest.raises(ValidationError, match="class"):
        analytics.weekly_rate(db, hand.admin, forged)
