"""All of one location's rosters for its today, in a fixed number of queries whatever the
number of classes and students (the Rosters page's and the Today page's one location).

Decisions:
- Four queries: the location, its classes meeting today, every roster (services.desk.rosters'
  one roster query, for all the classes at once) and the families with an unpaid balance.
- `now` is the location's wall-clock time, so a page can say which classes are over; the
  class a page opens first is the first one not yet over (the one running or next), else the
  day's last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import GymClass
from services.desk.rosters import Roster, _families_with_unpaid_balance, _seated, _students
from services.desk.staff_home import _meets_on, _places
from services.kernel import clock
from services.kernel.access import Actor, require_staff
from services.kernel.validation import require_id


@dataclass(frozen=True)
class DayRosters:
    location_id: int
    location_name: str
    day: date  # today in the location's time zone
    now: time  # the location's wall-clock time
    rosters: tuple[Roster, ...]  # by start time, then name

    def roster(self, class_id: int) -> Roster | None:
        return next((r for r in self.rosters if r.class_id == class_id), None)

    @property
    def current(self) -> Roster | None:
        """The class the desk most likely wants: the first not yet over, else the last."""
        ahead = [r for r in self.rosters if r.end_time > self.now]
        return ahead[0] if ahead else (self.rosters[-1] if self.rosters else None)


def day_rosters(db: Session, actor: Actor, location_id: int) -> DayRosters:
    """Today's rosters at one location; another location answers like a missing one."""
    require_staff(actor)
    (place,) = _places(db, actor, require_id(location_id, "location"))
    classes = db.scalars(
        select(GymClass)
        .where(_meets_on([place.id], place.day))
        .order_by(GymClass.start_time, GymClass.name, GymClass.id)
    ).all()
    seated = _seated(db, [c.id for c in classes], place.day)
    families = {seat.student.family_id for seats in seated.values() for seat in seats}
    unpaid = _families_with_unpaid_balance(db, families)
    return DayRosters(
        location_id=place.id,
        location_name=place.name,
        day=place.day,
        now=clock.local_now(place.timezone).time().replace(tzinfo=None),
        rosters=tuple(
            Roster(
                class_id=c.id,
                class_name=c.name,
                location_id=place.id,
                location_name=place.name,
                day=place.day,
                start_time=c.start_time,
                end_time=c.end_time,
                instructor=c.instructor_name,
                capacity=c.capacity,
                students=tuple(_students(seated.get(c.id, []), unpaid)),
            )
            for c in classes
        ),
    )
