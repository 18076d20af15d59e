"""Issue 17: the analytics queries rewritten for 50 locations give the same answers.

`dropping_students` and `low_attendance_classes` are checked against the definitions they had
before the rewrite, written here in plain Python over a seeded random set of attendance at
three locations; `location_comparison` is checked against the per-location figures.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from data.models import AttendanceStatus, EnrollmentStatus, EnrollmentType, GymClass, Role
from services.classes.attendance_rate import ATTENDED, RECORDED
from services.desk import analytics
from services.desk.analytics_comparison import location_comparison
from services.desk.analytics_scope import AnalyticsFilter
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f

FIRST_MEETING = date(2026, 9, 1)
MEETINGS = 12
AUTUMN = AnalyticsFilter(start=date(2026, 9, 1), end=date(2026, 11, 30))
STATUSES = list(AttendanceStatus)
WEIGHTS = [5, 4, 1, 1]  # many absences, so that streaks of every length occur


@dataclass(frozen=True)
class Mark:
    student_id: int
    class_id: int
    location_id: int
    day: date
    status: AttendanceStatus


@dataclass
class Random:
    marks: list[Mark]
    active: set[tuple[int, int]]  # (student_id, class_id) enrolled now, regular or trial
    classes: dict[int, GymClass]
    location_ids: list[int]
    admin: Actor
    desk: Actor  # the first location's staff


@pytest.fixture
def randomised(db: Session) -> Random:
    rng = random.Random(17)
    locations = [f.location(db, name) for name in ("Northside", "Southside", "Westside")]
    classes: dict[int, GymClass] = {}
    marks: list[Mark] = []
    active: set[tuple[int, int]] = set()
    for loc in locations:
        fam, _, _ = f.family(db, f"{loc.name} Family")
        kids = [f.student(db, fam, f"Kid{n}") for n in range(6)]
        for c in range(3):
            cls = f.gym_class(db, loc, name=f"{loc.name} {c}", weekday=1)
            classes[cls.id] = cls
            for kid in kids:
                status, kind = rng.choice(
                    [
                        (EnrollmentStatus.ACTIVE, EnrollmentType.REGULAR),
                        (EnrollmentStatus.ACTIVE, EnrollmentType.TRIAL),
                        (EnrollmentStatus.DROPPED, EnrollmentType.REGULAR),
                    ]
                )
                end = date(2026, 11, 1) if status == EnrollmentStatus.DROPPED else None
                f.enroll(db, kid, cls, status=status, type=kind, end=end)
                if status == EnrollmentStatus.ACTIVE:
                    active.add((kid.id, cls.id))
                for week in range(MEETINGS):
                    if rng.random() < 0.25:
                        continue  # not marked that week: gaps in the history
                    day = FIRST_MEETING + timedelta(weeks=week)
                    mark = rng.choices(STATUSES, WEIGHTS)[0]
                    f.attend(db, kid, cls, day, mark)
                    marks.append(Mark(kid.id, cls.id, loc.id, day, mark))
    return Random(
        marks,
        active,
        classes,
        [loc.id for loc in locations],
        f.staff(db, "owner@example.com", [], Role.ADMIN),
        f.staff(db, "desk@example.com", [locations[0]]),
    )


def _in_filter(r: Random, flt: AnalyticsFilter) -> list[Mark]:
    return [
        m
        for m in r.marks
        if flt.start <= m.day <= flt.end
        and (not flt.location_ids or m.location_id in flt.location_ids)
        and (flt.class_id is None or m.class_id == flt.class_id)
    ]


def old_dropping(r: Random, flt: AnalyticsFilter, n: int) -> set[tuple[int, int, date | None]]:
    """The definition before issue 17: the newest records of a (student, class) in the range,
    counted back to the first that is not an absence; `n` or more and still enrolled."""
    histories: dict[tuple[int, int], list[Mark]] = {}
    for m in _in_filter(r, flt):
        histories.setdefault((m.student_id, m.class_id), []).append(m)
    found = set()
    for pair, history in histories.items():
        newest_first = sorted(history, key=lambda m: m.day, reverse=True)
        missed = 0
        for m in newest_first:
            if m.status != AttendanceStatus.ABSENT:
                break
            missed += 1
        present = [m.day for m in history if m.status in ATTENDED]
        if missed >= n and pair in r.active:
            found.add((pair[0], missed, max(present, default=None)))
    return found


def old_low(r: Random, flt: AnalyticsFilter, below: float) -> list[tuple[int, int, int]]:
    counts: dict[int, list[int]] = {}
    for m in _in_filter(r, flt):
        c = counts.setdefault(m.class_id, [0, 0])
        c[0] += m.status in ATTENDED
        c[1] += m.status in RECORDED
    return sorted((cid, a, rec) for cid, (a, rec) in counts.items() if rec and a / rec < below)


FILTERS = [
    AUTUMN,
    replace(AUTUMN, end=date(2026, 10, 20)),
    replace(AUTUMN, start=date(2026, 10, 1), end=date(2026, 10, 31)),
]


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_dropping_students_as_defined_before(db: Session, randomised: Random, n: int) -> None:
    r = randomised
    filters: list[AnalyticsFilter] = [*FILTERS, replace(AUTUMN, location_ids=(r.location_ids[1],))]
    filters.append(replace(AUTUMN, class_id=next(iter(r.classes))))
    seen = 0
    for flt in filters:
        frame = analytics.dropping_students(db, r.admin, flt, n)
        got = {
            (int(s), int(m), None if pd_missing(p) else p)
            for s, m, p in zip(
                frame["student_id"], frame["missed"], frame["last_present"], strict=True
            )
        }
        assert got == old_dropping(r, flt, n), flt
        assert list(frame["missed"]) == sorted(frame["missed"], reverse=True)
        seen += len(got)
    assert seen > 0  # the random set has streaks to find


def pd_missing(value: Any) -> bool:
    return value is None or value != value  # None or NaN/NaT


@pytest.mark.parametrize("below", [0.3, 0.5, 0.7, 1.0])
def test_low_attendance_as_defined_before(db: Session, randomised: Random, below: float) -> None:
    r = randomised
    for flt in [*FILTERS, replace(AUTUMN, location_ids=(r.location_ids[2],))]:
        frame = analytics.low_attendance_classes(db, r.admin, flt, below)
        got = sorted(zip(frame["class_id"], frame["attended"], frame["recorded"], strict=True))
        assert got == old_low(r, flt, below), (flt, below)
        assert list(frame["rate"]) == sorted(frame["rate"])


# The all-locations comparison


def _one_location(db: Session, actor: Actor, flt: AnalyticsFilter) -> dict[str, int]:
    weekly = analytics.weekly_rate(db, actor, flt)
    return {
        "enrolled": int(analytics.class_fill(db, actor, flt)["enrolled"].sum()),
        "attended": int(weekly["attended"].sum()),
        "recorded": int(weekly["recorded"].sum()),
        "absences": int(analytics.absences_over_time(db, actor, flt)["absent"].sum()),
        "dropping": len(analytics.dropping_students(db, actor, flt, 2)),
        "low_classes": len(analytics.low_attendance_classes(db, actor, flt, 0.5)),
    }


@pytest.mark.parametrize("flt", FILTERS)
def test_comparison_equals_each_location_on_its_own(
    db: Session, randomised: Random, flt: AnalyticsFilter
) -> None:
    r = randomised
    frame = location_comparison(db, r.admin, flt, 0.5, 2)
    assert list(frame["location"]) == ["Northside", "Southside", "Westside"]
    assert_counts_are_int64(frame)
    for row in frame.to_dict("records"):
        alone = _one_location(db, r.admin, replace(flt, location_ids=(row["location_id"],)))
        assert {k: row[k] for k in alone} == alone, row["location"]
        assert row["rate"] == row["attended"] / row["recorded"]
    assert frame["dropping"].sum() > 0 and frame["low_classes"].sum() > 0
    assert frame["enrolled"].sum() > 0 and frame["absences"].sum() > 0


def assert_counts_are_int64(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        if column not in ("location", "rate"):
            assert frame[column].dtype == "int64", column


def test_comparison_follows_the_class_filters(db: Session, randomised: Random) -> None:
    r = randomised
    cls = next(iter(r.classes.values()))
    flt = replace(AUTUMN, class_id=cls.id)
    frame = location_comparison(db, r.admin, flt, 0.5, 2)
    by_location = {row["location_id"]: row for row in frame.to_dict("records")}
    alone = _one_location(db, r.admin, replace(flt, location_ids=(cls.location_id,)))
    assert {k: by_location[cls.location_id][k] for k in alone} == alone
    others = [row for lid, row in by_location.items() if lid != cls.location_id]
    assert all(row["recorded"] == row["enrolled"] == 0 for row in others)


def test_comparison_access(db: Session, randomised: Random) -> None:
    r = randomised
    # Staff see only their own locations, without naming the others.
    assert list(location_comparison(db, r.desk, AUTUMN, 0.5)["location"]) == ["Northside"]
    with pytest.raises(NotFound, match="location"):
        location_comparison(db, r.desk, replace(AUTUMN, location_ids=(r.location_ids[1],)), 0.5)
    _, _, account = f.family(db, "Parent")
    instructor = f.staff(db, "coach@example.com", [], Role.INSTRUCTOR)
    for refused in (f.guardian_actor(db, account), instructor):
        with pytest.raises(AccessDenied):
            location_comparison(db, refused, AUTUMN, 0.5)
    with pytest.raises(ValidationError, match="attendance rate"):
        location_comparison(db, r.admin, AUTUMN, 1.5)
    with pytest.raises(ValidationError, match="missed classes"):
        location_comparison(db, r.admin, AUTUMN, 0.5, 0)
    with pytest.raises(ValidationError, match="filters"):
        location_comparison(db, r.admin, {"start": AUTUMN.start}, 0.5)  # type: ignore[arg-type]
