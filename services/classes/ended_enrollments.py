"""Closing class places whose end date has passed.

A drop or transfer with a future effective date leaves the place ACTIVE with its end date,
so the student keeps the classes before it (docs/decisions.md, "Drops and transfers end on
the day before the effective date"). Every reader already goes by the end date; only the
status lags. The status matters for one rule: the unique index allows one current place per
student and class, so a place left ACTIVE would block coming back. Therefore:

- a write that puts a student in a class first closes that student's ended places in that
  class, under the class lock (`make_way_back`);
- `finish_ended_enrollments` closes every ended place at the actor's locations; the
  scheduled job "ended_enrollments" (services/operations/job_registry.py) runs it daily as
  the scheduler, so the statuses catch up even where no write needed them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    GymClass,
    ParentRequest,
    RequestKind,
    RequestStatus,
)
from services.classes.capacity import ONGOING_TYPES
from services.kernel import audit, clock
from services.kernel.access import Actor, require_staff
from services.kernel.reach import locations_by_time_zone
from services.kernel.transactions import write_transaction


def finish_ended_enrollments(db: Session, actor: Actor) -> int:
    """Staff: close the places whose end date has passed at the actor's locations (admin:
    all). Returns how many."""
    require_staff(actor)
    zones = locations_by_time_zone(db, actor)
    finished = 0
    with write_transaction(db):
        for timezone, location_ids in zones.items():
            at_locations = Enrollment.class_id.in_(
                select(GymClass.id).where(GymClass.location_id.in_(location_ids))
            )
            finished += _close(db, clock.today_in(timezone), at_locations)
        if finished:
            audit.record(db, actor, "enrollments.ended_closed", details={"closed": finished})
    return finished


def make_way_back(db: Session, student_id: int, class_id: int, today: date) -> date | None:
    """Before a student joins a class again (caller holds the class lock): close their ended
    places in it. Returns the end date of a place of theirs that is still running towards
    it (the caller refuses until that day has passed), else None."""
    _close(db, today, Enrollment.student_id == student_id, Enrollment.class_id == class_id)
    return db.scalar(
        select(Enrollment.end_date).where(
            Enrollment.student_id == student_id,
            Enrollment.class_id == class_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(ONGOING_TYPES),
            Enrollment.end_date >= today,
        )
    )


def _close(db: Session, today: date, *scope: ColumnElement[bool]) -> int:
    """Transferred → TRANSFERRED, dropped → DROPPED, a finished trial → COMPLETED."""
    dropped = exists().where(
        ParentRequest.enrollment_id == Enrollment.id,
        ParentRequest.kind == RequestKind.DROP,
        ParentRequest.status == RequestStatus.APPLIED,
    )
    regular = Enrollment.type == EnrollmentType.REGULAR
    closed = 0
    for status, which in (
        (EnrollmentStatus.TRANSFERRED, regular & Enrollment.transferred_to_id.is_not(None)),
        (EnrollmentStatus.DROPPED, regular & Enrollment.transferred_to_id.is_(None) & dropped),
        (EnrollmentStatus.COMPLETED, Enrollment.type == EnrollmentType.TRIAL),
    ):
        closed += db.execute(
            update(Enrollment)
            .where(
                *scope,
                which,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Enrollment.end_date < today,
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        ).rowcount
    return closed
