"""A student's makeup visits that have ended, with their attendance marks (whether they were
booked with a token or arranged on request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from data.models import Attendance, Enrollment, EnrollmentStatus, EnrollmentType, GymClass, Location
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings
from services.kernel.validation import require_id
from services.makeups.class_records import meeting_times, seen_locations


@dataclass(frozen=True)
class PastMakeup:
    enrollment_id: int
    class_id: int
    class_name: str
    class_date: date
    start_time: time
    location_name: str
    instructor: str
    attendance: str | None  # the attendance mark once staff recorded it


def past_makeups(db: Session, actor: Actor, student_id: int) -> list[PastMakeup]:
    """The student's makeup visits that have ended, newest first (cancelled ones left out)."""
    require_id(student_id, "student")
    settings = get_settings(db)
    if actor.is_guardian and not (
        settings.makeup_tokens_enabled or settings.makeup_requests_enabled
    ):
        raise FeatureDisabled("Makeups are switched off.")
    student = student_in_reach(db, actor, student_id)
    query = (
        select(
            Enrollment.id,
            Enrollment.start_date,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
            Attendance.status.label("attendance"),
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.student_id == Enrollment.student_id,
                Attendance.class_id == Enrollment.class_id,
                Attendance.class_date == Enrollment.start_date,
            ),
        )
        .where(
            Enrollment.student_id == student.id,
            Enrollment.type == EnrollmentType.MAKEUP,
            Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
            Enrollment.start_date <= clock.today_in("UTC") + timedelta(days=1),
        )
        .order_by(Enrollment.start_date.desc(), GymClass.start_time.desc(), Enrollment.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    now = clock.now()
    return [
        PastMakeup(
            enrollment_id=row.id,
            class_id=row.GymClass.id,
            class_name=row.GymClass.name,
            class_date=row.start_date,
            start_time=row.GymClass.start_time,
            location_name=row.location_name,
            instructor=row.GymClass.instructor_name,
            attendance=row.attendance.value if row.attendance else None,
        )
        for row in db.execute(query)
        if meeting_times(row.GymClass, row.timezone, row.start_date)[1] <= now
    ]
