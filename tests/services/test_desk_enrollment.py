"""Enrolling from the desk (issue 15): regular places and trials through the one seat rule,
no second place in a class, ended places making way, the waitlist filled with "Enroll next"
and the family told; access and bad input. On SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    OutboxMessage,
)
from services.classes.drops import drop_enrollment
from services.classes.enroll import class_waitlist, enroll_next, enroll_student
from services.classes.enroll_choices import enroll_choices
from services.classes.waitlists import cancel_waitlist, join_waitlist
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from tests import factories as f
from tests.support.seats import DEC_3, book_in_process, build_gym, in_class_on, paths

NOV_24, DEC_1, NOV_10 = date(2026, 11, 24), date(2026, 12, 1), date(2026, 11, 10)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def _places(db: Session, class_id: int) -> int:
    db.expire_all()
    return db.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.class_id == class_id, Enrollment.status == EnrollmentStatus.ACTIVE)
    )


def test_the_desk_enrolls_a_regular_place_from_a_class_date(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    view = enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1)
    assert (view.status, view.type, view.start_date, view.end_date) == (
        "active",
        "regular",
        DEC_1,
        None,
    )
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == str(view.id))) == (
        "enrollment.enrolled"
    )


def test_a_trial_is_one_day(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    view = enroll_student(db, gym.admin, leo.id, gym.cls.id, NOV_24, "trial")
    assert (view.type, view.start_date, view.end_date) == ("trial", NOV_24, NOV_24)


def test_no_second_place_in_a_class(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(ValidationError, match="already in that class"):
        enroll_student(db, gym.desk, gym.maya.id, gym.cls.id, DEC_1)
    assert _places(db, gym.cls.id) == 2


def test_an_ended_trial_makes_way_for_a_regular_place(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    f.enroll(db, leo, gym.cls, type=EnrollmentType.TRIAL, start=NOV_10, end=NOV_10)
    db.commit()
    view = enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1)
    assert view.status == "active"
    statuses = db.scalars(select(Enrollment.status).where(Enrollment.student_id == leo.id))
    assert sorted(s.value for s in statuses) == ["active", "completed"]


def test_a_full_class_refuses_and_takes_a_waitlist_instead(db: Session, gym: f.FamilyGym) -> None:
    gym.cls.capacity = 3
    leo, zoe = f.student(db, gym.family, "Leo"), f.student(db, gym.family, "Zoe")
    db.commit()
    enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1)
    with pytest.raises(ValidationError, match="That class is full"):
        enroll_student(db, gym.desk, zoe.id, gym.cls.id, DEC_1, "trial")
    assert _places(db, gym.cls.id) == 3
    assert join_waitlist(db, gym.desk, zoe.id, gym.cls.id).status == "waitlisted"


def test_a_seat_opens_and_enroll_next_fills_it_and_tells_the_family(
    db: Session, gym: f.FamilyGym
) -> None:
    gym.cls.capacity = 2  # Maya and Ada
    leo, zoe = f.student(db, gym.family, "Leo"), f.student(db, gym.family, "Zoe")
    db.commit()
    join_waitlist(db, gym.desk, leo.id, gym.cls.id)
    join_waitlist(db, gym.desk, zoe.id, gym.cls.id)
    with pytest.raises(ValidationError, match="no open seat"):
        enroll_next(db, gym.desk, gym.cls.id)
    ada_place = db.scalar(
        select(Enrollment.id).where(Enrollment.student_id == gym.other_student.id)
    )
    drop_enrollment(db, gym.desk, ada_place, NOV_24)
    assert [w.student_name for w in class_waitlist(db, gym.desk, gym.cls.id)] == [
        "Leo Rivera",
        "Zoe Rivera",
    ]
    view = enroll_next(db, gym.desk, gym.cls.id)
    assert (view.status, view.start_date, view.waitlist_position) == ("active", NOV_24, None)
    [left] = class_waitlist(db, gym.desk, gym.cls.id)
    assert (left.student_name, left.position) == ("Zoe Rivera", 1)
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.kind == "waitlist_promoted"))
    assert mail is not None and mail.family_id == gym.family.id
    assert "Leo now has a place" in mail.body_text and "Tuesday 24 November 2026" in mail.body_text
    with pytest.raises(ValidationError, match="no open seat"):
        enroll_next(db, gym.desk, gym.cls.id)


def test_enroll_next_with_nobody_waiting_says_so(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(ValidationError, match="Nobody is on the waitlist"):
        enroll_next(db, gym.desk, gym.cls.id)


def test_the_age_range_is_kept(db: Session, gym: f.FamilyGym) -> None:
    gym.cls.min_age, gym.cls.max_age = 10, 14
    leo = f.student(db, gym.family, "Leo", birth=date(2018, 5, 4))
    db.commit()
    with pytest.raises(ValidationError, match="is for ages 10 to 14; Leo is 8"):
        enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1)


def test_enroll_next_keeps_the_age_range_too(db: Session, gym: f.FamilyGym) -> None:
    """The first in line joined before the range was set: "Enroll next" refuses them with the
    range and their age, changes nothing, and works once they are off the list."""
    gym.cls.capacity = 2  # Maya and Ada
    leo = f.student(db, gym.family, "Leo", birth=date(2018, 5, 4))  # 8 on 24 November
    zoe = f.student(db, gym.family, "Zoe", birth=date(2015, 1, 2))  # 11
    db.commit()
    join_waitlist(db, gym.desk, leo.id, gym.cls.id)
    join_waitlist(db, gym.desk, zoe.id, gym.cls.id)
    gym.cls.capacity, gym.cls.min_age, gym.cls.max_age = 3, 10, 14
    db.commit()
    with pytest.raises(ValidationError, match=r"is for ages 10 to 14; Leo is 8\. Take Leo off"):
        enroll_next(db, gym.desk, gym.cls.id)
    assert [(w.student_name, w.position) for w in class_waitlist(db, gym.desk, gym.cls.id)] == [
        ("Leo Rivera", 1),
        ("Zoe Rivera", 2),
    ]
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    leo_place = db.scalar(select(Enrollment.id).where(Enrollment.student_id == leo.id))
    cancel_waitlist(db, gym.desk, leo_place)
    view = enroll_next(db, gym.desk, gym.cls.id)
    assert db.get(Enrollment, view.id).student_id == zoe.id


def test_access_front_desk_of_another_location_and_guardians_are_refused(
    db: Session, gym: f.FamilyGym
) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    with pytest.raises(NotFound):
        enroll_student(db, gym.south_desk, leo.id, gym.cls.id, DEC_1)
    with pytest.raises(AccessDenied):
        enroll_student(db, gym.guardian, leo.id, gym.cls.id, DEC_1)
    for actor, error in ((gym.south_desk, NotFound), (gym.guardian, AccessDenied)):
        with pytest.raises(error):
            enroll_next(db, actor, gym.cls.id)
        with pytest.raises(error):
            class_waitlist(db, actor, gym.cls.id)
        with pytest.raises(error):
            enroll_choices(db, actor, leo.id, gym.north.id)
    assert _places(db, gym.cls.id) == 2


@pytest.mark.parametrize(
    ("kind", "day", "message"),
    [
        ("forever", DEC_1, "Choose a regular place or a one-day trial"),
        ("regular", "2026-12-01", "Choose one of the class dates offered"),
        ("regular", datetime(2026, 12, 1, 16), "Choose one of the class dates offered"),
        ("regular", date(2026, 12, 2), "does not meet on Wednesday 2 December 2026"),
        ("regular", date(2026, 11, 17), "Choose a class that has not started yet"),
        ("trial", date(2027, 1, 5), "does not meet on"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    db: Session, gym: f.FamilyGym, kind: str, day: object, message: str
) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    with pytest.raises(ValidationError, match=message):
        enroll_student(db, gym.desk, leo.id, gym.cls.id, day, kind)
    assert _places(db, gym.cls.id) == 2


def test_an_archived_class_takes_nobody(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    gym.cls.is_active = False
    db.commit()
    with pytest.raises(ValidationError, match="not taking students"):
        enroll_student(db, gym.desk, leo.id, gym.cls.id, DEC_1)


def test_the_picker_offers_the_location_classes_with_seats(db: Session, gym: f.FamilyGym) -> None:
    leo = f.student(db, gym.family, "Leo")
    db.commit()
    [choice] = enroll_choices(db, gym.desk, leo.id, gym.north.id)
    assert (choice.class_id, choice.seats_left, choice.already_in) == (gym.cls.id, 6, False)
    assert choice.start_dates[:2] == (NOV_24, DEC_1)
    [mine] = enroll_choices(db, gym.desk, gym.maya.id, gym.north.id)
    assert mine.already_in


# The one seat rule, shared with every other path (tests/support/seats.py's gym).


@pytest.mark.parametrize("first", ["transfer", "makeup", "punch-pass drop-in"])
def test_the_last_seat_taken_elsewhere_refuses_enroll(db: Session, first: str) -> None:
    gym = build_gym(db)
    ana = f.student(db, gym.others, "Ana")
    db.commit()
    paths(gym)[first](db)
    with pytest.raises(ValidationError, match="full"):
        enroll_student(db, gym.desk, ana.id, gym.thursday.id, DEC_3)
    db.rollback()
    assert in_class_on(db, gym.thursday, DEC_3) == 3


def test_the_last_seat_taken_by_enroll_refuses_every_other_path(db: Session) -> None:
    gym = build_gym(db)
    ana = f.student(db, gym.others, "Ana")
    db.commit()
    enroll_student(db, gym.desk, ana.id, gym.thursday.id, DEC_3)
    for name, path in paths(gym).items():
        with pytest.raises(ValidationError, match="full"):
            path(db)
        db.rollback()
        assert in_class_on(db, gym.thursday, DEC_3) == 3, name


def test_racing_enroll_against_other_paths_never_exceeds_the_capacity(
    db: Session, db_url: str, frozen_clock: datetime
) -> None:
    gym = build_gym(db)
    ana = f.student(db, gym.others, "Ana")
    db.commit()
    desk, thursday = gym.desk, gym.thursday.id
    racing = [
        ("enroll", (desk, ana.id, thursday, DEC_3)),
        ("transfer", (desk, gym.places["Maya"].id, thursday, DEC_3)),
        ("drop-in", (desk, gym.pass_id, thursday, DEC_3, gym.students["Zed"].id)),
    ]
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(len(racing)), spawn.Queue()
    racers = [
        spawn.Process(target=book_in_process, args=(db_url, frozen_clock, barrier, results, i, c))
        for i, c in enumerate(racing)
    ]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=180) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["booked", "refused", "refused"]
    assert all("full" in o for o in outcomes.values() if o.startswith("refused")), outcomes
    assert in_class_on(db, gym.thursday, DEC_3) == 3
