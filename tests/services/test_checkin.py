"""Rosters and check-in: one meeting's roster with its flags, marking, and the QR check-in box."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    Attendance,
    AttendanceStatus,
    AuditEntry,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GymClass,
    LedgerKind,
    Student,
)
from services.desk.checkin import INVALID_CODE, CheckInResult, check_in_by_code
from services.desk.checkin_codes import student_checkin_code
from services.desk.roster_marks import mark_all, mark_attendance
from services.desk.rosters import class_roster
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, DomainError, NotFound, ValidationError
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday; the clock is 09:00 in Chicago
NEXT_TUESDAY = date(2026, 12, 1)
LAST_TUESDAY = date(2026, 11, 17)


@dataclass
class Desk:
    base: f.FamilyGym
    morning: GymClass  # Northside, Tuesdays 09:15–10:00: its check-in window is open now
    thursday: GymClass  # Northside, Thursdays 16:00–17:00


@pytest.fixture
def desk(db: Session) -> Desk:
    base = f.family_gym(db)
    morning = f.gym_class(db, base.north, start=time(9, 15), end=time(10, 0), name="Minnows")
    thursday = f.gym_class(db, base.north, weekday=3, name="Sharks")
    f.enroll(db, base.maya, morning)
    f.enroll(db, base.maya, thursday)
    db.commit()
    return Desk(base, morning, thursday)


def kid(db: Session, first: str) -> Student:
    fam, _, _ = f.family(db, first)
    return f.student(db, fam, first)


def rows(db: Session) -> list[tuple[int, int, date, AttendanceStatus]]:
    db.rollback()
    return [
        tuple(r)  # type: ignore[misc]
        for r in db.execute(
            select(
                Attendance.student_id, Attendance.class_id, Attendance.class_date, Attendance.status
            ).order_by(Attendance.id)
        )
    ]


def code_of(db: Session, gym: f.FamilyGym, stu: Student) -> str:
    return student_checkin_code(db, gym.admin, stu.id)


# The roster


def test_the_roster_lists_every_kind_of_student_with_their_flags(db: Session) -> None:
    gym = f.family_gym(db)  # Maya (Rivera) and Ada (Okafor) are regulars in gym.cls
    gym.maya.medical_notes = "  Peanut allergy (EpiPen in bag) "
    trial, visitor, drop = kid(db, "Tia"), kid(db, "Vic"), kid(db, "Dee")
    f.enroll(db, trial, gym.cls, type=EnrollmentType.TRIAL, start=TODAY, end=TODAY)
    f.enroll(db, visitor, gym.cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    f.drop_in(db, drop, gym.cls, TODAY)
    # A makeup visit booked for next week is not on today's roster.
    f.enroll(db, kid(db, "Ned"), gym.cls, type=EnrollmentType.MAKEUP, start=NEXT_TUESDAY)
    # Rivera owes money; Okafor's charge is paid in full.
    f.entry(db, gym.family, gym.north, LedgerKind.CHARGE, 8_500)
    paid = f.entry(db, gym.other_family, gym.north, LedgerKind.CHARGE, 8_500)
    f.allocate(db, f.entry(db, gym.other_family, gym.north, LedgerKind.PAYMENT, 8_500), paid, 8_500)
    f.future_absence(db, gym.other_student, gym.cls, TODAY)
    f.future_absence(db, trial, gym.cls, TODAY, cancelled=True)
    f.attend(db, visitor, gym.cls, TODAY, AttendanceStatus.MAKEUP)
    db.commit()

    roster = class_roster(db, gym.desk, gym.cls.id, TODAY)

    assert (roster.class_name, roster.location_name, roster.day) == ("Tumblers", "Northside", TODAY)
    lines = {line.student_name.split()[0]: line for line in roster.students}
    assert {name: line.enrollment_type for name, line in lines.items()} == {
        "Ada": "regular",
        "Dee": "drop_in",
        "Maya": "regular",
        "Tia": "trial",
        "Vic": "makeup",
    }
    assert lines["Maya"].has_medical_notes and lines["Maya"].medical_notes.startswith("Peanut")
    assert not lines["Ada"].has_medical_notes and lines["Ada"].medical_notes == ""
    assert lines["Maya"].unpaid_balance and not lines["Ada"].unpaid_balance
    assert lines["Ada"].future_absence and not lines["Tia"].future_absence
    assert lines["Vic"].attendance == "makeup" and lines["Maya"].attendance is None
    assert roster.unmarked == 4
    assert [line.student_name for line in roster.students] == sorted(
        line.student_name for line in roster.students
    )


def test_the_roster_costs_the_same_queries_for_any_number_of_families(
    engine: Engine, db: Session
) -> None:
    gym = f.family_gym(db)

    def roster_queries(extra: int) -> int:
        for n in range(extra):
            stu = kid(db, f"Kid{extra}x{n}")
            f.enroll(db, stu, gym.cls)
            f.entry(db, db.get(Family, stu.family_id), gym.north, LedgerKind.CHARGE, 1_000)
        db.commit()
        with count_queries(engine) as statements:
            class_roster(db, gym.desk, gym.cls.id, TODAY)
        db.rollback()
        return len(statements)

    assert roster_queries(1) == roster_queries(5)


def test_waitlisted_and_former_students_are_not_on_the_roster(db: Session) -> None:
    gym = f.family_gym(db)
    wes, old, new = kid(db, "Wes"), kid(db, "Old"), kid(db, "New")
    f.enroll(db, wes, gym.cls, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    f.enroll(db, old, gym.cls, status=EnrollmentStatus.DROPPED, end=LAST_TUESDAY)
    f.enroll(db, new, gym.cls, start=NEXT_TUESDAY)
    db.commit()
    names = {
        s.student_name.split()[0] for s in class_roster(db, gym.admin, gym.cls.id, TODAY).students
    }
    assert names == {"Maya", "Ada"}
    last_week = class_roster(db, gym.admin, gym.cls.id, LAST_TUESDAY).students
    assert {s.student_name.split()[0] for s in last_week} == {"Maya", "Ada", "Old"}


def test_a_student_booked_twice_appears_once_as_regular(db: Session) -> None:
    gym = f.family_gym(db)
    f.drop_in(db, gym.maya, gym.cls, TODAY)
    db.commit()
    maya = [
        s
        for s in class_roster(db, gym.desk, gym.cls.id, TODAY).students
        if s.student_id == gym.maya.id
    ]
    assert [m.enrollment_type for m in maya] == ["regular"]


def test_the_roster_answers_staff_of_the_location_and_admins_only(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    assert len(class_roster(db, gym.admin, gym.cls.id, TODAY).students) == 2
    with pytest.raises(AccessDenied):
        class_roster(db, gym.guardian, gym.cls.id, TODAY)
    for class_id in (gym.cls.id, 999_999):
        with pytest.raises(NotFound, match="That class was not found"):
            class_roster(db, gym.south_desk, class_id, TODAY)
    with pytest.raises(ValidationError, match="does not meet on Wed 25 Nov"):
        class_roster(db, gym.desk, gym.cls.id, date(2026, 11, 25))
    with pytest.raises(ValidationError, match="does not meet"):
        class_roster(db, gym.desk, gym.cls.id, date(2027, 1, 5))  # after the term
    for bad in ("1", None, 2.0, True):
        with pytest.raises(ValidationError, match="class"):
            class_roster(db, gym.desk, bad, TODAY)  # type: ignore[arg-type]
    for bad_day in ("2026-11-24", None, datetime(2026, 11, 24, tzinfo=UTC)):
        with pytest.raises(ValidationError, match="date"):
            class_roster(db, gym.desk, gym.cls.id, bad_day)  # type: ignore[arg-type]


# Marking


def test_marking_one_student_inserts_then_updates_one_row(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    line = mark_attendance(db, gym.desk, gym.cls.id, TODAY, gym.maya.id, "absent")
    assert line.attendance == "absent"
    line = mark_attendance(db, gym.desk, gym.cls.id, TODAY, gym.maya.id, "present")
    assert line.attendance == "present"
    assert rows(db) == [(gym.maya.id, gym.cls.id, TODAY, AttendanceStatus.PRESENT)]
    mark = db.scalars(select(Attendance)).one()
    assert mark.marked_by_user_id == gym.desk.user_id and mark.location_id == gym.north.id
    assert mark.enrollment_id is not None
    mark_attendance(db, gym.admin, gym.cls.id, LAST_TUESDAY, gym.maya.id, "excused")
    assert len(rows(db)) == 2
    audited = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert audited == ["attendance.marked"] * 3


def test_a_makeup_visitor_marked_present_counts_as_a_makeup(db: Session) -> None:
    gym = f.family_gym(db)
    visitor = kid(db, "Vic")
    f.enroll(db, visitor, gym.cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    db.commit()
    assert (
        mark_attendance(db, gym.desk, gym.cls.id, TODAY, visitor.id, "present").attendance
        == "makeup"
    )
    assert (
        mark_attendance(db, gym.desk, gym.cls.id, TODAY, visitor.id, "makeup").attendance
        == "makeup"
    )
    with pytest.raises(ValidationError, match="not a makeup visitor"):
        mark_attendance(db, gym.desk, gym.cls.id, TODAY, gym.maya.id, "makeup")


def test_marking_refuses_bad_input(db: Session) -> None:
    gym = f.family_gym(db)
    stranger = kid(db, "Zed")
    db.commit()
    with pytest.raises(ValidationError, match="today or earlier"):
        mark_attendance(db, gym.desk, gym.cls.id, NEXT_TUESDAY, gym.maya.id, "present")
    with pytest.raises(ValidationError, match="not on the roster"):
        mark_attendance(db, gym.desk, gym.cls.id, TODAY, stranger.id, "present")
    with pytest.raises(NotFound, match="student"):
        mark_attendance(db, gym.desk, gym.cls.id, TODAY, 999_999, "present")
    for status in ("late", "", None, 1, "PRESENT "):
        with pytest.raises(ValidationError, match="Choose present"):
            mark_attendance(db, gym.desk, gym.cls.id, TODAY, gym.maya.id, status)  # type: ignore[arg-type]
    for bad in ("1", None, 2.0, True):
        with pytest.raises(ValidationError, match="student"):
            mark_attendance(db, gym.desk, gym.cls.id, TODAY, bad, "present")  # type: ignore[arg-type]
    with pytest.raises(AccessDenied):
        mark_attendance(db, gym.guardian, gym.cls.id, TODAY, gym.maya.id, "present")
    with pytest.raises(NotFound, match="class"):
        mark_attendance(db, gym.south_desk, gym.cls.id, TODAY, gym.maya.id, "present")
    assert rows(db) == []


def test_mark_all_marks_only_those_not_yet_marked(db: Session) -> None:
    gym = f.family_gym(db)
    visitor = kid(db, "Vic")
    f.enroll(db, visitor, gym.cls, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    db.commit()
    mark_attendance(db, gym.desk, gym.cls.id, TODAY, gym.maya.id, "excused")
    assert mark_all(db, gym.desk, gym.cls.id, TODAY, "present") == 2
    assert mark_all(db, gym.desk, gym.cls.id, TODAY, "absent") == 0
    marks = {
        line.student_name.split()[0]: line.attendance
        for line in class_roster(db, gym.desk, gym.cls.id, TODAY).students
    }
    assert marks == {"Maya": "excused", "Ada": "present", "Vic": "makeup"}


def test_mark_all_refuses_bad_input_and_other_actors(db: Session) -> None:
    gym = f.family_gym(db)
    db.commit()
    with pytest.raises(ValidationError, match="one at a time"):
        mark_all(db, gym.desk, gym.cls.id, TODAY, "makeup")
    with pytest.raises(ValidationError, match="Choose present"):
        mark_all(db, gym.desk, gym.cls.id, TODAY, "everyone")
    with pytest.raises(ValidationError, match="today or earlier"):
        mark_all(db, gym.desk, gym.cls.id, NEXT_TUESDAY, "present")
    with pytest.raises(AccessDenied):
        mark_all(db, gym.second, gym.cls.id, TODAY, "present")
    with pytest.raises(NotFound, match="class"):
        mark_all(db, gym.south_desk, gym.cls.id, TODAY, "present")
    assert rows(db) == []
    assert mark_all(db, gym.admin, gym.cls.id, TODAY, "absent") == 2


# Check-in by code


def test_scanning_twice_checks_in_once(db: Session, desk: Desk) -> None:
    gym = desk.base
    code = code_of(db, gym, gym.maya)
    first = check_in_by_code(db, gym.desk, gym.north.id, f"  {code.lower()}\n")
    assert first == CheckInResult(
        "Maya Rivera", "Minnows", "checked_in", "Maya Rivera is checked in to Minnows (9:15 AM)."
    )
    second = check_in_by_code(db, gym.desk, gym.north.id, code)
    assert (second.status, second.message) == (
        "already",
        "Maya Rivera is already checked in to Minnows.",
    )
    assert rows(db) == [(gym.maya.id, desk.morning.id, TODAY, AttendanceStatus.PRESENT)]


def test_a_scan_turns_an_absent_mark_into_present(db: Session, desk: Desk) -> None:
    gym = desk.base
    mark_attendance(db, gym.desk, desk.morning.id, TODAY, gym.maya.id, "absent")
    result = check_in_by_code(db, gym.admin, gym.north.id, code_of(db, gym, gym.maya))
    assert result.status == "checked_in"
    assert rows(db) == [(gym.maya.id, desk.morning.id, TODAY, AttendanceStatus.PRESENT)]


def test_makeup_visitors_and_drop_ins_check_in_too(db: Session, desk: Desk) -> None:
    gym = desk.base
    visitor, drop = kid(db, "Vic"), kid(db, "Dee")
    f.enroll(db, visitor, desk.morning, type=EnrollmentType.MAKEUP, start=TODAY, end=TODAY)
    f.drop_in(db, drop, desk.morning, TODAY)
    db.commit()
    for stu in (visitor, drop):
        assert (
            check_in_by_code(db, gym.desk, gym.north.id, code_of(db, gym, stu)).status
            == "checked_in"
        )
    statuses = {r[0]: r[3] for r in rows(db)}
    assert statuses == {visitor.id: AttendanceStatus.MAKEUP, drop.id: AttendanceStatus.PRESENT}


def test_the_window_opens_30_minutes_before_the_start_and_closes_at_the_end(
    db: Session, desk: Desk
) -> None:
    gym = desk.base
    code = code_of(db, gym, gym.maya)
    # Tumblers (16:00 Chicago = 22:00 UTC): 21:29 UTC is too early, 21:30 and 23:00 are in.
    with clock.frozen_at(datetime(2026, 11, 24, 21, 29, tzinfo=UTC)):
        with pytest.raises(ValidationError) as refused:
            check_in_by_code(db, gym.desk, gym.north.id, code)
        assert refused.value.message == (
            "Maya has no class at Northside right now; next: Tue 4:00 PM."
        )
    with clock.frozen_at(datetime(2026, 11, 24, 21, 30, tzinfo=UTC)):
        assert check_in_by_code(db, gym.desk, gym.north.id, code).class_name == "Tumblers"
    with clock.frozen_at(datetime(2026, 11, 24, 23, 0, tzinfo=UTC)):
        assert check_in_by_code(db, gym.desk, gym.north.id, code).status == "already"
    with (
        clock.frozen_at(datetime(2026, 11, 24, 23, 1, tzinfo=UTC)),
        pytest.raises(ValidationError, match="next: Thu 4:00 PM"),
    ):
        check_in_by_code(db, gym.desk, gym.north.id, code)


def test_no_class_now_names_the_next_meeting_or_none(db: Session, desk: Desk) -> None:
    gym = desk.base
    ada_code = code_of(db, gym, gym.other_student)
    with pytest.raises(ValidationError) as refused:
        check_in_by_code(db, gym.desk, gym.north.id, ada_code)
    assert refused.value.message == "Ada has no class at Northside right now; next: Tue 4:00 PM."
    loner = kid(db, "Lou")
    db.commit()
    with pytest.raises(ValidationError) as refused:
        check_in_by_code(db, gym.admin, gym.south.id, code_of(db, gym, loner))
    assert refused.value.message == "Lou has no class at Southside right now."
    assert rows(db) == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),
        lambda code: code.replace("CW1.", "CW2."),
        lambda code: "",
        lambda code: "CW1.1.AAAAAAAAAAAAAAAAAAAAAAAAA",
        lambda code: code * 5,
        lambda code: "'; DROP TABLE attendance; --",
        lambda code: None,
        lambda code: 12345,
    ],
)
def test_forged_and_malformed_codes_are_refused(db: Session, desk: Desk, mangle) -> None:  # type: ignore[no-untyped-def]
    gym = desk.base
    bad = mangle(code_of(db, gym, gym.maya))
    with pytest.raises(ValidationError) as refused:
        check_in_by_code(db, gym.desk, gym.north.id, bad)
    assert refused.value.message == INVALID_CODE
    assert rows(db) == []


def test_a_student_who_left_cannot_check_in(db: Session, desk: Desk) -> None:
    gym = desk.base
    code = code_of(db, gym, gym.maya)
    gym.maya.is_active = False
    db.commit()
    with pytest.raises(ValidationError, match="Maya is not an active student"):
        check_in_by_code(db, gym.desk, gym.north.id, code)


def test_check_in_is_for_staff_at_their_own_location(db: Session, desk: Desk) -> None:
    gym = desk.base
    code = code_of(db, gym, gym.maya)
    with pytest.raises(AccessDenied):
        check_in_by_code(db, gym.guardian, gym.north.id, code)
    for location_id in (gym.north.id, 999_999):
        with pytest.raises(NotFound, match="That location was not found"):
            check_in_by_code(db, gym.south_desk, location_id, code)
    for bad in ("1", None, 1.0, False):
        with pytest.raises(ValidationError, match="location"):
            check_in_by_code(db, gym.desk, bad, code)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="no class at Southside"):
        check_in_by_code(db, gym.south_desk, gym.south.id, code)
    assert rows(db) == []


def test_two_scanners_at_once_make_one_row(engine: Engine, db: Session, desk: Desk) -> None:
    gym = desk.base
    code = code_of(db, gym, gym.maya)
    db.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def scan(actor: Actor) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                outcomes.append(check_in_by_code(session, actor, gym.north.id, code).status)
            except DomainError as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=scan, args=(actor,)) for actor in (gym.desk, gym.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already", "checked_in"], outcomes
    assert db.scalar(select(func.count()).select_from(Attendance)) == 1
