"""A class with one seat left and a student ready for every path into it (issue 13, item 20).

The clock reads Tuesday 24 November 2026, 09:00 in Chicago. "Thursday Tumblers" has 3 seats
and 2 regular students (Bea, Cy); it meets on 26 November, 3, 10 and 17 December. Six
students of the Rivera family, each set up for one path, want the last seat on 3 December.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import (
    Enrollment,
    EnrollmentStatus,
    Family,
    GymClass,
    Location,
    PassRedemption,
    RequestKind,
    Student,
)
from services.classes.enroll import enroll_student
from services.classes.transfers import transfer_enrollment
from services.desk.request_decisions import decide_request
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import DomainError
from services.makeups.makeup_visits import book_makeup
from services.makeups.passes import redeem_punch
from tests import factories as f

THURSDAY = 3
NOV_26, DEC_3, DEC_10 = date(2026, 11, 26), date(2026, 12, 3), date(2026, 12, 10)


@dataclass
class Gym:
    north: Location
    tuesday: GymClass  # the Riveras' class, same program and level
    thursday: GymClass  # 3 seats, Bea and Cy in it
    guardian: Actor
    desk: Actor
    others: Family  # Bea's family
    bea: Student
    students: dict[str, Student]  # the student each path moves
    places: dict[str, Enrollment]  # their Tuesday places
    token_id: int  # Noa's makeup token
    pass_id: int  # Zed's punch pass
    transfer_request_id: int  # Ivy's pending transfer to Thursday from 3 December
    makeup_request_id: int  # Oli's pending makeup request for Thursday 3 December


def build_gym(db: Session) -> Gym:
    north = f.location(db, "Northside")
    level = f.program_level(db)
    tuesday = f.gym_class(db, north, level=level)
    thursday = f.gym_class(
        db, north, level=level, weekday=THURSDAY, capacity=3, name="Thursday Tumblers"
    )
    others, _, _ = f.family(db, "Okafor")
    bea = f.student(db, others, "Bea")
    f.enroll(db, bea, thursday)
    f.enroll(db, f.student(db, others, "Cy"), thursday)
    fam, _, account = f.family(db, "Rivera")
    guardian = f.guardian_actor(db, account)
    desk = f.staff(db, "desk@example.com", [north])
    names = ("Maya", "Leo", "Ivy", "Noa", "Oli")
    students = {name: f.student(db, fam, name) for name in (*names, "Zed")}
    places = {name: f.enroll(db, students[name], tuesday) for name in names}
    token = f.makeup_token(db, students["Noa"], north)
    punch_pass = f.punch_pass(db, fam, north, student=students["Zed"])
    asked = transfer_enrollment(db, guardian, places["Ivy"].id, thursday.id, DEC_3)
    assert not asked.applied and asked.request_id is not None
    makeup = f.parent_request(db, students["Oli"], north, kind=RequestKind.MAKEUP)
    makeup.target_class_id, makeup.effective_date = thursday.id, DEC_3
    db.commit()
    return Gym(
        north=north,
        tuesday=tuesday,
        thursday=thursday,
        guardian=guardian,
        desk=desk,
        others=others,
        bea=bea,
        students=students,
        places=places,
        token_id=token.id,
        pass_id=punch_pass.id,
        transfer_request_id=asked.request_id,
        makeup_request_id=makeup.id,
    )


def in_class_on(db: Session, cls: GymClass, day: date) -> int:
    """Students at the meeting, counted independently of services.classes.capacity."""
    db.expire_all()
    places = db.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(
            Enrollment.class_id == cls.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.start_date <= day,
            (Enrollment.end_date.is_(None)) | (Enrollment.end_date >= day),
        )
    )
    drop_ins = db.scalar(
        select(func.count())
        .select_from(PassRedemption)
        .where(PassRedemption.class_id == cls.id, PassRedemption.class_date == day)
    )
    return (places or 0) + (drop_ins or 0)


# Each path as a picklable (path, arguments) pair, so separate processes can run it too.
PATHS: dict[str, Callable[..., object]] = {
    "transfer": transfer_enrollment,
    "enroll": enroll_student,  # issue 15: a new place from the desk
    "makeup": book_makeup,
    "decide": lambda db, actor, request_id: decide_request(db, actor, request_id, approve=True),
    "drop-in": lambda db, actor, pass_id, class_id, day, student_id: redeem_punch(
        db, actor, pass_id, class_id, day, student_id=student_id
    ),
}
Call = tuple[str, tuple[object, ...]]


def calls(gym: Gym) -> dict[str, Call]:
    """Every way a student gets into Thursday Tumblers on 3 December."""
    thursday, desk = gym.thursday.id, gym.desk
    return {
        "transfer": ("transfer", (desk, gym.places["Maya"].id, thursday, DEC_3)),
        "transfer a week earlier": ("transfer", (desk, gym.places["Leo"].id, thursday, NOV_26)),
        "approved transfer request": ("decide", (desk, gym.transfer_request_id)),
        "makeup": ("makeup", (gym.guardian, gym.token_id, thursday, DEC_3)),
        "approved makeup request": ("decide", (desk, gym.makeup_request_id)),
        "punch-pass drop-in": (
            "drop-in",
            (desk, gym.pass_id, thursday, DEC_3, gym.students["Zed"].id),
        ),
    }


def run(call: Call, db: Session) -> object:
    name, args = call
    return PATHS[name](db, *args)


def paths(gym: Gym) -> dict[str, Callable[[Session], object]]:
    return {label: functools.partial(run, call) for label, call in calls(gym).items()}


def book_in_process(
    url: str, now: datetime, barrier: Any, results: Any, index: int, call: Call
) -> None:
    """One racer in its own process (multiprocessing, spawn): no Python state is shared, so
    only the database can keep the racers from overbooking."""
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as db:
            barrier.wait(timeout=120)
            try:
                run(call, db)
                results.put((index, "booked"))
            except DomainError as exc:
                results.put((index, f"refused: {exc.message}"))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((index, f"error: {exc!r}"))
    finally:
        engine.dispose()
