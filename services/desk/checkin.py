"""Rosters and check-in at the desk: one class meeting's roster, marking attendance, and the
QR check-in box (a USB scanner types the code and Enter). Staff and admins only.

Decisions:
- A roster holds regular and trial students whose enrollment covers the day (a student who
  has since left still appears on past days), makeup visits booked for that day, and
  punch-pass drop-ins redeemed for that day. A student appears once, as regular/trial before
  makeup before drop-in.
- A makeup visitor marked present is stored as `makeup` (so analytics count an owed lesson
  as given); `makeup` may not be chosen for anyone else. Drop-ins are plain `present`.
- Attendance can be marked for today and earlier meetings, never for a later day (the day is
  the location's own date).
- Check-in by code accepts the student during a meeting's window: 30 minutes before it
  starts until it ends, in the location's time zone. A second scan answers "already" and
  leaves the one attendance row alone; a scan after staff marked the student absent or
  excused turns the mark into present (the child is at the desk).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
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
from services.classes.attendance_rate import ATTENDED
from services.desk.checkin_codes import code_holder, read_checkin_code
from services.desk.staff_home import RosterLine
from services.kernel import audit, clock
from services.kernel.access import Actor, can_see_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.schedule import (
    WEEKDAY_NAMES,
    meeting_dates,
    meeting_end,
    meeting_start,
    meets_on,
)
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.wording import clock_time, require_day, short_day

EARLY_CHECKIN = timedelta(minutes=30)
NEXT_MEETING_HORIZON = timedelta(days=28)
DROP_IN = "drop_in"
INVALID_CODE = "That code is not a Cartwheel check-in code."
_KIND_ORDER = {EnrollmentType.REGULAR.value: 0, EnrollmentType.TRIAL.value: 0}
_KIND_ORDER |= {EnrollmentType.MAKEUP.value: 1, DROP_IN: 2}


@dataclass(frozen=True)
class RosterStudent(RosterLine):
    """A roster line with what the desk needs besides the name (`enrollment_type` may also
    be 'drop_in')."""

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
class CheckInResult:
    student_name: str
    class_name: str
    status: str  # 'checked_in' or 'already'
    message: str


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


def mark_attendance(
    db: Session, actor: Actor, class_id: int, day: date, student_id: int, status: str
) -> RosterStudent:
    """Mark (or re-mark) one student on the roster of a meeting up to today."""
    require_staff(actor)
    wanted = _require_status(status)
    require_id(student_id, "student")
    with write_transaction(db):
        meeting = _meeting_for(db, actor, class_id, day)
        _require_not_future(meeting)
        line = _line_of(db, meeting, student_id)
        mark = _Mark(actor, meeting, line, _stored_status(line, wanted))
        _upsert(db, mark, keep_attended=False)
        _audit(db, mark, "attendance.marked")
    return _line_of(db, meeting, student_id)


def mark_all(db: Session, actor: Actor, class_id: int, day: date, status: str) -> int:
    """Mark everyone on the roster not yet marked; the number marked."""
    require_staff(actor)
    wanted = _require_status(status)
    if wanted is AttendanceStatus.MAKEUP:
        raise ValidationError("Mark makeup visitors one at a time; choose present for all.")
    with write_transaction(db):
        meeting = _meeting_for(db, actor, class_id, day)
        _require_not_future(meeting)
        marked = 0
        for line in _roster(db, meeting).students:
            if line.attendance is None and _insert(
                db, _Mark(actor, meeting, line, _stored_status(line, wanted))
            ):
                marked += 1
        audit.record(
            db,
            actor,
            "attendance.marked_all",
            entity="class",
            entity_id=meeting.cls.id,
            details={
                "class_date": meeting.day.isoformat(),
                "status": wanted.value,
                "count": marked,
            },
        )
    return marked


def check_in_by_code(db: Session, actor: Actor, location_id: int, code: str) -> CheckInResult:
    """Mark the student of a scanned code present in their class meeting happening now."""
    require_staff(actor)
    location = _location_for(db, actor, location_id)
    claim = read_checkin_code(code)
    if claim is None:
        raise ValidationError(INVALID_CODE)
    with write_transaction(db):
        student = code_holder(db, claim)
        if student is None:
            raise ValidationError(INVALID_CODE)
        if not student.is_active:
            raise ValidationError(f"{student.first_name} is not an active student.")
        name = f"{student.first_name} {student.last_name}"
        meeting, line = _meeting_now(db, location, student)
        already = CheckInResult(
            name,
            meeting.cls.name,
            "already",
            f"{name} is already checked in to {meeting.cls.name}.",
        )
        if _attended(line):
            return already
        mark = _Mark(actor, meeting, line, _stored_status(line, AttendanceStatus.PRESENT))
        if not _upsert(db, mark, keep_attended=True):
            return already
        _audit(db, mark, "attendance.checked_in")
    return CheckInResult(
        name,
        meeting.cls.name,
        "checked_in",
        f"{name} is checked in to {meeting.cls.name} ({clock_time(meeting.cls.start_time)}).",
    )


# Finding the meeting


def _location_for(db: Session, actor: Actor, location_id: object) -> Location:
    location = db.get(Location, require_id(location_id, "location"))
    if location is None or not can_see_location(actor, location.id):
        raise NotFound("location")
    return location


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
    return _Meeting(cls=cls, location=location, day=day)


def _require_not_future(meeting: _Meeting) -> None:
    if meeting.day > clock.today_in(meeting.location.timezone):
        raise ValidationError("Attendance can only be marked for today or earlier meetings.")


def _require_status(status: object) -> AttendanceStatus:
    if isinstance(status, str):
        try:
            return AttendanceStatus(status)
        except ValueError:
            pass
    raise ValidationError("Choose present, absent, excused or makeup.")


def _stored_status(line: RosterStudent, wanted: AttendanceStatus) -> AttendanceStatus:
    is_makeup = line.enrollment_type == EnrollmentType.MAKEUP.value
    if is_makeup and wanted is AttendanceStatus.PRESENT:
        return AttendanceStatus.MAKEUP
    if wanted is AttendanceStatus.MAKEUP and not is_makeup:
        raise ValidationError(f"{line.student_name} is not a makeup visitor in this class.")
    return wanted


def _attended(line: RosterStudent) -> bool:
    return line.attendance in {s.value for s in ATTENDED}


def _meeting_now(
    db: Session, location: Location, student: Student
) -> tuple[_Meeting, RosterStudent]:
    """The student's meeting at the location whose check-in window holds now; one not yet
    attended first, then the earliest."""
    now = clock.now()
    today = clock.today_in(location.timezone)
    classes = db.scalars(
        select(GymClass).where(
            GymClass.location_id == location.id,
            GymClass.weekday == today.weekday(),
            GymClass.is_active.is_(True),
            GymClass.term_start <= today,
            GymClass.term_end >= today,
        )
    ).all()
    candidates: list[tuple[_Meeting, RosterStudent]] = []
    for cls in classes:
        slot = slot_of(cls, location.timezone)
        if meeting_start(slot, today) - EARLY_CHECKIN <= now <= meeting_end(slot, today):
            meeting = _Meeting(cls=cls, location=location, day=today)
            lines = _lines(db, meeting, student.id)
            if lines:
                candidates.append((meeting, lines[0]))
    if not candidates:
        raise ValidationError(_no_class_now(db, location, student, now))
    candidates.sort(key=lambda c: (_attended(c[1]), c[0].cls.start_time))
    return candidates[0]


def _no_class_now(db: Session, location: Location, student: Student, now: datetime) -> str:
    message = f"{student.first_name} has no class at {location.name} right now"
    upcoming = _next_meeting(db, location, student, now)
    if upcoming is None:
        return f"{message}."
    local = upcoming.astimezone(ZoneInfo(location.timezone))
    days_away = (local.date() - clock.today_in(location.timezone)).days
    when = WEEKDAY_NAMES[local.weekday()][:3] if days_away < 7 else short_day(local.date()) + ","
    return f"{message}; next: {when} {clock_time(local.time())}."


def _next_meeting(
    db: Session, location: Location, student: Student, now: datetime
) -> datetime | None:
    """The start of the student's next meeting at the location (enrollment, makeup visit or
    drop-in) within the next four weeks."""
    today = clock.today_in(location.timezone)
    last = today + NEXT_MEETING_HORIZON
    rows = db.execute(
        select(GymClass, Enrollment.type, Enrollment.start_date, Enrollment.end_date)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .where(
            GymClass.location_id == location.id,
            GymClass.is_active.is_(True),
            Enrollment.student_id == student.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today),
        )
    ).all()
    drop_ins = db.execute(
        select(GymClass, PassRedemption.class_date)
        .join(PassRedemption, PassRedemption.class_id == GymClass.id)
        .where(
            GymClass.location_id == location.id,
            PassRedemption.student_id == student.id,
            PassRedemption.class_date.between(today, last),
        )
    ).all()
    starts: list[datetime] = []
    for cls, kind, start_date, end_date in rows:
        slot = slot_of(cls, location.timezone)
        if kind is EnrollmentType.MAKEUP:
            days = [start_date] if meets_on(slot, start_date) else []
        else:
            days = list(meeting_dates(slot, max(today, start_date), min(last, end_date or last)))
        starts.extend(meeting_start(slot, d) for d in days)
    for cls, day in drop_ins:
        starts.append(meeting_start(slot_of(cls, location.timezone), day))
    return min((s for s in starts if s > now), default=None)


# The roster


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


def _lines(db: Session, meeting: _Meeting, student_id: int | None = None) -> list[RosterStudent]:
    """Five queries whatever the roster's size: places, drop-ins, students with their marks
    and absences, and the unpaid balances of their families."""
    places = _places(db, meeting, student_id)
    if not places:
        return []
    absent = (
        select(FutureAbsence.id)
        .where(
            FutureAbsence.student_id == Student.id,
            FutureAbsence.class_id == meeting.cls.id,
            FutureAbsence.class_date == meeting.day,
            FutureAbsence.cancelled_at.is_(None),
        )
        .exists()
    )
    students = db.execute(
        select(Student, Attendance.status, absent.label("future_absence"))
        .outerjoin(
            Attendance,
            and_(
                Attendance.student_id == Student.id,
                Attendance.class_id == meeting.cls.id,
                Attendance.class_date == meeting.day,
            ),
        )
        .where(Student.id.in_(places))
        .order_by(Student.first_name, Student.last_name, Student.id)
    ).all()
    unpaid = _families_with_unpaid_balance(db, {row.Student.family_id for row in students})
    return [
        RosterStudent(
            student_id=stu.id,
            student_name=f"{stu.first_name} {stu.last_name}",
            enrollment_type=places[stu.id][0],
            has_medical_notes=bool(stu.medical_notes.strip()),
            attendance=status.value if status else None,
            family_id=stu.family_id,
            medical_notes=stu.medical_notes.strip(),
            unpaid_balance=stu.family_id in unpaid,
            future_absence=bool(future_absence),
            enrollment_id=places[stu.id][1],
        )
        for stu, status, future_absence in students
    ]


def _places(
    db: Session, meeting: _Meeting, student_id: int | None
) -> dict[int, tuple[str, int | None]]:
    """Student id → (kind, enrollment id) for everyone in the meeting."""
    day = meeting.day
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
    enrolled = select(Enrollment.student_id, Enrollment.type, Enrollment.id).where(
        Enrollment.class_id == meeting.cls.id,
        or_(covering, visiting),
        *_one(Enrollment, student_id),
    )
    dropped_in = select(PassRedemption.student_id).where(
        PassRedemption.class_id == meeting.cls.id,
        PassRedemption.class_date == day,
        *_one(PassRedemption, student_id),
    )
    found = [(sid, kind.value, eid) for sid, kind, eid in db.execute(enrolled)]
    found += [(sid, DROP_IN, None) for sid in db.scalars(dropped_in)]
    places: dict[int, tuple[str, int | None]] = {}
    for sid, kind, eid in sorted(found, key=lambda p: (_KIND_ORDER[p[1]], -(p[2] or 0))):
        places.setdefault(sid, (kind, eid))
    return places


def _one(model: Any, student_id: int | None) -> list[ColumnElement[bool]]:
    return [] if student_id is None else [model.student_id == student_id]


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


# Writing marks


@dataclass(frozen=True)
class _Mark:
    """One attendance mark to write: who marks which roster line of which meeting, how."""

    actor: Actor
    meeting: _Meeting
    line: RosterStudent
    status: AttendanceStatus


def _upsert(db: Session, mark: _Mark, *, keep_attended: bool) -> bool:
    """Update the mark, else insert it; an insert that loses a race updates the winner's row.
    With `keep_attended`, a present or makeup mark is left alone. True when a row changed."""
    if _update(db, mark, keep_attended=keep_attended):
        return True
    return _insert(db, mark) or _update(db, mark, keep_attended=keep_attended)


def _update(db: Session, mark: _Mark, *, keep_attended: bool) -> bool:
    query = update(Attendance).where(
        Attendance.student_id == mark.line.student_id,
        Attendance.class_id == mark.meeting.cls.id,
        Attendance.class_date == mark.meeting.day,
    )
    if keep_attended:
        query = query.where(Attendance.status.not_in(ATTENDED))
    result = db.execute(
        query.values(
            status=mark.status, marked_at=clock.now(), marked_by_user_id=mark.actor.user_id
        ).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _insert(db: Session, mark: _Mark) -> bool:
    """Insert the mark unless one exists (a concurrent writer's row wins); True if inserted."""
    try:
        with db.begin_nested():
            db.execute(
                insert(Attendance).values(
                    student_id=mark.line.student_id,
                    class_id=mark.meeting.cls.id,
                    location_id=mark.meeting.cls.location_id,
                    enrollment_id=mark.line.enrollment_id,
                    class_date=mark.meeting.day,
                    status=mark.status,
                    marked_at=clock.now(),
                    marked_by_user_id=mark.actor.user_id,
                )
            )
    except IntegrityError:
        return False
    return True


def _audit(db: Session, mark: _Mark, action: str) -> None:
    audit.record(
        db,
        mark.actor,
        action,
        entity="student",
        entity_id=mark.line.student_id,
        family_id=mark.line.family_id,
        details={
            "class_id": mark.meeting.cls.id,
            "class_date": mark.meeting.day.isoformat(),
            "status": mark.status.value,
        },
    )
