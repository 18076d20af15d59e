"""Who reaches which family, student and location: a guardian their own family; staff the
families seen at their locations (a class, a token, a pass or a ledger entry there, or the
location where the desk registered the family); admins all.
Anything out of reach answers exactly like a missing record. Every domain asks here, never
another domain, for these decisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    bindparam,
    select,
    true,
    union,
)
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    Family,
    GymClass,
    LedgerEntry,
    Location,
    MakeupToken,
    PunchPass,
    Student,
)
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import NotFound, ValidationError
from services.kernel.lookups import student_for
from services.kernel.validation import require_id


def student_in_reach(db: Session, actor: Actor, student_id: object) -> Student:
    """`lookups.student_for` plus the staff rule: a staff member reaches a student only when
    the family is seen at one of their locations (admins reach all). Anything else answers
    like a missing student."""
    student = student_for(db, actor, student_id)
    if _staff_outside(db, actor, student.family_id):
        raise NotFound("student")
    return student


def reachable_family(db: Session, actor: Actor, family_id: int | None) -> int:
    """The family a call is about: a guardian's own, or one a staff member may see."""
    if actor.is_guardian:
        own = require_guardian(actor)
        if family_id is not None and require_id(family_id, "family") != own:
            raise NotFound("family")
        return own
    if family_id is None:
        raise ValidationError("Choose a family.")
    require_id(family_id, "family")
    if db.get(Family, family_id) is None or _staff_outside(db, actor, family_id):
        raise NotFound("family")
    return family_id


def seen_locations(actor: Actor, location_column: ColumnElement[int]) -> ColumnElement[bool]:
    """A filter for rows at the locations a staff member works at (true for guardians, who
    are scoped by family, and for admins)."""
    if actor.is_staff and not actor.is_admin:
        return location_column.in_(actor.location_ids)
    return true()


def families_reached(actor: Actor) -> Select[Any] | CompoundSelect | None:
    """A select of the family ids a staff member reaches (the families seen at their
    locations, as for `reachable_family`), for filtering lists in SQL; None for admins, who
    reach all. Guardians reach only their own family."""
    if actor.is_admin:
        return None
    if actor.is_guardian:
        return select(Family.id).where(Family.id == require_guardian(actor))
    at = tuple(actor.location_ids) if actor.is_staff else ()
    return union(
        select(Family.id).where(Family.home_location_id.in_(at)),
        select(Student.family_id)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .where(GymClass.location_id.in_(at)),
        select(MakeupToken.family_id).where(MakeupToken.location_id.in_(at)),
        select(PunchPass.family_id).where(PunchPass.location_id.in_(at)),
        select(LedgerEntry.family_id).where(LedgerEntry.location_id.in_(at)),
    )


def locations_by_time_zone(db: Session, actor: Actor) -> dict[str, list[int]]:
    """The actor's locations grouped by time zone: batch work that goes by "today" runs it
    per zone (admin: every location)."""
    zones: dict[str, list[int]] = defaultdict(list)
    query = select(Location.id, Location.timezone).where(seen_locations(actor, Location.id))
    for location_id, timezone in db.execute(query.order_by(Location.id)):
        zones[timezone].append(location_id)
    return dict(zones)


def family_timezone(db: Session, family_id: int) -> str:
    """Where "today" is for a family: the first of its locations by name, else UTC."""
    places = _family_places(db, family_id)
    return places[0].timezone if places else "UTC"


def _staff_outside(db: Session, actor: Actor, family_id: int) -> bool:
    """True for staff (not admins) with none of the family's locations."""
    if not actor.is_staff or actor.is_admin:
        return False
    return not any(place.id in actor.location_ids for place in _family_places(db, family_id))


def _family_places(db: Session, family_id: int) -> Sequence[Row[Any]]:
    """Locations where the family has (had) classes, tokens, passes or ledger entries, and the
    one where it was registered."""
    return db.execute(_FAMILY_PLACES, {"family_id": family_id}).all()


def _family_places_query() -> Select[Any]:
    """Built once: several services ask on every page run, and SQLAlchemy then reuses the
    statement's cache key instead of building and hashing the union each time."""
    family_id = bindparam("family_id")
    linked = union(
        select(Family.home_location_id).where(Family.id == family_id),
        select(GymClass.location_id)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .join(Student, Student.id == Enrollment.student_id)
        .where(Student.family_id == family_id),
        select(MakeupToken.location_id).where(MakeupToken.family_id == family_id),
        select(PunchPass.location_id).where(PunchPass.family_id == family_id),
        select(LedgerEntry.location_id).where(LedgerEntry.family_id == family_id),
    )
    return (
        select(Location.id, Location.timezone)
        .where(Location.id.in_(linked))
        .order_by(Location.name, Location.id)
    )


_FAMILY_PLACES = _family_places_query()
