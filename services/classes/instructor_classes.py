"""An instructor's own classes and their rosters (read-only): the "My classes" page.

Instructors are not front-desk staff (`Actor.is_staff` is false for them): they reach only
the classes whose `instructor_user_id` is theirs, and only the students enrolled in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Enrollment, EnrollmentStatus, GymClass, Location, Student
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied
from services.kernel.schedule import WEEKDAY_NAMES


@dataclass(frozen=True)
class RosterEntry:
    student_id: int
    name: str
    medical_notes: str
    waitlisted: bool


@dataclass(frozen=True)
class InstructorClass:
    class_id: int
    name: str
    location: str
    weekday: str
    start_time: time
    end_time: time
    capacity: int
    roster: list[RosterEntry]


def my_classes(db: Session, actor: Actor) -> list[InstructorClass]:
    """The actor's active classes (instructors; admins see the ones they teach too), each with
    its enrolled students and waitlist."""
    if not (actor.is_instructor or actor.is_admin):
        raise AccessDenied("This page is for instructors.")
    classes = db.execute(
        select(GymClass, Location.name)
        .join(Location, Location.id == GymClass.location_id)
        .where(GymClass.instructor_user_id == actor.user_id, GymClass.is_active.is_(True))
        .order_by(GymClass.weekday, GymClass.start_time, GymClass.id)
    ).all()
    rosters = _rosters(db, [cls.id for cls, _ in classes])
    return [
        InstructorClass(
            cls.id,
            cls.name,
            location,
            WEEKDAY_NAMES[cls.weekday],
            cls.start_time,
            cls.end_time,
            cls.capacity,
            rosters.get(cls.id, []),
        )
        for cls, location in classes
    ]


def _rosters(db: Session, class_ids: list[int]) -> dict[int, list[RosterEntry]]:
    rows = db.execute(
        select(Enrollment.class_id, Enrollment.status, Student)
        .join(Student, Student.id == Enrollment.student_id)
        .where(
            Enrollment.class_id.in_(class_ids),
            Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLISTED)),
        )
        .order_by(Enrollment.status, Enrollment.waitlist_position, Student.last_name,
                  Student.first_name, Student.id)
    ).all()  # fmt: skip
    rosters: dict[int, list[RosterEntry]] = {}
    for class_id, status, student in rows:
        rosters.setdefault(class_id, []).append(
            RosterEntry(
                student.id,
                f"{student.first_name} {student.last_name}",
                student.medical_notes,
                status is EnrollmentStatus.WAITLISTED,
            )
        )
    return rosters
