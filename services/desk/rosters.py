"""Class rosters: who is in one class meeting, found by one query for any number of classes
of a day, so the staff home's rosters and the check-in page's roster are the same list.

Decisions:
- A roster holds regular and trial students whose enrollment covers the day (a student who
  has since left still appears on past days), makeup visits booked for that day, and
  punch-pass drop-ins redeemed for that day. A student appears once, as regular/trial before
  makeup before drop-in.
- Staff and admins only; a class at a location the actor does not see answers like a
  missing one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from data.models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    LedgerAllocation,
    LedgerEntry,
    Location,
    PassRedemption,
    Student,
)
from services.kernel.access import Actor, can_see_location, require_staff
from services.kernel.closure_days import is_closed
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.schedule import meets_on
from services.kernel.validation import require_id
from services.makeups.wording import require_day, short_day

DROP_IN = "drop_in"


@dataclass(frozen=True)
class RosterLine:
    """One student on a class meeting's roster, as the staff home lists it."""

    student_id: int
    student_name: str
    enrollment_type: str  # regular, trial, makeup or drop_in
    has_medical_notes: bool
    attendance: str | None  # the meeting's AttendanceStatus value once marked


@dataclass(frozen=True)
class RosterStudent(RosterLine):
    """A roster line with what the check-in page needs besides the name."""

    family_id: int
    medical_notes: str  # allergies and medical flags, as the family wrote them
    unpaid_balance: bool  # the family has charges not covered by payments or credits
    future_absence: bool  # the family reported this meeting as missed
    enrollment_id: int | None  # None for a drop-in


@dataclass(frozen=True)
class Roster:
    class_id: int
    class_name: str
    location_id: int
    location_name: str
    day: date
    start_time: time
    end_time: time
    instructor: str
    capacity: int
    students: tuple[RosterStudent, ...]

    @property
    def unmarked(self) -> int:
        return sum(1 for s in self.students if s.attendance is None)


@dataclass(frozen=True)
class _Meeting:
    cls: GymClass
    location: Location
    day: date


def class_roster(db: Session, actor: Actor, class_id: int, day: date) -> Roster:
    """One meeting's roster; a class at a location the actor does not see answers like a
    missing one."""
    meeting = _meeting_for(db, actor, class_id, day)
    return _roster(db, meeting)


def _meeting_for(db: Session, actor: Actor, class_id: object, day: object) -> _Meeting:
    require_staff(actor)
    require_id(class_id, "class")
    day = require_day(day, "class date")
    row = db.execute(
        select(GymClass, Location)
        .join(Location, Location.id == GymClass.location_id)
        .where(GymClass.id == class_id)
    ).first()
    if row is None or not can_see_location(actor, row.GymClass.location_id):
        raise NotFound("class")
    cls, location = row.GymClass, row.Location
    if not cls.is_active or not meets_on(slot_of(cls, location.timezone), day):
        raise ValidationError(f"{cls.name} does not meet on {short_day(day)}.")
    if is_closed(db, cls.location_id, day):
        raise ValidationError(f"{location.name} is closed on {short_day(day)}: no class meets.")
    return _Meeting(cls=cls, location=location, day=day)


def _roster(db: Session, meeting: _Meeting) -> Roster:
    cls = meeting.cls
    return Roster(
        class_id=cls.id,
        class_name=cls.name,
        location_id=meeting.location.id,
        location_name=meeting.location.name,
        day=meeting.day,
        start_time=cls.start_time,
        end_time=cls.end_time,
        instructor=cls.instructor_name,
        capacity=cls.capacity,
        students=tuple(_lines(db, meeting)),
    )


def _line_of(db: Session, meeting: _Meeting, student_id: int) -> RosterStudent:
    lines = _lines(db, meeting, student_id)
    if not lines:
        if db.get(Student, student_id) is None:
            raise NotFound("student")
        raise ValidationError(
            f"That student is not on the roster of {meeting.cls.name} on {short_day(meeting.day)}."
        )
    return lines[0]


def roster_lines(db: Session, class_ids: Sequence[int], day: date) -> dict[int, list[RosterLine]]:
    """The rosters of several classes meeting on `day`, in one query (the staff home's)."""
    return {
        class_id: [RosterLine(**_line_fields(seat)) for seat in seats]
        for class_id, seats in _seated(db, class_ids, day).items()
    }


def on_roster(day: date | ColumnElement[date]) -> ColumnElement[bool]:
    """The enrollments that put a student on their class's roster on `day` (a date, or a
    column for queries over several days): a regular or trial place covering it, or a makeup
    visit booked for it (the module's rule; drop-ins are pass redemptions)."""
    covering = and_(
        Enrollment.type.in_((EnrollmentType.REGULAR, EnrollmentType.TRIAL)),
        Enrollment.status != EnrollmentStatus.WAITLISTED,
        Enrollment.start_date <= day,
        or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
    )
    visiting = and_(
        Enrollment.type == EnrollmentType.MAKEUP,
        Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
        Enrollment.start_date == day,
    )
    return or_(covering, visiting)


@dataclass(frozen=True)
class _Seat:
    """One student on one roster, with what the query found about them that day."""

    student: Student
    kind: str  # an EnrollmentType value or DROP_IN
    enrollment_id: int | None  # None for a drop-in
    attendance: AttendanceStatus | None
    future_absence: bool


def _seated(
    db: Session, class_ids: Sequence[int], day: date, student_id: int | None = None
) -> dict[int, list[_Seat]]:
    """Class id → the students on its roster on `day` (the module's rule), by name: one query
    whatever the number of classes and students (places and drop-ins, their students, marks
    and reported absences)."""
    if not class_ids:
        return {}
    kind = case(
        *((Enrollment.type == t, t.value) for t in (EnrollmentType.REGULAR, EnrollmentType.TRIAL)),
        else_=EnrollmentType.MAKEUP.value,
    )
    enrolled = select(
        Enrollment.class_id.label("class_id"),
        Enrollment.student_id.label("student_id"),
        kind.label("kind"),
        case((Enrollment.type == EnrollmentType.MAKEUP, 1), else_=0).label("rank"),
        Enrollment.id.label("enrollment_id"),
    ).where(Enrollment.class_id.in_(class_ids), on_roster(day), *_one(Enrollment, student_id))
    dropped_in = select(
        PassRedemption.class_id,
        PassRedemption.student_id,
        literal(DROP_IN),
        literal(2),
        cast(null(), Integer),
    ).where(
        PassRedemption.class_id.in_(class_ids),
        PassRedemption.class_date == day,
        *_one(PassRedemption, student_id),
    )
    seats = union_all(enrolled, dropped_in).subquery("seats")
    absent = (
        select(FutureAbsence.id)
        .where(
            FutureAbsence.student_id == seats.c.student_id,
            FutureAbsence.class_id == seats.c.class_id,
            FutureAbsence.class_date == day,
            FutureAbsence.cancelled_at.is_(None),
        )
        .exists()
    )
    rows = db.execute(
        select(seats, Student, Attendance.status, absent.label("future_absence"))
        .join(Student, Student.id == seats.c.student_id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.student_id == seats.c.student_id,
                Attendance.class_id == seats.c.class_id,
                Attendance.class_date == day,
            ),
        )
        .order_by(
            Student.first_name,
            Student.last_name,
            Student.id,
            seats.c.rank,  # regular/trial before makeup before drop-in, then the newest place
            seats.c.enrollment_id.desc(),
        )
    ).all()
    found: dict[int, list[_Seat]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for row in rows:
        if (row.class_id, row.student_id) in seen:
            continue  # a student is on a roster once
        seen.add((row.class_id, row.student_id))
        found[row.class_id].append(
            _Seat(row.Student, row.kind, row.enrollment_id, row.status, bool(row.future_absence))
        )
    return found


def _line_fields(seat: _Seat) -> dict[str, Any]:
    """The RosterLine fields, for the staff home's lines and the check-in page's."""
    return {
        "student_id": seat.student.id,
        "student_name": f"{seat.student.first_name} {seat.student.last_name}",
        "enrollment_type": seat.kind,
        "has_medical_notes": bool(seat.student.medical_notes.strip()),
        "attendance": seat.attendance.value if seat.attendance else None,
    }


def _one(model: Any, student_id: int | None) -> list[ColumnElement[bool]]:
    return [] if student_id is None else [model.student_id == student_id]


def _lines(db: Session, meeting: _Meeting, student_id: int | None = None) -> list[RosterStudent]:
    """Two queries whatever the roster's size: the roster and the unpaid balances of the
    families on it."""
    seats = _seated(db, [meeting.cls.id], meeting.day, student_id).get(meeting.cls.id, [])
    unpaid = _families_with_unpaid_balance(db, {seat.student.family_id for seat in seats})
    return _students(seats, unpaid)


def _students(seats: Sequence[_Seat], unpaid: set[int]) -> list[RosterStudent]:
    """The check-in page's lines of seats, given the families with an unpaid balance."""
    return [
        RosterStudent(
            **_line_fields(seat),
            family_id=seat.student.family_id,
            medical_notes=seat.student.medical_notes.strip(),
            unpaid_balance=seat.student.family_id in unpaid,
            future_absence=seat.future_absence,
            enrollment_id=seat.enrollment_id,
        )
        for seat in seats
    ]


def _families_with_unpaid_balance(db: Session, family_ids: set[int]) -> set[int]:
    """Families with outstanding charges (services.billing.ledger's definition), in one query."""
    if not family_ids:
        return set()
    allocated = (
        select(
            LedgerAllocation.to_entry_id.label("entry_id"),
            func.sum(LedgerAllocation.amount_cents).label("cents"),
        )
        .where(LedgerAllocation.family_id.in_(family_ids))
        .group_by(LedgerAllocation.to_entry_id)
        .subquery()
    )
    open_part = LedgerEntry.amount_cents - func.coalesce(allocated.c.cents, 0)
    return set(
        db.scalars(
            select(LedgerEntry.family_id)
            .outerjoin(allocated, allocated.c.entry_id == LedgerEntry.id)
            .where(LedgerEntry.family_id.in_(family_ids), LedgerEntry.is_debit.is_(True))
            .group_by(LedgerEntry.family_id)
            .having(func.sum(open_part) > 0)
        )
    )
