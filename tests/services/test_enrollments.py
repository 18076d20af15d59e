"""Enrollments: the student's lists, cancel / join a waitlist, drop, transfer, on both databases.

The clock reads Tuesday 24 November 2026, 15:00 UTC = 09:00 in Chicago. The Tuesday class
meets at 16:00 Chicago time: today (not started yet), 1, 8 and 15 December (term ends 20 Dec).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    Family,
    GymClass,
    Level,
    Location,
    ParentRequest,
    Program,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Role,
    Student,
)
from services.classes.capacity import open_seats_from
from services.classes.drops import drop_enrollment, drop_preview
from services.classes.ended_enrollments import finish_ended_enrollments
from services.classes.enrollment_changes import ChangeOutcome
from services.classes.enrollments import EnrollmentView, student_enrollments
from services.classes.transfers import (
    ALREADY_IN_CLASS,
    CLASS_FULL,
    transfer_enrollment,
    transfer_options,
)
from services.classes.waitlists import cancel_waitlist, join_waitlist
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import (
    AccessDenied,
    DomainError,
    FeatureDisabled,
    NotFound,
    ValidationError,
)
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday
NOV_17, DEC_1, DEC_8, DEC_15 = (
    date(2026, 11, 17),
    date(2026, 12, 1),
    date(2026, 12, 8),
    date(2026, 12, 15),
)
NOV_26, DEC_3, DEC_10, DEC_17 = (
    date(2026, 11, 26),
    date(2026, 12, 3),
    date(2026, 12, 10),
    date(2026, 12, 17),
)
THURSDAY = 3
BAD_IDS = ["1", 1.5, True, None, [1]]
BAD_DATES = [
    "2026-12-01",
    datetime(2026, 12, 1, 16, tzinfo=UTC),
    date(2026, 11, 25),  # a Wednesday: no class
    NOV_17,  # passed
    date(2026, 12, 22),  # a Tuesday after the term
    date(9999, 12, 28),
    date(1, 1, 2),
    None,
]


@dataclass
class World:
    north: Location
    south: Location
    level: Level
    tuesday: GymClass  # Northside, Tuesdays 16:00, 8 seats: Maya's class
    thursday: GymClass  # Northside, same program, Thursdays 16:00, 8 seats
    south_class: GymClass  # Southside, same program, Tuesdays
    family: Family
    guardian: Actor
    maya: Student
    place: Enrollment  # Maya in `tuesday` since 1 September
    other_family: Family
    other_guardian: Actor
    ada: Student  # the other family's student, also in `tuesday`
    desk: Actor  # staff at Northside
    south_desk: Actor  # staff at Southside only
    admin: Actor


def build_world(db: Session) -> World:
    north, south = f.location(db, "Northside"), f.location(db, "Southside")
    level = f.program_level(db)
    tuesday = f.gym_class(db, north, level=level)
    thursday = f.gym_class(db, north, level=level, weekday=THURSDAY, name="Thursday Tumblers")
    south_class = f.gym_class(db, south, level=level, name="Southside Tumblers")
    fam, _, account = f.family(db, "Rivera")
    other, _, other_account = f.family(db, "Okafor")
    maya, ada = f.student(db, fam, "Maya"), f.student(db, other, "Ada")
    place = f.enroll(db, maya, tuesday)
    f.enroll(db, ada, tuesday)
    return World(
        north=north,
        south=south,
        level=level,
        tuesday=tuesday,
        thursday=thursday,
        south_class=south_class,
        family=fam,
        guardian=f.guardian_actor(db, account),
        maya=maya,
        place=place,
        other_family=other,
        other_guardian=f.guardian_actor(db, other_account),
        ada=ada,
        desk=f.staff(db, "desk@example.com", [north]),
        south_desk=f.staff(db, "south@example.com", [south]),
        admin=f.staff(db, "owner@example.com", [], Role.ADMIN),
    )


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


def race(engine: Engine, *calls: Callable[[Session], Any]) -> list[Any]:
    """Run each call in its own thread and session, all released at once; collect results
    (a refused call's DomainError is its result)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[Session], Any]) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait(timeout=10)
            try:
                results[i] = call(session)
            except BaseException as exc:  # reported to the test thread below
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, DomainError):
            raise result
    return results


def queries(statements: list[str]) -> list[str]:
    """The statements sent, without SQLite's BEGIN."""
    return [s for s in statements if not s.startswith("BEGIN")]


def snapshot(db: Session) -> tuple[Any, ...]:
    """Everything a refused change must leave alone."""
    db.expire_all()
    places = db.execute(
        select(
            Enrollment.id,
            Enrollment.class_id,
            Enrollment.status,
            Enrollment.start_date,
            Enrollment.end_date,
            Enrollment.waitlist_position,
            Enrollment.transferred_to_id,
        ).order_by(Enrollment.id)
    ).all()
    requests = db.execute(
        select(ParentRequest.id, ParentRequest.status).order_by(ParentRequest.id)
    ).all()
    counts = [
        db.scalar(select(func.count()).select_from(table)) for table in (RequestEvent, AuditEntry)
    ]
    return (tuple(places), tuple(requests), *counts)


def refused(db: Session, error: type[Exception], call: Callable[[], object]) -> DomainError:
    """The call raises `error` and changes nothing."""
    before = snapshot(db)
    with pytest.raises(error) as caught:
        call()
    assert snapshot(db) == before
    assert isinstance(caught.value, DomainError)
    return caught.value


def requests_of(db: Session, enrollment: Enrollment) -> list[ParentRequest]:
    db.expire_all()
    return list(
        db.scalars(
            select(ParentRequest)
            .where(ParentRequest.enrollment_id == enrollment.id)
            .order_by(ParentRequest.id)
        )
    )


def history(db: Session, request_id: int) -> list[RequestStatus]:
    return list(
        db.scalars(
            select(RequestEvent.status)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.id)
        )
    )


def reloaded(db: Session, enrollment: Enrollment) -> Enrollment:
    db.expire_all()
    row = db.get(Enrollment, enrollment.id)
    assert row is not None
    return row


def waitlist(db: Session, cls: GymClass, *students: Student) -> list[Enrollment]:
    return [
        f.enroll(
            db,
            stu,
            cls,
            status=EnrollmentStatus.WAITLISTED,
            start=date(2026, 11, 1),
            waitlist_position=n,
        )
        for n, stu in enumerate(students, start=1)
    ]


def direct(db: Session) -> None:
    """Parents' changes apply at once."""
    f.portal_settings(db, requests_need_approval=False)


# student_enrollments


def test_enrollments_are_grouped_current_waitlisted_past(db: Session, world: World) -> None:
    w = world
    trial_class = f.gym_class(db, w.north, weekday=5, name="Saturday Trial")
    trial = f.enroll(
        db, w.maya, trial_class, type=EnrollmentType.TRIAL, start=date(2026, 12, 5), end=None
    )
    later = f.enroll(db, w.maya, w.south_class, start=DEC_8)
    visit = f.enroll(db, w.maya, w.thursday, type=EnrollmentType.MAKEUP, start=DEC_3)
    old_visit = f.enroll(
        db, w.maya, w.thursday, type=EnrollmentType.MAKEUP, start=date(2026, 11, 19)
    )
    full = f.gym_class(db, w.north, weekday=4, name="Friday Flips")
    waiting = f.enroll(
        db, w.maya, full, status=EnrollmentStatus.WAITLISTED, start=TODAY, waitlist_position=2
    )
    dropped = f.enroll(db, w.maya, full, status=EnrollmentStatus.DROPPED, end=date(2026, 10, 1))
    ended = f.enroll(db, w.maya, f.gym_class(db, w.north, name="Ended"), end=date(2026, 11, 23))
    completed = f.enroll(
        db,
        w.maya,
        f.gym_class(db, w.south, name="Summer"),
        status=EnrollmentStatus.COMPLETED,
        start=date(2026, 6, 1),
        end=date(2026, 8, 15),
    )
    f.enroll(db, w.ada, w.thursday)
    pending = f.parent_request(db, w.maya, w.north, kind=RequestKind.DROP)
    pending.enrollment_id = w.place.id
    db.flush()

    lists = student_enrollments(db, w.guardian, w.maya.id)

    assert lists.student_name == "Maya Rivera"
    assert [v.id for v in lists.current] == [later.id, w.place.id, trial.id, visit.id]
    assert [v.id for v in lists.waitlisted] == [waiting.id]
    assert lists.waitlisted[0].waitlist_position == 2
    assert [v.id for v in lists.past] == [ended.id, old_visit.id, dropped.id, completed.id]
    pending_kinds = [(v.pending_request, v.pending_request_id) for v in lists.current]
    assert pending_kinds == [(None, None), ("drop", pending.id), (None, None), (None, None)]


def test_an_enrollment_view_carries_the_class_facts(db: Session, world: World) -> None:
    view = student_enrollments(db, world.guardian, world.maya.id).current[0]
    program = db.scalar(select(Program.name).where(Program.id == world.tuesday.program_id))
    assert view == EnrollmentView(
        id=world.place.id,
        class_id=world.tuesday.id,
        class_name="Tumblers",
        program=program,
        level="Level 1",
        weekday=1,
        weekday_name="Tuesday",
        start_time=time(16, 0),
        end_time=time(17, 0),
        location_id=world.north.id,
        location_name="Northside",
        instructor="Coach Dana",
        start_date=date(2026, 9, 1),
        end_date=None,
        type="regular",
        status="active",
        waitlist_position=None,
        pending_request=None,
        pending_request_id=None,
    )


def test_reading_enrollments_takes_three_queries_however_many(
    db: Session, engine: Engine, world: World
) -> None:
    for n in range(6):
        f.enroll(db, world.maya, f.gym_class(db, world.south, name=f"Class {n}"))
    db.commit()
    db.expunge_all()
    with count_queries(engine) as statements:
        lists = student_enrollments(db, world.guardian, world.maya.id)
    assert len(lists.current) == 7
    assert len(queries(statements)) == 3


def test_a_guardian_reads_only_their_own_students(db: Session, world: World) -> None:
    refused(db, NotFound, lambda: student_enrollments(db, world.other_guardian, world.maya.id))
    refused(db, NotFound, lambda: student_enrollments(db, world.guardian, 999_999))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda bad=bad: student_enrollments(db, world.guardian, bad))


def test_staff_read_the_enrollments_at_their_locations(db: Session, world: World) -> None:
    south_place = f.enroll(db, world.maya, world.south_class)
    assert [v.id for v in student_enrollments(db, world.desk, world.maya.id).current] == [
        world.place.id
    ]
    assert [v.id for v in student_enrollments(db, world.south_desk, world.maya.id).current] == [
        south_place.id
    ]
    assert len(student_enrollments(db, world.admin, world.maya.id).current) == 2
    elsewhere = f.staff(db, "west@example.com", [f.location(db, "Westside")])
    refused(db, NotFound, lambda: student_enrollments(db, elsewhere, world.maya.id))


# cancel_waitlist


def test_cancelling_a_waitlist_place_moves_the_others_up(db: Session, world: World) -> None:
    w = world
    full = f.gym_class(db, w.north, capacity=1, name="Full")
    f.enroll(db, f.student(db, w.other_family, "Bea"), full)
    first, mine, third, fourth = waitlist(
        db, full, w.ada, w.maya, f.student(db, w.other_family, "Cy"), f.student(db, w.family, "Di")
    )

    outcome = cancel_waitlist(db, w.guardian, mine.id)  # approval is on: still at once

    assert outcome.applied
    assert outcome.message == "Maya is off the waitlist for Full."
    assert (reloaded(db, mine).status, mine.end_date, mine.waitlist_position) == (
        EnrollmentStatus.DROPPED,
        TODAY,
        None,
    )
    assert [reloaded(db, e).waitlist_position for e in (first, third, fourth)] == [1, 2, 3]
    [request] = requests_of(db, mine)
    assert (request.id, request.kind, request.status) == (
        outcome.request_id,
        RequestKind.CANCEL_WAITLIST,
        RequestStatus.APPLIED,
    )
    assert history(db, request.id) == [RequestStatus.APPLIED]
    assert [v.id for v in student_enrollments(db, w.guardian, w.maya.id).past] == [mine.id]


def test_cancelling_a_waitlist_place_can_be_switched_off(db: Session, world: World) -> None:
    [place] = waitlist(db, world.thursday, world.maya)
    f.portal_settings(db, allow_cancel_waitlist=False)
    refused(db, FeatureDisabled, lambda: cancel_waitlist(db, world.guardian, place.id))
    assert cancel_waitlist(db, world.desk, place.id).applied  # the desk still can


def test_cancel_waitlist_refusals(db: Session, world: World) -> None:
    [place] = waitlist(db, world.thursday, world.maya)
    refused(db, ValidationError, lambda: cancel_waitlist(db, world.guardian, world.place.id))
    refused(db, NotFound, lambda: cancel_waitlist(db, world.other_guardian, place.id))
    refused(db, NotFound, lambda: cancel_waitlist(db, world.south_desk, place.id))
    refused(db, NotFound, lambda: cancel_waitlist(db, world.guardian, 999_999))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda bad=bad: cancel_waitlist(db, world.guardian, bad))
    waiting = f.parent_request(db, world.maya, world.north, kind=RequestKind.CANCEL_WAITLIST)
    waiting.enrollment_id = place.id
    db.flush()
    refused(db, ValidationError, lambda: cancel_waitlist(db, world.guardian, place.id))


def test_two_cancels_of_one_waitlist_place_apply_once(
    db: Session, engine: Engine, world: World
) -> None:
    mine, behind = waitlist(db, world.thursday, world.maya, world.ada)
    db.commit()
    results = race(
        engine,
        lambda s: cancel_waitlist(s, world.guardian, mine.id),
        lambda s: cancel_waitlist(s, world.guardian, mine.id),
    )
    assert sorted(type(r).__name__ for r in results) == ["ChangeOutcome", "ValidationError"]
    assert reloaded(db, behind).waitlist_position == 1
    assert len(requests_of(db, mine)) == 1


# join_waitlist


def test_a_full_class_takes_the_student_at_the_end_of_its_waitlist(
    db: Session, world: World
) -> None:
    full = f.gym_class(db, world.north, capacity=1, name="Full")
    f.enroll(db, world.ada, full)
    waitlist(db, full, f.student(db, world.other_family, "Bea"))

    view = join_waitlist(db, world.guardian, world.maya.id, full.id)

    assert (view.status, view.waitlist_position, view.start_date) == ("waitlisted", 2, TODAY)
    assert view.class_name == "Full"
    assert [v.id for v in student_enrollments(db, world.guardian, world.maya.id).waitlisted] == [
        view.id
    ]


def test_join_waitlist_refusals(db: Session, world: World) -> None:
    full = f.gym_class(db, world.north, capacity=1, name="Full")
    f.enroll(db, world.ada, full)
    g = world.guardian
    refused(db, ValidationError, lambda: join_waitlist(db, g, world.maya.id, world.thursday.id))
    refused(
        db, ValidationError, lambda: join_waitlist(db, world.other_guardian, world.ada.id, full.id)
    )
    refused(db, NotFound, lambda: join_waitlist(db, world.other_guardian, world.maya.id, full.id))
    refused(db, NotFound, lambda: join_waitlist(db, world.south_desk, world.maya.id, full.id))
    refused(db, NotFound, lambda: join_waitlist(db, g, world.maya.id, 999_999))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda bad=bad: join_waitlist(db, g, bad, full.id))
        refused(db, ValidationError, lambda bad=bad: join_waitlist(db, g, world.maya.id, bad))
    join_waitlist(db, world.desk, world.maya.id, full.id)
    refused(db, ValidationError, lambda: join_waitlist(db, g, world.maya.id, full.id))
    full.is_active = False
    db.flush()
    refused(
        db, ValidationError, lambda: join_waitlist(db, world.other_guardian, world.ada.id, full.id)
    )


# drop_preview


def test_the_drop_preview_defaults_to_the_next_class(db: Session, world: World) -> None:
    preview = drop_preview(db, world.guardian, world.place.id)
    assert preview.effective_date == preview.tuition_stops_on == TODAY
    assert preview.last_class == NOV_17
    assert preview.removed_dates == preview.choices == (TODAY, DEC_1, DEC_8, DEC_15)
    assert not preview.applies_now
    assert preview.summary == (
        "From Tuesday 24 November 2026, Maya leaves Tumblers: 4 classes are removed and "
        "tuition stops. Staff will review the request first."
    )


def test_once_todays_class_has_started_the_next_one_is_the_default(
    db: Session, world: World
) -> None:
    direct(db)
    with clock.frozen_at(datetime(2026, 11, 24, 22, 30, tzinfo=UTC)):  # 16:30 in Chicago
        preview = drop_preview(db, world.guardian, world.place.id)
    assert (preview.effective_date, preview.last_class) == (DEC_1, TODAY)
    assert preview.choices == (DEC_1, DEC_8, DEC_15)
    assert preview.applies_now


def test_a_chosen_drop_date_keeps_the_classes_before_it(db: Session, world: World) -> None:
    preview = drop_preview(db, world.guardian, world.place.id, DEC_8)
    assert (preview.last_class, preview.removed_dates) == (DEC_1, (DEC_8, DEC_15))
    assert preview.summary.startswith("From Tuesday 8 December 2026, Maya leaves Tumblers: 2 ")


def test_a_place_that_has_not_started_is_removed_entirely(db: Session, world: World) -> None:
    later = f.enroll(db, world.maya, world.south_class, start=DEC_8)
    preview = drop_preview(db, world.guardian, later.id)
    assert (preview.effective_date, preview.last_class) == (TODAY, None)
    assert preview.removed_dates == (DEC_8, DEC_15)


def test_drop_preview_refusals(db: Session, world: World) -> None:
    g = world.guardian
    for bad in BAD_DATES[:-1]:
        refused(db, ValidationError, lambda bad=bad: drop_preview(db, g, world.place.id, bad))
    refused(db, NotFound, lambda: drop_preview(db, world.other_guardian, world.place.id))
    refused(db, NotFound, lambda: drop_preview(db, world.south_desk, world.place.id))
    refused(db, ValidationError, lambda: drop_preview(db, g, "1"))
    with clock.frozen_at(datetime(2026, 12, 21, 15, tzinfo=UTC)):
        error = refused(db, ValidationError, lambda: drop_preview(db, g, world.place.id))
    assert error.message == "There are no classes left to drop."
    f.portal_settings(db, allow_drop=False)
    refused(db, FeatureDisabled, lambda: drop_preview(db, g, world.place.id))
    assert drop_preview(db, world.desk, world.place.id).applies_now


# drop_enrollment


def test_with_approval_on_a_drop_becomes_a_pending_request(db: Session, world: World) -> None:
    before = snapshot(db)[0]
    outcome = drop_enrollment(db, world.guardian, world.place.id, DEC_8, note="  Moving away ")
    assert not outcome.applied
    assert outcome.message == (
        "Your request for Maya to leave Tumblers from Tuesday 8 December 2026 is waiting for staff."
    )
    assert snapshot(db)[0] == before  # the enrollment is unchanged
    [request] = requests_of(db, world.place)
    assert (request.id, request.kind, request.status) == (
        outcome.request_id,
        RequestKind.DROP,
        RequestStatus.PENDING,
    )
    assert (request.effective_date, request.parent_note, request.location_id) == (
        DEC_8,
        "Moving away",
        world.north.id,
    )
    view = student_enrollments(db, world.guardian, world.maya.id).current[0]
    assert (view.pending_request, view.pending_request_id) == ("drop", request.id)
    error = refused(
        db, ValidationError, lambda: drop_enrollment(db, world.guardian, world.place.id, DEC_1)
    )
    assert "already waiting for staff" in error.message


def test_a_direct_drop_ends_the_place_before_the_effective_date(db: Session, world: World) -> None:
    direct(db)
    outcome = drop_enrollment(db, world.guardian, world.place.id, TODAY)
    assert outcome == ChangeOutcome(
        True,
        outcome.request_id,
        "Maya leaves Tumblers from Tuesday 24 November 2026.",
    )
    place = reloaded(db, world.place)
    assert (place.status, place.end_date) == (EnrollmentStatus.DROPPED, date(2026, 11, 23))
    [request] = requests_of(db, world.place)
    assert (request.id, request.status, request.effective_date) == (
        outcome.request_id,
        RequestStatus.APPLIED,
        TODAY,
    )
    assert history(db, request.id) == [RequestStatus.APPLIED]
    assert open_seats_from(db, world.tuesday, TODAY) == 7


def test_a_later_drop_keeps_the_seat_until_the_last_class(db: Session, world: World) -> None:
    direct(db)
    assert drop_enrollment(db, world.guardian, world.place.id, DEC_8).applied
    place = reloaded(db, world.place)
    assert (place.status, place.end_date) == (EnrollmentStatus.ACTIVE, date(2026, 12, 7))
    assert open_seats_from(db, world.tuesday, DEC_1) == 6
    assert open_seats_from(db, world.tuesday, DEC_8) == 7
    assert [v.id for v in student_enrollments(db, world.guardian, world.maya.id).current] == [
        place.id
    ]
    refused(db, ValidationError, lambda: drop_enrollment(db, world.guardian, place.id, DEC_15))
    with clock.frozen_at(datetime(2026, 12, 8, 15, tzinfo=UTC)):
        assert finish_ended_enrollments(db, world.desk) == 1
        assert [v.id for v in student_enrollments(db, world.guardian, world.maya.id).past] == [
            place.id
        ]
    assert reloaded(db, place).status is EnrollmentStatus.DROPPED


def test_dropping_a_place_before_it_starts_ends_it_on_its_start(db: Session, world: World) -> None:
    direct(db)
    later = f.enroll(db, world.maya, world.south_class, start=DEC_8)
    drop_enrollment(db, world.guardian, later.id, DEC_1)
    assert (reloaded(db, later).status, later.end_date) == (EnrollmentStatus.DROPPED, DEC_8)


def test_staff_drop_at_once_whatever_the_parent_switches(db: Session, world: World) -> None:
    f.portal_settings(db, allow_drop=False, requests_need_approval=True)
    refused(db, FeatureDisabled, lambda: drop_enrollment(db, world.guardian, world.place.id, TODAY))
    assert drop_enrollment(db, world.desk, world.place.id, TODAY).applied
    [request] = requests_of(db, world.place)
    assert (request.status, request.created_by_user_id) == (
        RequestStatus.APPLIED,
        world.desk.user_id,
    )


def test_a_drop_needs_a_future_class_date_of_the_class(db: Session, world: World) -> None:
    direct(db)
    for bad in BAD_DATES:
        refused(
            db,
            ValidationError,
            lambda bad=bad: drop_enrollment(db, world.guardian, world.place.id, bad),
        )


def test_drop_refusals(db: Session, world: World) -> None:
    direct(db)
    g = world.guardian
    [waiting] = waitlist(db, world.thursday, world.maya)
    visit = f.enroll(db, world.maya, world.thursday, type=EnrollmentType.MAKEUP, start=DEC_3)
    for place in (waiting, visit):
        refused(db, ValidationError, lambda place=place: drop_enrollment(db, g, place.id, DEC_3))
    refused(db, NotFound, lambda: drop_enrollment(db, world.other_guardian, world.place.id, DEC_1))
    refused(db, NotFound, lambda: drop_enrollment(db, world.south_desk, world.place.id, DEC_1))
    refused(db, NotFound, lambda: drop_enrollment(db, g, 999_999, DEC_1))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda bad=bad: drop_enrollment(db, g, bad, DEC_1))
    for note in (None, 5, "x" * 2001):
        refused(
            db,
            ValidationError,
            lambda note=note: drop_enrollment(db, g, world.place.id, DEC_1, note=note),
        )
    drop_enrollment(db, g, world.place.id, TODAY)
    refused(db, ValidationError, lambda: drop_enrollment(db, g, world.place.id, DEC_1))


@pytest.mark.parametrize(
    ("need_approval", "left"), [(False, RequestStatus.APPLIED), (True, RequestStatus.PENDING)]
)
def test_two_drops_of_one_place_count_once(
    db: Session, engine: Engine, world: World, need_approval: bool, left: RequestStatus
) -> None:
    f.portal_settings(db, requests_need_approval=need_approval)
    db.commit()
    results = race(
        engine,
        lambda s: drop_enrollment(s, world.guardian, world.place.id, DEC_1),
        lambda s: drop_enrollment(s, world.guardian, world.place.id, DEC_8),
    )
    assert sorted(type(r).__name__ for r in results) == ["ChangeOutcome", "ValidationError"]
    assert [r.status for r in requests_of(db, world.place)] == [left]


# transfer_options


def test_transfer_options_list_the_programs_classes_with_seats_and_why_not(
    db: Session, engine: Engine, world: World
) -> None:
    w = world
    full = f.gym_class(db, w.north, level=w.level, weekday=2, capacity=1, name="Wednesday")
    f.enroll(db, w.ada, full)
    busy = f.gym_class(db, w.north, level=w.level, weekday=4, capacity=1, name="Friday")
    f.enroll(db, f.student(db, w.other_family, "Bea"), busy)
    waitlist(db, busy, w.maya)
    f.gym_class(db, w.north, name="Other program")
    closed = f.gym_class(db, w.north, level=w.level, name="Closed")
    closed.is_active = False
    f.enroll(db, f.student(db, w.other_family, "Cy"), w.thursday, end=date(2026, 11, 25))
    f.enroll(db, f.student(db, w.other_family, "Di"), w.thursday, end=NOV_26)
    db.commit()
    db.expunge_all()

    with count_queries(engine) as statements:
        options = transfer_options(db, w.guardian, w.place.id, w.north.id)

    assert len(queries(statements)) == 11  # with the closed days
    assert [(o.class_name, o.seats_left, o.available, o.reason) for o in options] == [
        ("Wednesday", 0, False, CLASS_FULL),
        ("Thursday Tumblers", 7, True, None),
        ("Friday", 0, False, ALREADY_IN_CLASS),
    ]
    thursday = options[1]
    assert thursday.start_dates == (NOV_26, DEC_3, DEC_10, DEC_17)
    assert (thursday.weekday_name, thursday.start_time, thursday.location_name) == (
        "Thursday",
        time(16, 0),
        "Northside",
    )
    assert open_seats_from(db, db.get(GymClass, w.thursday.id), NOV_26) == 7
    south = transfer_options(db, w.guardian, w.place.id, w.south.id)
    assert [o.class_name for o in south] == ["Southside Tumblers"]


def test_transfer_options_refusals(db: Session, world: World) -> None:
    g, place = world.guardian, world.place.id
    refused(db, NotFound, lambda: transfer_options(db, world.other_guardian, place, world.north.id))
    refused(db, NotFound, lambda: transfer_options(db, world.south_desk, place, world.south.id))
    refused(db, NotFound, lambda: transfer_options(db, world.desk, place, world.south.id))
    refused(db, NotFound, lambda: transfer_options(db, g, place, 999_999))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda bad=bad: transfer_options(db, g, place, bad))
        refused(db, ValidationError, lambda bad=bad: transfer_options(db, g, bad, world.north.id))
    [waiting] = waitlist(db, world.thursday, world.maya)
    refused(db, ValidationError, lambda: transfer_options(db, g, waiting.id, world.north.id))
    f.portal_settings(db, allow_transfer=False)
    refused(db, FeatureDisabled, lambda: transfer_options(db, g, place, world.north.id))
    assert [o.class_name for o in transfer_options(db, world.desk, place, world.north.id)] == [
        "Thursday Tumblers"
    ]


# transfer_enrollment


def test_a_direct_transfer_ends_the_old_place_and_starts_the_new(db: Session, world: World) -> None:
    direct(db)
    outcome = transfer_enrollment(db, world.guardian, world.place.id, world.thursday.id, DEC_3)
    assert outcome.applied
    assert outcome.message == (
        "Moved Maya from Tumblers to Thursday Tumblers, starting Thursday 3 December 2026."
    )
    old = reloaded(db, world.place)
    assert (old.status, old.end_date, old.transferred_to_id) == (
        EnrollmentStatus.ACTIVE,  # Maya still has classes on 24 November and 1 December
        date(2026, 12, 2),
        outcome.enrollment_id,
    )
    new = db.get(Enrollment, outcome.enrollment_id)
    assert new is not None
    assert (new.class_id, new.type, new.status, new.start_date, new.end_date) == (
        world.thursday.id,
        EnrollmentType.REGULAR,
        EnrollmentStatus.ACTIVE,
        DEC_3,
        None,
    )
    [request] = requests_of(db, world.place)
    assert (request.kind, request.status, request.target_class_id, request.effective_date) == (
        RequestKind.TRANSFER,
        RequestStatus.APPLIED,
        world.thursday.id,
        DEC_3,
    )
    with clock.frozen_at(datetime(2026, 12, 3, 15, tzinfo=UTC)):
        assert finish_ended_enrollments(db, world.admin) == 1
    assert reloaded(db, world.place).status is EnrollmentStatus.TRANSFERRED


def test_a_transfer_starting_today_ends_the_old_place_now(db: Session, world: World) -> None:
    direct(db)
    outcome = transfer_enrollment(db, world.guardian, world.place.id, world.south_class.id, TODAY)
    old = reloaded(db, world.place)
    assert (old.status, old.end_date, old.transferred_to_id) == (
        EnrollmentStatus.TRANSFERRED,
        date(2026, 11, 23),
        outcome.enrollment_id,
    )


def test_with_approval_on_a_transfer_becomes_a_pending_request(db: Session, world: World) -> None:
    before = snapshot(db)[0]
    outcome = transfer_enrollment(db, world.guardian, world.place.id, world.thursday.id, DEC_3)
    assert (outcome.applied, outcome.enrollment_id) == (False, None)
    assert outcome.message == (
        "Your request to move Maya from Tumblers to Thursday Tumblers from "
        "Thursday 3 December 2026 is waiting for staff."
    )
    assert snapshot(db)[0] == before
    [request] = requests_of(db, world.place)
    assert (request.kind, request.status, request.target_class_id, request.effective_date) == (
        RequestKind.TRANSFER,
        RequestStatus.PENDING,
        world.thursday.id,
        DEC_3,
    )


def test_a_full_class_refuses_the_transfer_and_offers_its_waitlist(
    db: Session, world: World
) -> None:
    full = f.gym_class(db, world.north, level=world.level, weekday=THURSDAY, capacity=1)
    f.enroll(db, f.student(db, world.other_family, "Bea"), full)
    for setting in (True, False):
        f.portal_settings(db, requests_need_approval=setting)
        error = refused(
            db,
            ValidationError,
            lambda: transfer_enrollment(db, world.guardian, world.place.id, full.id, DEC_3),
        )
        assert error.message == "That class is full. You can join its waitlist instead."
    assert join_waitlist(db, world.guardian, world.maya.id, full.id).waitlist_position == 1


def test_transfer_refusals(db: Session, world: World) -> None:
    direct(db)
    g, place, thursday = world.guardian, world.place.id, world.thursday.id
    other_program = f.gym_class(db, world.north, weekday=THURSDAY, name="Other program")
    for target in (world.tuesday.id, other_program.id):
        refused(db, ValidationError, lambda t=target: transfer_enrollment(db, g, place, t, DEC_3))
    for day in (*BAD_DATES, DEC_1):
        refused(db, ValidationError, lambda d=day: transfer_enrollment(db, g, place, thursday, d))
    for bad in BAD_IDS:
        refused(db, ValidationError, lambda b=bad: transfer_enrollment(db, g, b, thursday, DEC_3))
        refused(db, ValidationError, lambda b=bad: transfer_enrollment(db, g, place, b, DEC_3))
    refused(db, NotFound, lambda: transfer_enrollment(db, g, place, 999_999, DEC_3))
    refused(
        db,
        NotFound,
        lambda: transfer_enrollment(db, world.other_guardian, place, thursday, DEC_3),
    )
    refused(
        db,
        NotFound,
        lambda: transfer_enrollment(db, world.desk, place, world.south_class.id, DEC_1),
    )
    refused(db, NotFound, lambda: transfer_enrollment(db, world.south_desk, place, thursday, DEC_3))
    visit = f.enroll(db, world.maya, world.south_class, type=EnrollmentType.MAKEUP, start=DEC_1)
    refused(db, ValidationError, lambda: transfer_enrollment(db, g, visit.id, thursday, DEC_3))
    waitlist(db, world.thursday, world.maya)
    refused(db, ValidationError, lambda: transfer_enrollment(db, g, place, thursday, DEC_3))
    f.portal_settings(db, allow_transfer=False)
    refused(db, FeatureDisabled, lambda: transfer_enrollment(db, g, place, thursday, DEC_3))
    assert transfer_enrollment(db, world.admin, place, world.south_class.id, DEC_1).applied


def test_two_transfers_into_the_last_seat_let_one_in(
    db: Session, engine: Engine, world: World
) -> None:
    direct(db)
    last_seat = f.gym_class(db, world.north, level=world.level, weekday=THURSDAY, capacity=1)
    # Bea comes from another class than Maya's: the two moves share only the target's lock.
    bea = f.enroll(db, f.student(db, world.other_family, "Bea"), world.south_class)
    db.commit()
    results = race(
        engine,
        lambda s: transfer_enrollment(s, world.guardian, world.place.id, last_seat.id, DEC_3),
        lambda s: transfer_enrollment(s, world.other_guardian, bea.id, last_seat.id, DEC_3),
    )
    assert sorted(type(r).__name__ for r in results) == ["ChangeOutcome", "ValidationError"]
    loser = next(r for r in results if isinstance(r, ValidationError))
    assert loser.message.startswith("That class is full")
    seated = db.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.class_id == last_seat.id)
    )
    assert seated == 1


# finish_ended_enrollments


def test_finishing_ended_places_is_for_staff_at_their_locations(db: Session, world: World) -> None:
    direct(db)
    drop_enrollment(db, world.guardian, world.place.id, DEC_8)
    trial = f.enroll(db, world.maya, world.thursday, type=EnrollmentType.TRIAL, end=NOV_26)
    with pytest.raises(AccessDenied):
        finish_ended_enrollments(db, world.guardian)
    with clock.frozen_at(datetime(2026, 12, 9, 15, tzinfo=UTC)):
        assert finish_ended_enrollments(db, world.south_desk) == 0
        assert finish_ended_enrollments(db, world.desk) == 2
    assert reloaded(db, world.place).status is EnrollmentStatus.DROPPED
    assert reloaded(db, trial).status is EnrollmentStatus.COMPLETED
