"""A class with one seat left and a student ready for every path into it (issue 13, item 20).

The clock reads Tuesday 24 November 2026, 09:00 in Chicago. "Thursday Tumblers" has 3 seats
and 2 regular students (Bea, Cy); it meets on 26 November, 3, 10 and 17 December. Six
students of the Rivera family, each set up for one path, want the last seat on 3 December.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    Family,
    GymClass,
    Location,
    PassRedemption,
    RequestKind,
    Role,
    Student,
)
from services.access import Actor
from services.enrollments import transfer_enrollment
from services.makeups import book_makeup
from services.passes import redeem_punch
from services.request_decisions import decide_request
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
    admin: Actor
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
        admin=f.staff(db, "owner@example.com", [], Role.ADMIN),
        others=others,
        bea=bea,
        students=students,
        places=places,
        token_id=token.id,
        pass_id=punch_pass.id,
        transfer_request_id=asked.request_id,
        makeup_request_id=makeup.id,
    )


def paths(gym: Gym) -> dict[str, Callable[[Session], object]]:
    """Every way a student gets into Thursday Tumblers on 3 December."""
    thursday = gym.thursday.id
    return {
        "transfer": lambda s: transfer_enrollment(
            s, gym.desk, gym.places["Maya"].id, thursday, DEC_3
        ),
        "transfer a week earlier": lambda s: transfer_enrollment(
            s, gym.desk, gym.places["Leo"].id, thursday, NOV_26
        ),
        "approved transfer request": lambda s: decide_request(
            s, gym.desk, gym.transfer_request_id, approve=True
        ),
        "makeup": lambda s: book_makeup(s, gym.guardian, gym.token_id, thursday, DEC_3),
        "approved makeup request": lambda s: decide_request(
            s, gym.desk, gym.makeup_request_id, approve=True
        ),
        "punch-pass drop-in": lambda s: redeem_punch(
            s, gym.desk, gym.pass_id, thursday, DEC_3, student_id=gym.students["Zed"].id
        ),
    }


def in_class_on(db: Session, cls: GymClass, day: date) -> int:
    """Students at the meeting, counted independently of services.capacity."""
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
