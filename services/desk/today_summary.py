"""The staff "Today" page: one summary line per location (classes meeting today, seats
filled, attendance marked and not, alerts), the 4-week attendance rate and open requests, in
a fixed number of queries whatever the number of locations and classes.

Decisions:
- The counts come from one aggregate query over every shown location: a class meeting today
  is counted per class in SQL (its roster by services.desk.rosters' rule, a student once,
  and the marks of those students); the few per-class rows are folded into one line per
  location here, because "past" depends on each location's own wall clock.
- A class is over capacity when more students are on today's roster than it has seats
  (makeup visits and drop-ins included); a past class is unmarked when it has ended and a
  student on its roster has no mark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Select, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import Session

from data.models import Attendance, Enrollment, GymClass, PassRedemption
from services.classes.attendance_rate import AttendanceRate
from services.desk.rosters import on_roster
from services.desk.staff_home import (
    RequestPreview,
    _attendance_rate,
    _meets_on,
    _open_request_count,
    _Place,
    _places,
    _recent_requests,
)
from services.kernel import clock
from services.kernel.access import Actor, require_staff


@dataclass(frozen=True)
class LocationSummary:
    location_id: int
    location_name: str
    day: date  # today in the location's time zone
    classes: int  # meeting today
    on_rosters: int  # students on today's rosters (one per class they are in)
    capacity: int  # seats of today's classes
    marked: int
    unmarked: int
    over_capacity: int  # classes with more students on the roster than seats
    unmarked_past: int  # classes that have ended with a student not marked

    @property
    def alerts(self) -> tuple[str, ...]:
        found = []
        if self.over_capacity:
            found.append(f"{self.over_capacity} over capacity")
        if self.unmarked_past:
            found.append(f"{self.unmarked_past} ended, not all marked")
        return tuple(found)


@dataclass(frozen=True)
class TodayOverview:
    locations: tuple[LocationSummary, ...]  # by name
    attendance_4w: AttendanceRate  # the 28 days before today, over all shown locations
    open_requests: int
    recent_requests: tuple[RequestPreview, ...]  # the newest pending ones

    @property
    def classes(self) -> int:
        return sum(place.classes for place in self.locations)


def today_overview(db: Session, actor: Actor, *, location_id: int | None = None) -> TodayOverview:
    """Staff and admins; one location, or every location the actor may see."""
    require_staff(actor)
    places = _places(db, actor, location_id)
    location_ids = [place.id for place in places]
    return TodayOverview(
        locations=_summaries(db, places),
        attendance_4w=_attendance_rate(db, places),
        open_requests=_open_request_count(db, location_ids),
        recent_requests=_recent_requests(db, location_ids),
    )


def _summaries(db: Session, places: Sequence[_Place]) -> tuple[LocationSummary, ...]:
    by_class: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    if places:
        for row in db.execute(_per_class(places)):
            by_class[row.location_id].append(row)
    return tuple(_summary(place, by_class.get(place.id, [])) for place in places)


def _per_class(places: Sequence[_Place]) -> Select:  # type: ignore[type-arg]
    """Every class meeting today at the places, with its roster size and marks: one query."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for place in places:
        by_day[place.day].append(place.id)
    day = case(*((GymClass.location_id.in_(ids), literal(d, Date)) for d, ids in by_day.items()))
    meetings = (
        select(
            GymClass.id,
            GymClass.location_id,
            GymClass.capacity,
            GymClass.end_time,
            day.label("day"),
        )
        .where(or_(*(_meets_on(ids, d) for d, ids in by_day.items())))
        .subquery("meetings")
    )
    seats = union(  # UNION, not UNION ALL: a student is on a roster once
        select(Enrollment.class_id, Enrollment.student_id)
        .join(meetings, meetings.c.id == Enrollment.class_id)
        .where(on_roster(meetings.c.day)),
        select(PassRedemption.class_id, PassRedemption.student_id)
        .join(meetings, meetings.c.id == PassRedemption.class_id)
        .where(PassRedemption.class_date == meetings.c.day),
    ).subquery("seats")
    return (
        select(
            meetings.c.id,
            meetings.c.location_id,
            meetings.c.capacity,
            meetings.c.end_time,
            func.count(seats.c.student_id).label("on_roster"),
            func.count(Attendance.id).label("marked"),
        )
        .outerjoin(seats, seats.c.class_id == meetings.c.id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.class_id == seats.c.class_id,
                Attendance.student_id == seats.c.student_id,
                Attendance.class_date == meetings.c.day,
            ),
        )
        .group_by(meetings.c.id, meetings.c.location_id, meetings.c.capacity, meetings.c.end_time)
    )


def _summary(place: _Place, rows: list) -> LocationSummary:  # type: ignore[type-arg]
    now = clock.local_now(place.timezone).time().replace(tzinfo=None)
    return LocationSummary(
        location_id=place.id,
        location_name=place.name,
        day=place.day,
        classes=len(rows),
        on_rosters=sum(r.on_roster for r in rows),
        capacity=sum(r.capacity for r in rows),
        marked=sum(r.marked for r in rows),
        unmarked=sum(r.on_roster - r.marked for r in rows),
        over_capacity=sum(1 for r in rows if r.on_roster > r.capacity),
        unmarked_past=sum(1 for r in rows if r.end_time <= now and r.on_roster > r.marked),
    )
