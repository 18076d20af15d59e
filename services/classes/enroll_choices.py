"""The classes the desk can put a student in at one location: each with its next class dates
and seats, so the Enroll picker offers the ones with an open seat and the Waitlist picker
the full ones. Start dates skip days the location is closed. Five queries however many
classes the location has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import GymClass, Level, Location, Program
from services.classes.capacity import bookings
from services.classes.enrollment_changes import _classes_of, _upcoming
from services.kernel import clock
from services.kernel.access import Actor, require_location
from services.kernel.closure_days import closed_days
from services.kernel.errors import NotFound
from services.kernel.lookups import slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import WEEKDAY_NAMES
from services.kernel.validation import require_id

DATES_OFFERED = 8  # the next class dates a place may start on


@dataclass(frozen=True)
class EnrollChoice:
    class_id: int
    class_name: str
    program: str
    level: str
    weekday_name: str
    start_time: time
    end_time: time
    start_dates: tuple[date, ...]  # the next class dates that have not started
    seats_left: int  # from the first of start_dates (negative: over capacity)
    already_in: bool  # the student holds a place or a waitlist place in it


def enroll_choices(
    db: Session, actor: Actor, student_id: object, location_id: object
) -> list[EnrollChoice]:
    """Staff at the location: its active classes that still meet this term, by weekday and
    time, with whether the student is already in each."""
    require_id(location_id, "location")
    require_location(actor, location_id)
    student = student_in_reach(db, actor, student_id)
    timezone = db.scalar(
        select(Location.timezone).where(Location.id == location_id, Location.is_active)
    )
    if timezone is None:
        raise NotFound("location")
    today = clock.today_in(timezone)
    rows = db.execute(
        select(GymClass, Program.name.label("program"), Level.name.label("level"))
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .where(
            GymClass.location_id == location_id,
            GymClass.is_active.is_(True),
            GymClass.term_end >= today,
        )
        .order_by(GymClass.weekday, GymClass.start_time, GymClass.name, GymClass.id)
    ).all()
    upcoming = {
        row.GymClass.id: _upcoming(slot_of(row.GymClass, timezone), today, date.max) for row in rows
    }
    last = max((days[-1] for days in upcoming.values() if days), default=today)
    closed = closed_days(db, [location_id], today, last)
    dates = {
        class_id: [day for day in days if not closed.closed(location_id, day)][:DATES_OFFERED]
        for class_id, days in upcoming.items()
    }
    booked = bookings(db, [row.GymClass for row in rows], today, with_absences=False)
    mine = _classes_of(db, student.id, list(dates))
    return [
        EnrollChoice(
            class_id=row.GymClass.id,
            class_name=row.GymClass.name,
            program=row.program,
            level=row.level,
            weekday_name=WEEKDAY_NAMES[row.GymClass.weekday],
            start_time=row.GymClass.start_time,
            end_time=row.GymClass.end_time,
            start_dates=tuple(dates[row.GymClass.id]),
            seats_left=booked[row.GymClass.id].open_from(dates[row.GymClass.id][0]),
            already_in=row.GymClass.id in mine,
        )
        for row in rows
        if dates[row.GymClass.id]
    ]
