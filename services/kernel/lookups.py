"""Loading one record the actor may reach; anything else answers like a missing record.

Guardians reach their own family's records; staff and admin reach any family's (the
location checks for staff happen where a location is involved).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment, Guardian, GymClass, Location, Student
from services.kernel.access import Actor, require_family
from services.kernel.errors import NotFound
from services.kernel.schedule import WeeklySlot
from services.kernel.validation import require_id


def student_for(db: Session, actor: Actor, student_id: object) -> Student:
    student = db.get(Student, require_id(student_id, "student"))
    if student is None:
        raise NotFound("student")
    _require_reach(actor, student.family_id, "student")
    return student


def enrollment_for(db: Session, actor: Actor, enrollment_id: object) -> Enrollment:
    """An enrollment of one of the actor's family's students."""
    enrollment = db.get(Enrollment, require_id(enrollment_id, "enrollment"))
    if enrollment is None:
        raise NotFound("enrollment")
    family_id = db.scalar(select(Student.family_id).where(Student.id == enrollment.student_id))
    _require_reach(actor, family_id or 0, "enrollment")
    return enrollment


def guardian_for(db: Session, actor: Actor, guardian_id: object) -> Guardian:
    """A guardian of the actor's family (staff: of any family)."""
    guardian = db.get(Guardian, require_id(guardian_id, "guardian"))
    if guardian is None:
        raise NotFound("guardian")
    _require_reach(actor, guardian.family_id, "guardian")
    return guardian


def _require_reach(actor: Actor, family_id: int, what: str) -> None:
    """Another family's record answers like a missing `what`, not like a missing family."""
    try:
        require_family(actor, family_id)
    except NotFound:
        raise NotFound(what) from None


def class_with_slot(db: Session, class_id: object) -> tuple[GymClass, WeeklySlot]:
    """A class and its schedule facts (classes themselves are public to signed-in users)."""
    row = db.execute(
        select(GymClass, Location.timezone)
        .join(Location, Location.id == GymClass.location_id)
        .where(GymClass.id == require_id(class_id, "class"))
    ).first()
    if row is None:
        raise NotFound("class")
    cls, timezone = row
    return cls, slot_of(cls, timezone)


def slot_of(cls: GymClass, timezone: str) -> WeeklySlot:
    return WeeklySlot(
        weekday=cls.weekday,
        start_time=cls.start_time,
        end_time=cls.end_time,
        term_start=cls.term_start,
        term_end=cls.term_end,
        timezone=timezone,
    )
