"""A location's rosters for today in a fixed number of queries, and saving a roster's form in
one call (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import Attendance, AttendanceStatus, AuditEntry, EnrollmentType, LedgerKind
from services.desk.day_rosters import day_rosters
from services.desk.roster_marks import mark_roster
from services.desk.rosters import class_roster
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday; the fixed clock says 09:00 in Chicago


def _kid(db: Session, first: str):  # type: ignore[no-untyped-def]
    fam, _, _ = f.family(db, "Lee")
    return f.student(db, fam, first)


def _marks(db: Session) -> dict[int, str]:
    return {s: m.value for s, m in db.execute(select(Attendance.student_id, Attendance.status))}


def test_the_day_s_rosters_are_the_class_rosters(db: Session) -> None:
    north = f.location(db, "Northside")
    desk = f.staff(db, "desk@example.com", [north])
    late = f.gym_class(db, north, name="Late")
    early = f.gym_class(db, north, name="Early", start=time(8, 0), end=time(9, 0))
    f.gym_class(db, north, name="Wednesday", weekday=2)
    fam, _, _ = f.family(db, "Owing")
    ann, ben = f.student(db, fam, "Ann"), _kid(db, "Ben")
    f.enroll(db, ann, late)
    f.enroll(db, ben, late, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    f.drop_in(db, _kid(db, "Cat"), early, TODAY)
    f.entry(db, fam, north, LedgerKind.CHARGE, 500)
    f.attend(db, ann, late, TODAY, AttendanceStatus.ABSENT)
    day = day_rosters(db, desk, north.id)
    assert (day.location_name, day.day, day.now) == ("Northside", TODAY, time(9, 0))
    assert [r.class_name for r in day.rosters] == ["Early", "Late"]
    for roster in day.rosters:
        assert roster == class_roster(db, desk, roster.class_id, TODAY)
    assert day.roster(late.id).students[0].unpaid_balance  # type: ignore[union-attr]
    assert day.roster(999_999) is None


def test_a_fixed_number_of_queries_whatever_the_number_of_classes(
    db: Session, engine: Engine
) -> None:
    north = f.location(db, "Northside")
    desk = f.staff(db, "desk@example.com", [north])

    def statements_with(count: int) -> int:
        for n in range(count):
            cls = f.gym_class(db, north, name=f"Class {n}")
            f.enroll(db, _kid(db, f"Kid{count}{n}"), cls)
            f.drop_in(db, _kid(db, f"Punch{count}{n}"), cls, TODAY)
        db.flush()
        with count_queries(engine) as statements:
            day = day_rosters(db, desk, north.id)
        assert all(len(r.students) >= 2 for r in day.rosters)
        return len(statements)

    assert statements_with(1) == statements_with(6) == 4


def test_other_locations_answer_like_missing_ones(db: Session) -> None:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    desk = f.staff(db, "desk@example.com", [north])
    with pytest.raises(NotFound):
        day_rosters(db, desk, south.id)
    with pytest.raises(NotFound):
        day_rosters(db, desk, 999_999)
    _, _, account = f.family(db)
    with pytest.raises(AccessDenied):
        day_rosters(db, f.guardian_actor(db, account), north.id)


# Saving a roster's form


@pytest.fixture
def beam(db: Session):  # type: ignore[no-untyped-def]
    north = f.location(db, "Northside")
    desk = f.staff(db, "desk@example.com", [north])
    cls = f.gym_class(db, north, name="Beam")
    ann, ben, cat = _kid(db, "Ann"), _kid(db, "Ben"), _kid(db, "Cat")
    f.enroll(db, ann, cls)
    f.enroll(db, ben, cls)
    f.enroll(db, cat, cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    db.commit()
    return desk, cls, ann, ben, cat


def test_a_whole_roster_is_marked_in_one_save(db: Session, beam) -> None:  # type: ignore[no-untyped-def]
    desk, cls, ann, ben, cat = beam
    marks = {ann.id: "present", ben.id: "absent", cat.id: "present"}
    assert mark_roster(db, desk, cls.id, TODAY, marks) == 3
    assert _marks(db) == {ann.id: "present", ben.id: "absent", cat.id: "makeup"}
    assert mark_roster(db, desk, cls.id, TODAY, {**marks, ben.id: "excused"}) == 1
    assert _marks(db)[ben.id] == "excused"
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity == "student")).all()
    assert actions.count("attendance.marked") == 4  # unchanged marks write nothing


def test_one_bad_line_writes_nothing(db: Session, beam) -> None:  # type: ignore[no-untyped-def]
    desk, cls, ann, ben, _ = beam
    stranger = _kid(db, "Zed")
    db.commit()
    bad = [
        ({ann.id: "present", stranger.id: "present"}, "not on the roster"),
        ({ann.id: "present", ben.id: "makeup"}, "not a makeup visitor"),
        ({ann.id: "present", ben.id: "late"}, "Choose present, absent, excused"),
        ({}, "at least one student"),
        ({"1": "present"}, "That student is not valid"),
    ]
    for marks, message in bad:
        with pytest.raises(ValidationError, match=message):
            mark_roster(db, desk, cls.id, TODAY, marks)  # type: ignore[arg-type]
        db.rollback()
    assert db.scalar(select(func.count()).select_from(Attendance)) == 0


def test_the_day_and_the_location_rules_hold(db: Session, beam) -> None:  # type: ignore[no-untyped-def]
    desk, cls, ann, _, _ = beam
    with pytest.raises(ValidationError, match="today or earlier"):
        mark_roster(db, desk, cls.id, TODAY + timedelta(days=7), {ann.id: "present"})
    db.rollback()
    south = f.location(db, "Southside")
    elsewhere = f.staff(db, "south@example.com", [south])
    with pytest.raises(NotFound):
        mark_roster(db, elsewhere, cls.id, TODAY, {ann.id: "present"})
    db.rollback()
    assert mark_roster(db, desk, cls.id, TODAY - timedelta(days=7), {ann.id: "absent"}) == 1
    assert _marks(db) == {ann.id: "absent"}


def test_the_class_opened_first_is_the_one_running_or_next(db: Session) -> None:
    north = f.location(db, "Northside")
    desk = f.staff(db, "desk@example.com", [north])
    assert day_rosters(db, desk, north.id).current is None
    over = f.gym_class(db, north, name="Over", start=time(7, 0), end=time(8, 0))
    assert day_rosters(db, desk, north.id).current.class_id == over.id  # type: ignore[union-attr]
    running = f.gym_class(db, north, name="Running", start=time(8, 30), end=time(9, 30))
    f.gym_class(db, north, name="Later", start=time(16, 0), end=time(17, 0))
    assert day_rosters(db, desk, north.id).current.class_id == running.id  # type: ignore[union-attr]
