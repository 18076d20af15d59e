"""Marking attendance on a roster: one student, a whole roster's form in one save, or
everyone not yet marked, for a meeting up to today, and the attendance rows the check-in box
writes too. Staff and admins only.

Decisions:
- A makeup visitor marked present is stored as `makeup` (so analytics count an owed lesson
  as given); `makeup` may not be chosen for anyone else. Drop-ins are plain `present`.
- Attendance can be marked for today and earlier meetings, never for a later day (the day is
  the location's own date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import Attendance, AttendanceStatus, EnrollmentType
from services.classes.attendance_rate import ATTENDED
from services.desk.rosters import RosterStudent, _line_of, _Meeting, _meeting_for, _roster
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.errors import ValidationError
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

MAX_MARKS = 500  # a roster's form; far above any class's capacity


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


def mark_roster(
    db: Session, actor: Actor, class_id: int, day: date, marks: Mapping[int, str]
) -> int:
    """Save a whole roster's form at once: student id → status, each one a mark or re-mark
    like mark_attendance, in one transaction (one bad line writes nothing). The number of
    marks that changed."""
    require_staff(actor)
    if not isinstance(marks, Mapping) or not marks:
        raise ValidationError("Choose present, absent or excused for at least one student.")
    if len(marks) > MAX_MARKS:
        raise ValidationError(f"Save at most {MAX_MARKS} marks at once.")
    wanted = {require_id(sid, "student"): _require_status(v) for sid, v in marks.items()}
    with write_transaction(db):
        meeting = _meeting_for(db, actor, class_id, day)
        _require_not_future(meeting)
        lines = {line.student_id: line for line in _roster(db, meeting).students}
        changed = 0
        for student_id, status in wanted.items():
            line = lines.get(student_id) or _line_of(db, meeting, student_id)
            mark = _Mark(actor, meeting, line, _stored_status(line, status))
            if line.attendance == mark.status.value:
                continue  # unchanged: no write, no audit entry
            _upsert(db, mark, keep_attended=False)
            _audit(db, mark, "attendance.marked")
            changed += 1
    return changed


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
