"""A student's class records (an absence or an enrollment) as an actor reaches them, the
locations a staff member's lists are limited to, and a meeting's start and end as instants.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from data.models import Enrollment, FutureAbsence, GymClass, Location, Student
from services.kernel.access import Actor
from services.kernel.errors import NotFound
from services.kernel.lookups import slot_of
from services.kernel.schedule import meeting_end, meeting_start


def reaches(actor: Actor, family_id: int, location_id: int) -> bool:
    """A guardian reaches their family's records; staff those at their locations; admins all."""
    if actor.is_admin:
        return True
    if actor.is_staff:
        return location_id in actor.location_ids
    return actor.family_id is not None and actor.family_id == family_id


def class_record_in_reach(
    db: Session,
    actor: Actor,
    model: type[FutureAbsence] | type[Enrollment],
    record_id: int,
    what: str,
) -> Row[Any]:
    """An absence or enrollment (fresh from the database) with its family id, class and time
    zone, if the actor reaches it; anything else answers like a missing record."""
    row = db.execute(
        select(model, Student.family_id, GymClass, Location.timezone)
        .join(Student, Student.id == model.student_id)
        .join(GymClass, GymClass.id == model.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(model.id == record_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or not reaches(actor, row.family_id, row.GymClass.location_id):
        raise NotFound(what)
    return row


def seen_locations(actor: Actor) -> frozenset[int] | None:
    """The locations a staff member's lists are limited to; None when there is no such limit."""
    return actor.location_ids if actor.is_staff and not actor.is_admin else None


def meeting_times(cls: GymClass, timezone: str, day: date) -> tuple[datetime, datetime]:
    """A meeting's start and end as UTC instants."""
    slot = slot_of(cls, timezone)
    return meeting_start(slot, day), meeting_end(slot, day)
