"""A small gym for the tuition tests (issue 16), and a run in its own process.

The clock is fixed at Tuesday 24 November 2026 (tests/conftest.py). Classes run in the
factories' term (1 September to 20 December 2026):
- Tumblers, Tuesdays, 85.00 a month: November meets 3, 10, 17, 24 (4); December 1, 8, 15 (3).
- Flyers, Thursdays, 60.00 a month: November meets 5, 12, 19, 26 (4).

Rivera: Maya in Tumblers and Flyers since September; Leo in Tumblers from 10 November
(3 of November's 4 meetings). Okafor: Ada in Tumblers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import (
    Enrollment,
    Family,
    GymClass,
    LedgerEntry,
    LedgerKind,
    Location,
    Role,
    TuitionLine,
)
from services.billing.tuition_posting import post_tuition
from services.kernel import clock
from services.kernel.access import Actor, scheduler_actor
from services.kernel.errors import DomainError
from tests import factories as f

NOVEMBER = date(2026, 11, 1)
DECEMBER = date(2026, 12, 1)


@dataclass
class TuitionGym:
    north: Location
    tumblers: GymClass
    flyers: GymClass
    rivera: Family
    okafor: Family
    maya_tue: Enrollment
    maya_thu: Enrollment
    leo_tue: Enrollment
    ada_tue: Enrollment
    admin: Actor
    desk: Actor
    instructor: Actor
    guardian: Actor


def build_tuition_gym(db: Session) -> TuitionGym:
    north = f.location(db)
    tumblers = f.gym_class(db, north, weekday=1, name="Tumblers")
    flyers = f.gym_class(db, north, weekday=3, name="Flyers")
    flyers.tuition_cents = 6_000
    rivera, _, account = f.family(db, "Rivera")
    okafor, _, _ = f.family(db, "Okafor")
    maya, leo = f.student(db, rivera, "Maya"), f.student(db, rivera, "Leo")
    ada = f.student(db, okafor, "Ada")
    gym = TuitionGym(
        north=north,
        tumblers=tumblers,
        flyers=flyers,
        rivera=rivera,
        okafor=okafor,
        maya_tue=f.enroll(db, maya, tumblers),
        maya_thu=f.enroll(db, maya, flyers),
        leo_tue=f.enroll(db, leo, tumblers, start=date(2026, 11, 10)),
        ada_tue=f.enroll(db, ada, tumblers),
        admin=f.staff(db, "owner@example.com", [], Role.ADMIN),
        desk=f.staff(db, "desk@example.com", [north]),
        instructor=f.staff(db, "coach@example.com", [north], Role.INSTRUCTOR),
        guardian=f.guardian_actor(db, account),
    )
    db.commit()
    return gym


def charges(db: Session, family_id: int | None = None) -> list[tuple[int | None, int, str]]:
    """(student id, cents, description) of each charge, in posting order."""
    query = select(LedgerEntry.student_id, LedgerEntry.amount_cents, LedgerEntry.description)
    query = query.where(LedgerEntry.kind == LedgerKind.CHARGE).order_by(LedgerEntry.id)
    if family_id is not None:
        query = query.where(LedgerEntry.family_id == family_id)
    return [tuple(row) for row in db.execute(query)]  # type: ignore[misc]


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def charges_per_place(db: Session, period: date) -> dict[int, int]:
    """Ledger charges per enrollment for the month (through their tuition lines)."""
    rows = db.execute(
        select(TuitionLine.enrollment_id, func.count(LedgerEntry.id))
        .join(LedgerEntry, LedgerEntry.id == TuitionLine.ledger_entry_id)
        .where(TuitionLine.period == period, TuitionLine.kind == "charge")
        .group_by(TuitionLine.enrollment_id)
    )
    return {enrollment_id: n for enrollment_id, n in rows}


def post_in_process(url: str, now: datetime, barrier: Any, results: Any, index: int) -> None:
    """One tuition run in its own process (spawn): only the database can stop a double post."""
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as db:
            barrier.wait(timeout=120)
            try:
                results.put((index, post_tuition(db, scheduler_actor(), "2026-11").as_dict()))
            except DomainError as exc:
                results.put((index, {"refused": exc.message}))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((index, {"error": repr(exc)}))
    finally:
        engine.dispose()
