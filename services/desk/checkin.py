"""The QR check-in box at the desk (a USB scanner types the code and Enter): the student of a
scanned code is marked present in their class meeting happening now. Staff and admins only.

Decisions:
- Check-in by code accepts the student during a meeting's window: 30 minutes before it
  starts until it ends, in the location's time zone. A second scan answers "already" and
  leaves the one attendance row alone; a scan after staff marked the student absent or
  excused turns the mark into present (the child is at the desk).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from data.models import (
    AttendanceStatus,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    Location,
    PassRedemption,
    Student,
)
from services.desk.checkin_codes import code_holder, read_checkin_code
from services.desk.roster_marks import _attended, _audit, _Mark, _stored_status, _upsert
from services.desk.rosters import RosterStudent, _lines, _Meeting
from services.kernel import clock
from services.kernel.access import Actor, can_see_location, require_staff
from services.kernel.closure_days import closed_days, open_on
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
from services.makeups.wording import clock_time, short_day

EARLY_CHECKIN = timedelta(minutes=30)
NEXT_MEETING_HORIZON = timedelta(days=28)
INVALID_CODE = "That code is not a Cartwheel check-in code."


@dataclass(frozen=True)
class CheckInResult:
    student_name: str
    class_name: str
    status: str  # 'checked_in' or 'already'
    message: str


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
            open_on(GymClass.location_id, today),
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
    closed = closed_days(db, [location.id], today, last)
    starts: list[datetime] = []
    for cls, kind, start_date, end_date in rows:
        slot = slot_of(cls, location.timezone)
        if kind is EnrollmentType.MAKEUP:
            days = [start_date] if meets_on(slot, start_date) else []
        else:
            days = list(meeting_dates(slot, max(today, start_date), min(last, end_date or last)))
        starts.extend(meeting_start(slot, d) for d in days if not closed.closed(location.id, d))
    for cls, day in drop_ins:
        if not closed.closed(location.id, day):
            starts.append(meeting_start(slot_of(cls, location.timezone), day))
    return min((s for s in starts if s > now), default=None)
