"""What the benchmarks need to know about a demo database: the demo sign-ins as Actors and
the ids a parent or the desk would be looking at (the Garcia family, a location, this term,
today's biggest class, a family with a long ledger)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.databases import BENCH_NOW
from data.demo.logins import ADMIN_EMAIL, PRIMARY_EMAIL, STAFF_EMAIL
from data.models import Enrollment, EnrollmentStatus, GymClass, LedgerEntry, Location, Student, User
from services.accounts.auth import build_actor
from services.kernel import clock
from services.kernel.access import Actor


@dataclass(frozen=True)
class DemoFacts:
    primary: Actor  # primary@example.com, the Garcia family
    staff: Actor  # staff@example.com, one location
    admin: Actor  # admin@example.com, every location
    student_ids: tuple[int, ...]  # the Garcia family's active students
    location_id: int  # the staff member's location (Northside)
    other_location_id: int  # a second location the Garcia family uses
    term_start: date  # the current term's first day
    today: date  # at the location
    roster_class_id: int  # today's class at the location with the most students
    long_family_id: int  # a family at the location with one of the longest ledgers


def actor_for(db: Session, email: str) -> Actor:
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"the demo database has no user {email}")
    return build_actor(db, user)


def demo_facts(db: Session) -> DemoFacts:
    with clock.frozen_at(BENCH_NOW):
        return _facts(db)


def _facts(db: Session) -> DemoFacts:
    primary = actor_for(db, PRIMARY_EMAIL)
    staff = actor_for(db, STAFF_EMAIL)
    admin = actor_for(db, ADMIN_EMAIL)
    student_ids = tuple(
        db.scalars(
            select(Student.id)
            .where(Student.family_id == primary.family_id, Student.is_active.is_(True))
            .order_by(Student.first_name, Student.id)
        )
    )
    location_id = min(staff.location_ids)
    place = db.get(Location, location_id)
    assert place is not None
    today = clock.today_in(place.timezone)
    other = db.scalar(
        select(LedgerEntry.location_id)
        .where(LedgerEntry.family_id == primary.family_id, LedgerEntry.location_id != location_id)
        .limit(1)
    )
    term_start = db.scalar(
        select(func.max(GymClass.term_start)).where(
            GymClass.location_id == location_id, GymClass.term_start <= today
        )
    )
    seated = (
        select(Enrollment.class_id, func.count().label("n"))
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .where(
            GymClass.location_id == location_id,
            GymClass.weekday == today.weekday(),
            GymClass.term_start <= today,
            GymClass.term_end >= today,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
        .group_by(Enrollment.class_id)
        .order_by(func.count().desc(), Enrollment.class_id)
        .limit(1)
    )
    roster = db.execute(seated).first()
    if roster is None:
        raise LookupError("no class meets today at the staff member's location")
    # A long ledger among the first few hundred families (a full scan at the franchise
    # scale would cost more than the benchmark it serves).
    long_family = db.execute(
        select(LedgerEntry.family_id, func.count().label("n"))
        .where(LedgerEntry.family_id <= 400, LedgerEntry.location_id == location_id)
        .group_by(LedgerEntry.family_id)
        .order_by(func.count().desc(), LedgerEntry.family_id)
        .limit(1)
    ).first()
    assert long_family is not None and term_start is not None
    return DemoFacts(
        primary=primary,
        staff=staff,
        admin=admin,
        student_ids=student_ids,
        location_id=location_id,
        other_location_id=other if other is not None else location_id,
        term_start=term_start,
        today=today,
        roster_class_id=roster.class_id,
        long_family_id=long_family.family_id,
    )
