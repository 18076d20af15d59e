"""Enrolling a student from the desk: a regular place from a class date or a one-day trial,
and filling a seat that opened from the class's waitlist ("Enroll next").

Both go through the rules every other path into a class shares (services.classes
.enrollment_changes and .capacity): the class lock and `require_seat`, no second place in a
class, ended places closed first (`make_way_back`). Staff only: parents join waitlists, drop
and transfer, but a new place is given at the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.models import Enrollment, EnrollmentStatus, EnrollmentType, GymClass, Student
from services.classes.capacity import lock_class, require_seat
from services.classes.enrollment_changes import (
    _coming_class_date,
    _open_class_days,
    _open_days,
    _require_not_in_class,
    _say_date,
    _visible_class,
)
from services.classes.enrollments import EnrollmentView, _views
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.closure_days import is_closed
from services.kernel.errors import ValidationError
from services.kernel.outbox import enqueue_email
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.messages.guardian_addresses import primary_recipient

REGULAR, TRIAL = "regular", "trial"
FULL = "That class is full. You can put the student on its waitlist instead."
IN_CLASS = "That student is already in that class or on its waitlist."


@dataclass(frozen=True)
class WaitlistEntry:
    enrollment_id: int
    position: int
    student_id: int
    student_name: str
    joined_on: date


def enroll_student(
    db: Session,
    actor: Actor,
    student_id: object,
    class_id: object,
    start_date: object,
    kind: object = REGULAR,
) -> EnrollmentView:
    """Staff at the class's location (admins anywhere): a regular place from `start_date`
    (a class date that has not started), or a trial on that one date."""
    require_staff(actor)
    if kind not in (REGULAR, TRIAL):
        raise ValidationError("Choose a regular place or a one-day trial.")
    require_id(class_id, "class")
    with write_transaction(db, conflict=IN_CLASS):
        student = student_in_reach(db, actor, student_id)
        cls, slot = _visible_class(db, actor, class_id)
        day = _coming_class_date(slot, cls.name, start_date)
        if is_closed(db, cls.location_id, day):
            raise ValidationError(
                f"{cls.name} does not meet on {_say_date(day)}: the location is closed that day."
            )
        if not student.is_active:
            raise ValidationError(f"{student.first_name} is not an active student.")
        _require_age(student, cls, day)
        lock_class(db, cls.id)
        _require_not_in_class(db, student, cls, clock.today_in(slot.timezone))
        require_seat(db, cls.id, day, ongoing=True, full=FULL)
        place = Enrollment(
            student_id=student.id,
            class_id=cls.id,
            type=EnrollmentType.TRIAL if kind == TRIAL else EnrollmentType.REGULAR,
            status=EnrollmentStatus.ACTIVE,
            start_date=day,
            end_date=day if kind == TRIAL else None,
            created_at=clock.now(),
        )
        db.add(place)
        db.flush()
        place_id = place.id
        audit.record(
            db,
            actor,
            "enrollment.enrolled",
            entity="enrollment",
            entity_id=place_id,
            family_id=student.family_id,
            details={"class_id": cls.id, "type": kind, "start_date": day.isoformat()},
        )
    return _views(db, actor, Enrollment.id == place_id)[0][0]


def class_waitlist(db: Session, actor: Actor, class_id: object) -> list[WaitlistEntry]:
    """Staff at the class's location: its waitlist, first in line first."""
    require_staff(actor)
    cls, _ = _visible_class(db, actor, class_id)
    rows = db.execute(
        select(Enrollment, Student.first_name, Student.last_name)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Enrollment.class_id == cls.id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(Enrollment.waitlist_position, Enrollment.id)
    ).all()
    return [
        WaitlistEntry(
            enrollment_id=row.Enrollment.id,
            position=row.Enrollment.waitlist_position or 0,
            student_id=row.Enrollment.student_id,
            student_name=f"{row.first_name} {row.last_name}",
            joined_on=row.Enrollment.start_date,
        )
        for row in rows
    ]


def enroll_next(db: Session, actor: Actor, class_id: object) -> EnrollmentView:
    """Staff: give the first student on the waitlist a regular place from the class's next
    meeting, move everyone behind them up one, and e-mail the family (one transaction). The
    class's age range is checked as for a direct enrollment."""
    require_staff(actor)
    with write_transaction(db):
        cls, slot = _visible_class(db, actor, class_id)
        days = _open_class_days(cls, slot, clock.today_in(slot.timezone), slot.term_end)
        open_days = _open_days(db, cls.location_id, days)
        if not open_days:
            raise ValidationError(f"{cls.name} has no classes left this term.")
        day = open_days[0]
        require_seat(db, cls.id, day, ongoing=True, full="That class has no open seat yet.")
        first = db.scalar(
            select(Enrollment)
            .where(Enrollment.class_id == cls.id, Enrollment.status == EnrollmentStatus.WAITLISTED)
            .order_by(Enrollment.waitlist_position, Enrollment.id)
            .limit(1)
        )
        if first is None:
            raise ValidationError(f"Nobody is on the waitlist for {cls.name}.")
        student = db.get(Student, first.student_id)
        assert student is not None  # the foreign key
        # The same age rule as a direct enrollment (no override there either); the line
        # does not skip them silently: the desk decides about the first in line.
        _require_age(
            student,
            cls,
            day,
            then=f" Take {student.first_name} off the waitlist, or change the class's age "
            "range, to enroll the next student.",
        )
        position = first.waitlist_position
        first.status, first.waitlist_position = EnrollmentStatus.ACTIVE, None
        first.start_date, first.type = day, EnrollmentType.REGULAR
        db.flush()
        db.execute(
            update(Enrollment)
            .where(
                Enrollment.class_id == cls.id,
                Enrollment.status == EnrollmentStatus.WAITLISTED,
                Enrollment.waitlist_position > (position or 0),
            )
            .values(waitlist_position=Enrollment.waitlist_position - 1)
            .execution_options(synchronize_session=False)
        )
        audit.record(
            db,
            actor,
            "enrollment.waitlist_promoted",
            entity="enrollment",
            entity_id=first.id,
            family_id=student.family_id,
            details={"class_id": cls.id, "start_date": day.isoformat(), "position": position},
        )
        _tell_family(db, student, cls, day)
        place_id = first.id
    return _views(db, actor, Enrollment.id == place_id)[0][0]


def _require_age(student: Student, cls: GymClass, day: date, *, then: str = "") -> None:
    """The student's age in whole years on the first class must be in the class's range
    (`then` is appended to the refusal)."""
    before_birthday = (day.month, day.day) < (student.birth_date.month, student.birth_date.day)
    age = day.year - student.birth_date.year - before_birthday
    too_young = cls.min_age is not None and age < cls.min_age
    if too_young or (cls.max_age is not None and age > cls.max_age):
        raise ValidationError(
            f"{cls.name} is for ages {_ages(cls)}; {student.first_name} is {age}.{then}"
        )


def _ages(cls: GymClass) -> str:
    if cls.max_age is None:
        return f"{cls.min_age} and up"
    if cls.min_age is None:
        return f"up to {cls.max_age}"
    return f"{cls.min_age} to {cls.max_age}"


def _tell_family(db: Session, student: Student, cls: GymClass, day: date) -> None:
    """Queue the good news to the primary guardian (nothing when no address is on file)."""
    recipient = primary_recipient(db, student.family_id)
    if recipient is None:
        return
    address, first_name = recipient
    business = get_settings(db).business_name
    enqueue_email(
        db,
        to_address=address,
        subject=f"{business}: {student.first_name} has a place in {cls.name}",
        body_text=(
            f"Hello {first_name},\n\nA seat opened in {cls.name} and {student.first_name} "
            f"was next on the waitlist, so {student.first_name} now has a place, starting "
            f"{_say_date(day)}.\n\nYou can see the class on the Students page of the family "
            "portal. If the place is no longer wanted, please tell the front desk.\n"
        ),
        kind="waitlist_promoted",
        family_id=student.family_id,
    )
