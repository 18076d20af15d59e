"""Makeup tokens, makeup options, booking and cancelling makeups, makeup requests; access for
every public function and real concurrent bookings, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AttendanceStatus,
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Level,
    MakeupToken,
    ParentRequest,
    RequestKind,
    TokenState,
)
from services.classes.capacity import open_seats_on
from services.desk.request_decisions import decide_request
from services.families.requests import family_requests
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, FeatureDisabled, NotFound, ValidationError
from services.makeups.absences_by_dates import report_absence_by_dates
from services.makeups.makeup_meetings import MakeupOption
from services.makeups.makeup_requests import (
    apply_makeup_request,
    makeup_request_options,
    request_makeup,
)
from services.makeups.makeup_visits import book_makeup, cancel_makeup, makeup_options
from services.makeups.past_makeups import PastMakeup, past_makeups
from services.makeups.tokens import TokenView, student_tokens
from tests import factories as f
from tests.support.queries import count_queries

TODAY = date(2026, 11, 24)  # Tuesday, 09:00 in Chicago
THU_26_NOV, THU_3_DEC, THU_10_DEC, THU_17_DEC = (
    date(2026, 11, 26),
    date(2026, 12, 3),
    date(2026, 12, 10),
    date(2026, 12, 17),
)
TUE_1_DEC, TUE_17_NOV = date(2026, 12, 1), date(2026, 11, 17)


def race(engine: Engine, *calls: Callable[[Session], object]) -> list[object]:
    """Run each call in its own thread and session, released together by a barrier; each
    call's result, or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[Session], object]) -> None:
        with Session(engine, expire_on_commit=False) as session:
            session.connection()  # connect before the start line, so only the call races
            barrier.wait(timeout=30)
            try:
                results[index] = call(session)
            except Exception as error:  # the test inspects what each thread got
                results[index] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def strangers(gym: f.FamilyGym, record_id: int) -> list[tuple[Actor, int]]:
    """Who must be told "not found": another family's guardian, anyone asking for a missing
    id, and staff of a location where the family has nothing."""
    return [(gym.other_guardian, record_id), (gym.guardian, 999_999), (gym.south_desk, record_id)]


def hidden(call: Callable[[Actor, int], object], cases: list[tuple[Actor, int]], what: str) -> None:
    """Each (actor, id) answers exactly like a missing record."""
    for actor, record_id in cases:
        with pytest.raises(NotFound, match=f"That {what} was not found"):
            call(actor, record_id)


def refuses_forged(call: Callable[[object], object], what: str) -> None:
    """Ids that are not real ints (as a forged widget value could be) are refused."""
    for value in ("1", 1.5, True, None):
        with pytest.raises(ValidationError, match=f"That {what} is not valid"):
            call(value)


@dataclass
class World:
    gym: f.FamilyGym
    level: Level
    tumblers: GymClass  # Northside, Tuesdays 16:00; Maya and Ada are in it
    flips: GymClass  # Northside, Thursdays 16:00, same program and level: the makeup class


@pytest.fixture
def world(db: Session) -> World:
    gym = f.family_gym(db)
    level = db.get(Level, gym.cls.level_id)
    assert level is not None
    flips = f.gym_class(db, gym.north, level=level, weekday=3, name="Flips")
    db.commit()
    return World(gym, level, gym.cls, flips)


def absence_token(
    db: Session,
    world: World,
    *,
    student=None,  # type: ignore[no-untyped-def]
    day: date = TUE_1_DEC,
    expires_on: date = date(2026, 12, 31),
    state: TokenState = TokenState.AVAILABLE,
    visit: Enrollment | None = None,
) -> MakeupToken:
    """A token earned by an absence from Tumblers on `day`."""
    student = student or world.gym.maya
    absence = f.future_absence(db, student, world.tumblers, day)
    token = f.makeup_token(
        db, student, world.gym.north, expires_on=expires_on, state=state, makeup_enrollment=visit
    )
    token.source_absence_id = absence.id
    token.source_note = f"Absence from Tumblers on {day:%d %b}"
    db.commit()
    return token


def full_class(db: Session, world: World) -> GymClass:
    """Thursdays 18:00 at Northside, the same level as Tumblers: one seat, taken by Ada."""
    cls = f.gym_class(
        db, world.gym.north, level=world.level, weekday=3, start=time(18), end=time(19), capacity=1
    )
    cls.name = "Full"
    f.enroll(db, world.gym.other_student, cls)
    return cls


def visit(db: Session, student, cls: GymClass, day: date, **kw: object) -> Enrollment:  # type: ignore[no-untyped-def]
    return f.enroll(db, student, cls, type=EnrollmentType.MAKEUP, start=day, end=day, **kw)  # type: ignore[arg-type]


def written(db: Session) -> tuple[object, ...]:
    """Everything booking or cancelling could change."""
    db.rollback()
    return (
        tuple(db.execute(select(MakeupToken.id, MakeupToken.state).order_by(MakeupToken.id))),
        tuple(db.execute(select(Enrollment.id, Enrollment.status).order_by(Enrollment.id))),
        db.scalar(select(func.count()).select_from(ParentRequest)),
        db.scalar(select(func.count()).select_from(AuditEntry)),
        db.scalar(
            select(func.count())
            .select_from(FutureAbsence)
            .where(FutureAbsence.cancelled_at.is_(None))
        ),
    )


def dates(options: list[MakeupOption]) -> list[tuple[date, bool, str | None]]:
    return [(o.class_date, o.bookable, o.why_not) for o in options]


# student_tokens


def test_tokens_come_in_five_groups(db: Session, world: World) -> None:
    gym = world.gym
    here = absence_token(db, world)
    elsewhere = f.makeup_token(db, gym.maya, gym.south)
    booked = visit(db, gym.maya, world.flips, THU_3_DEC)
    pending = absence_token(db, world, day=TUE_17_NOV, state=TokenState.PENDING, visit=booked)
    expired = f.makeup_token(db, gym.maya, gym.north, state=TokenState.EXPIRED)
    used = visit(db, gym.maya, world.flips, date(2026, 11, 19))
    spent = f.makeup_token(db, gym.maya, gym.north, state=TokenState.SPENT, makeup_enrollment=used)
    f.makeup_token(db, gym.other_student, gym.north)  # another family's
    db.commit()
    groups = student_tokens(db, gym.guardian, gym.maya.id, gym.north.id)
    assert [t.id for t in groups.available_here] == [here.id]
    assert [t.id for t in groups.available_elsewhere] == [elsewhere.id]
    assert [t.id for t in groups.pending] == [pending.id]
    assert [t.id for t in groups.expired] == [expired.id]
    assert [t.id for t in groups.spent] == [spent.id]
    assert groups.pending[0] == TokenView(
        id=pending.id,
        student_id=gym.maya.id,
        location_id=gym.north.id,
        location_name="Northside",
        state="pending",
        issued_on=date(2026, 11, 1),
        expires_on=date(2026, 12, 31),
        source_note="Absence from Tumblers on 17 Nov",
        makeup_enrollment_id=booked.id,
        makeup_class_name="Flips",
        makeup_date=THU_3_DEC,
        makeup_start_time=time(16),
        spent_on=None,
    )
    no_location = student_tokens(db, gym.guardian, gym.maya.id)
    assert len(no_location.available_elsewhere) == 2 and no_location.available_here == ()


def test_reading_settles_what_time_has_changed(db: Session, world: World) -> None:
    gym = world.gym
    past_visit = visit(db, gym.maya, world.flips, date(2026, 11, 19))
    used = f.makeup_token(
        db, gym.maya, gym.north, state=TokenState.PENDING, makeup_enrollment=past_visit
    )
    today_visit = visit(db, gym.maya, world.flips, THU_26_NOV)
    upcoming = f.makeup_token(
        db, gym.maya, gym.north, state=TokenState.PENDING, makeup_enrollment=today_visit
    )
    lapsed = f.makeup_token(db, gym.maya, gym.north, expires_on=date(2026, 11, 23))
    last_day = f.makeup_token(db, gym.maya, gym.north, expires_on=TODAY)
    others = f.makeup_token(db, gym.other_student, gym.north, expires_on=date(2026, 11, 23))
    db.commit()
    groups = student_tokens(db, gym.guardian, gym.maya.id, gym.north.id)
    assert [(t.id, t.spent_on) for t in groups.spent] == [(used.id, date(2026, 11, 19))]
    assert [t.id for t in groups.pending] == [upcoming.id]
    assert [t.id for t in groups.expired] == [lapsed.id]
    assert [t.id for t in groups.available_here] == [last_day.id]
    db.rollback()
    stored = {row.id: row.state for row in db.execute(select(MakeupToken.id, MakeupToken.state))}
    assert stored[used.id] is TokenState.SPENT and stored[lapsed.id] is TokenState.EXPIRED
    assert stored[others.id] is TokenState.AVAILABLE  # settled only when its family looks


def test_expiry_uses_today_at_the_token_location(db: Session, world: World) -> None:
    tokyo = f.location(db, "Shibuya", timezone="Asia/Tokyo")  # already 25 Nov there
    there = f.makeup_token(db, world.gym.maya, tokyo, expires_on=TODAY)
    here = f.makeup_token(db, world.gym.maya, world.gym.north, expires_on=TODAY)
    db.commit()
    groups = student_tokens(db, world.gym.guardian, world.gym.maya.id, world.gym.north.id)
    assert [t.id for t in groups.expired] == [there.id]
    assert [t.id for t in groups.available_here] == [here.id]


def test_reading_tokens_takes_the_same_queries_for_one_or_many(
    db: Session, world: World, engine: Engine
) -> None:
    def add(count: int) -> None:
        for _ in range(count):
            f.makeup_token(db, world.gym.maya, world.gym.north, expires_on=date(2026, 11, 1))
        db.commit()

    def measure() -> int:
        with count_queries(engine) as statements:
            student_tokens(db, world.gym.guardian, world.gym.maya.id, world.gym.north.id)
        return len(statements)

    add(1)
    one = measure()
    add(8)
    assert measure() == one


def test_student_tokens_access(db: Session, world: World) -> None:
    gym = world.gym
    absence_token(db, world)
    hidden(lambda a, i: student_tokens(db, a, i), strangers(gym, gym.maya.id), "student")
    south = f.makeup_token(db, gym.maya, gym.south)
    db.commit()
    assert [t.id for t in student_tokens(db, gym.south_desk, gym.maya.id).available_elsewhere] == [
        south.id
    ]
    refuses_forged(lambda i: student_tokens(db, gym.guardian, i), "student")  # type: ignore[arg-type]
    for location in ("1", 1.5, True):  # None means "no location chosen"
        with pytest.raises(ValidationError, match="That location is not valid"):
            student_tokens(db, gym.guardian, gym.maya.id, location)  # type: ignore[arg-type]
    desk_view = student_tokens(db, gym.desk, gym.maya.id, gym.north.id)
    assert len(desk_view.available_here) == 1 and desk_view.available_elsewhere == ()
    assert south.id in [
        t.id for t in student_tokens(db, gym.admin, gym.maya.id).available_elsewhere
    ]
    assert len(student_tokens(db, gym.second, gym.maya.id).available_elsewhere) == 2


def test_tokens_switched_off_refuse_guardians_only(db: Session, world: World) -> None:
    token = absence_token(db, world)
    f.portal_settings(db, makeup_tokens_enabled=False)
    db.commit()
    gym = world.gym
    calls: list[Callable[[], object]] = [
        lambda: student_tokens(db, gym.guardian, gym.maya.id),
        lambda: makeup_options(db, gym.guardian, token.id),
        lambda: book_makeup(db, gym.guardian, token.id, world.flips.id, THU_3_DEC),
        lambda: cancel_makeup(db, gym.guardian, 1),
    ]
    before = written(db)
    for call in calls:
        with pytest.raises(FeatureDisabled, match="Makeup tokens are switched off"):
            call()
    assert written(db) == before
    assert book_makeup(db, gym.desk, token.id, world.flips.id, THU_3_DEC).state == "pending"


# makeup_options


def test_options_are_the_same_level_classes_in_the_window(db: Session, world: World) -> None:
    gym = world.gym
    other_level = f.next_level(db, world.level)
    f.gym_class(db, gym.north, level=other_level, weekday=3, name="Level 2")
    f.gym_class(db, gym.south, level=world.level, weekday=3, name="South Flips")
    token = absence_token(db, world)
    options = makeup_options(db, gym.guardian, token.id)
    assert dates(options) == [
        (THU_26_NOV, True, None),
        (THU_3_DEC, True, None),
        (THU_10_DEC, True, None),
        (THU_17_DEC, True, None),  # the term ends on 20 Dec
    ]
    program = db.scalar(select(GymClass.program_id).where(GymClass.id == world.flips.id))
    first = options[0]
    assert (first.class_id, first.class_name, first.level, first.location_name) == (
        world.flips.id,
        "Flips",
        "Level 1",
        "Northside",
    )
    assert program == world.level.program_id and first.program.startswith("Gymnastics")
    assert (first.weekday_name, first.start_time, first.end_time, first.instructor) == (
        "Thursday",
        time(16),
        time(17),
        "Coach Dana",
    )
    assert first.open_seats == 8


def test_options_stop_at_the_expiry_and_the_booking_window(db: Session, world: World) -> None:
    token = absence_token(db, world, expires_on=date(2026, 12, 5))
    assert [o.class_date for o in makeup_options(db, world.gym.guardian, token.id)] == [
        THU_26_NOV,
        THU_3_DEC,
    ]
    f.portal_settings(db, makeup_booking_window_days=7)
    db.commit()
    assert [o.class_date for o in makeup_options(db, world.gym.guardian, token.id)] == [THU_26_NOV]


def test_weeks_show_what_lies_beyond_and_why_not(db: Session, world: World) -> None:
    f.portal_settings(db, makeup_booking_window_days=7)
    token = absence_token(db, world, expires_on=date(2026, 12, 12))
    assert dates(makeup_options(db, world.gym.guardian, token.id, weeks=4)) == [
        (THU_26_NOV, True, None),
        (THU_3_DEC, False, "outside the booking window"),
        (THU_10_DEC, False, "outside the booking window"),
        (THU_17_DEC, False, "token expired"),
    ]
    assert len(makeup_options(db, world.gym.guardian, token.id, weeks=1)) == 1


def test_full_booked_and_clashing_meetings_say_why(db: Session, world: World) -> None:
    gym = world.gym
    small = f.gym_class(
        db, gym.north, level=world.level, weekday=3, start=time(18), end=time(19), capacity=1
    )
    f.enroll(db, gym.other_student, small)
    f.future_absence(db, gym.other_student, small, THU_10_DEC)  # lends Ada's seat that day
    visit(db, gym.maya, world.flips, THU_3_DEC)
    at_south = f.gym_class(db, gym.south, weekday=3, start=time(16, 30), end=time(17, 30))
    f.enroll(db, gym.maya, at_south, start=THU_17_DEC)
    token = absence_token(db, world)
    options = makeup_options(db, gym.guardian, token.id)
    by_class = {(o.class_id, o.class_date): (o.open_seats, o.bookable, o.why_not) for o in options}
    assert by_class[(small.id, THU_3_DEC)] == (0, False, "class full")
    assert by_class[(small.id, THU_10_DEC)] == (1, True, None)
    assert by_class[(world.flips.id, THU_3_DEC)] == (7, False, "already booked that day")
    assert by_class[(world.flips.id, THU_17_DEC)] == (
        8,
        False,
        "at the same time as Tumblers",
    )
    for option in options:  # the bulk count agrees with capacity.open_seats_on
        cls = db.get(GymClass, option.class_id)
        assert cls is not None and option.open_seats == open_seats_on(db, cls, option.class_date)


def test_options_take_the_same_queries_for_more_classes(
    db: Session, world: World, engine: Engine
) -> None:
    token = absence_token(db, world)

    def measure() -> int:
        db.commit()
        with count_queries(engine) as statements:
            makeup_options(db, world.gym.guardian, token.id)
        return len(statements)

    one = measure()
    for hour in (9, 10, 11, 12, 13):
        cls = f.gym_class(db, world.gym.north, level=world.level, weekday=5, start=time(hour))
        f.enroll(db, world.gym.other_student, cls)
    db.commit()
    assert len(makeup_options(db, world.gym.guardian, token.id)) == 4 + 5 * 4
    assert measure() == one


def test_a_token_without_a_source_matches_the_current_class_there(
    db: Session, world: World
) -> None:
    goodwill = f.makeup_token(db, world.gym.maya, world.gym.north)
    db.commit()
    assert {o.class_name for o in makeup_options(db, world.gym.guardian, goodwill.id)} == {"Flips"}
    stranger = f.makeup_token(db, world.gym.maya, world.gym.south)
    db.commit()
    with pytest.raises(ValidationError, match="Maya has no current class at Southside"):
        makeup_options(db, world.gym.guardian, stranger.id)


def test_unusable_tokens_have_no_options(db: Session, world: World) -> None:
    gym = world.gym
    booked = visit(db, gym.maya, world.flips, THU_3_DEC)
    pending = absence_token(db, world, state=TokenState.PENDING, visit=booked)
    used = visit(db, gym.maya, world.flips, date(2026, 11, 19))
    spent = absence_token(db, world, day=TUE_17_NOV, state=TokenState.SPENT, visit=used)
    lapsed = absence_token(db, world, day=date(2026, 11, 10), expires_on=date(2026, 11, 23))
    for token, message in (
        (pending, "already booked for Flips on Thu 3 Dec"),
        (spent, "already been used"),
        (lapsed, "expired on 23 Nov 2026"),
    ):
        with pytest.raises(ValidationError, match=message):
            makeup_options(db, gym.guardian, token.id)


def test_makeup_options_access(db: Session, world: World) -> None:
    gym = world.gym
    token = absence_token(db, world)
    hidden(lambda a, i: makeup_options(db, a, i), strangers(gym, token.id), "makeup token")
    refuses_forged(lambda i: makeup_options(db, gym.guardian, i), "makeup token")  # type: ignore[arg-type]
    for weeks in (0, 13, "2", True, 1.5):
        with pytest.raises(ValidationError, match="between 1 and 12 weeks"):
            makeup_options(db, gym.guardian, token.id, weeks=weeks)  # type: ignore[arg-type]
    assert makeup_options(db, gym.desk, token.id) == makeup_options(db, gym.second, token.id)


# book_makeup


def test_booking_makes_the_token_pending(db: Session, world: World) -> None:
    gym = world.gym
    token = absence_token(db, world)
    view = book_makeup(db, gym.guardian, token.id, world.flips.id, THU_3_DEC)
    (booked,) = db.scalars(select(Enrollment).where(Enrollment.type == EnrollmentType.MAKEUP))
    assert (booked.student_id, booked.class_id, booked.status) == (
        gym.maya.id,
        world.flips.id,
        EnrollmentStatus.ACTIVE,
    )
    assert booked.start_date == booked.end_date == THU_3_DEC
    assert (view.state, view.makeup_enrollment_id, view.makeup_class_name, view.makeup_date) == (
        "pending",
        booked.id,
        "Flips",
        THU_3_DEC,
    )
    db.rollback()
    stored = db.get(MakeupToken, token.id)
    assert stored is not None and stored.redeemed_at == clock.now()
    groups = student_tokens(db, gym.guardian, gym.maya.id, gym.north.id)
    assert [t.id for t in groups.pending] == [token.id]


def test_a_reported_absence_lends_its_seat_to_a_makeup(db: Session, world: World) -> None:
    gym = world.gym
    small = f.gym_class(db, gym.north, level=world.level, weekday=3, capacity=1, name="Small")
    f.enroll(db, gym.other_student, small)
    token = absence_token(db, world)
    with pytest.raises(ValidationError, match="Small is full on Thu 3 Dec"):
        book_makeup(db, gym.guardian, token.id, small.id, THU_3_DEC)
    f.future_absence(db, gym.other_student, small, THU_3_DEC)
    db.commit()
    assert book_makeup(db, gym.guardian, token.id, small.id, THU_3_DEC).state == "pending"


def test_booking_refusals_change_nothing(db: Session, world: World) -> None:
    gym = world.gym
    f.portal_settings(db, makeup_booking_window_days=14)
    south_flips = f.gym_class(db, gym.south, level=world.level, weekday=3, name="South Flips")
    level_2 = f.gym_class(db, gym.north, level=f.next_level(db, world.level), weekday=3)
    full = full_class(db, world)
    tonight = f.gym_class(db, gym.north, level=world.level, start=time(18), end=time(19))
    visit(db, gym.maya, world.flips, THU_26_NOV)
    token = absence_token(db, world, expires_on=date(2026, 12, 5))
    long_lived = absence_token(db, world, day=date(2026, 12, 8))
    cases: list[tuple[int, int, object, str]] = [
        (token.id, south_flips.id, THU_3_DEC, "can only be used at Northside"),
        (token.id, level_2.id, THU_3_DEC, "same program and level"),
        (token.id, world.flips.id, date(2026, 12, 2), "Flips does not meet on Wed 2 Dec"),
        (token.id, world.flips.id, date(2027, 1, 7), "Flips does not meet on Thu 7 Jan"),
        (token.id, world.flips.id, date(2026, 11, 19), "Flips on Thu 19 Nov has already started"),
        (token.id, tonight.id, TODAY, "from tomorrow on"),
        (token.id, world.tumblers.id, TUE_1_DEC, "Maya is already in Tumblers"),
        (token.id, full.id, THU_3_DEC, "Full is full on Thu 3 Dec"),
        (token.id, world.flips.id, THU_26_NOV, "already has a makeup in Flips on Thu 26 Nov"),
        (token.id, world.flips.id, THU_10_DEC, "expires on 5 Dec 2026, before that class"),
        (long_lived.id, world.flips.id, THU_10_DEC, "up to 14 days ahead"),
        (token.id, world.flips.id, "2026-12-03", "Choose the date of the class"),
        (token.id, "3", THU_3_DEC, "class is not valid"),
    ]
    before = written(db)
    for token_id, class_id, day, message in cases:
        with pytest.raises(ValidationError, match=message):
            book_makeup(db, gym.guardian, token_id, class_id, day)  # type: ignore[arg-type]
    assert written(db) == before


def test_a_token_books_only_once(db: Session, world: World) -> None:
    token = absence_token(db, world)
    book_makeup(db, world.gym.guardian, token.id, world.flips.id, THU_3_DEC)
    before = written(db)
    with pytest.raises(ValidationError, match="already booked for Flips on Thu 3 Dec"):
        book_makeup(db, world.gym.second, token.id, world.flips.id, THU_10_DEC)
    assert written(db) == before


def test_an_expired_token_cannot_book(db: Session, world: World) -> None:
    token = absence_token(db, world, expires_on=date(2026, 11, 23))
    with pytest.raises(ValidationError, match="expired on 23 Nov 2026"):
        book_makeup(db, world.gym.guardian, token.id, world.flips.id, THU_26_NOV)


def test_book_makeup_access(db: Session, world: World) -> None:
    gym = world.gym
    token = absence_token(db, world)
    before = written(db)
    flips = world.flips.id
    hidden(
        lambda a, i: book_makeup(db, a, i, flips, THU_3_DEC),
        strangers(gym, token.id),
        "makeup token",
    )
    hidden(lambda a, i: book_makeup(db, a, token.id, i, THU_3_DEC), [(gym.guardian, 999)], "class")
    refuses_forged(lambda i: book_makeup(db, gym.guardian, i, flips, THU_3_DEC), "makeup token")  # type: ignore[arg-type]
    assert written(db) == before
    assert book_makeup(db, gym.admin, token.id, world.flips.id, THU_3_DEC).state == "pending"


# cancel_makeup


def booked_makeup(db: Session, world: World, day: date = THU_3_DEC) -> tuple[MakeupToken, int]:
    token = absence_token(db, world)
    view = book_makeup(db, world.gym.guardian, token.id, world.flips.id, day)
    assert view.makeup_enrollment_id is not None
    return token, view.makeup_enrollment_id


def test_cancelling_before_the_cutoff_returns_the_token(db: Session, world: World) -> None:
    token, enrollment_id = booked_makeup(db, world)
    f.future_absence(
        db, world.gym.maya, world.flips, THU_3_DEC, enrollment=db.get(Enrollment, enrollment_id)
    )
    db.commit()
    view = cancel_makeup(db, world.gym.guardian, enrollment_id)
    assert (view.id, view.state, view.makeup_enrollment_id, view.makeup_date) == (
        token.id,
        "available",
        None,
        None,
    )
    db.rollback()
    dropped = db.get(Enrollment, enrollment_id)
    assert dropped is not None
    assert (dropped.status, dropped.end_date) == (EnrollmentStatus.DROPPED, THU_3_DEC)
    assert (
        db.scalar(
            select(FutureAbsence.cancelled_at).where(FutureAbsence.enrollment_id == enrollment_id)
        )
        == clock.now()
    )
    # and the token books again, the same meeting included
    assert (
        book_makeup(db, world.gym.guardian, token.id, world.flips.id, THU_3_DEC).state == "pending"
    )


def test_cancelling_after_the_cutoff_is_refused(db: Session, world: World) -> None:
    _, enrollment_id = booked_makeup(db, world)
    before = written(db)
    # 24 hours before 16:00 on Thursday 3 Dec in Chicago is 22:00 UTC on Wednesday.
    with (
        clock.frozen_at(datetime(2026, 12, 2, 22, 0, tzinfo=UTC)),
        pytest.raises(
            ValidationError,
            match="until 24 hours before class; this one starts Thu 3 Dec at 4:00 PM",
        ),
    ):
        cancel_makeup(db, world.gym.guardian, enrollment_id)
    assert written(db) == before
    with clock.frozen_at(datetime(2026, 12, 2, 21, 59, tzinfo=UTC)):
        assert cancel_makeup(db, world.gym.guardian, enrollment_id).state == "available"


def test_cancel_refuses_what_is_not_a_booked_makeup(db: Session, world: World) -> None:
    gym = world.gym
    _, enrollment_id = booked_makeup(db, world)
    regular = db.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == gym.maya.id, Enrollment.type == EnrollmentType.REGULAR
        )
    )
    arranged = visit(db, gym.maya, world.flips, THU_10_DEC)
    db.commit()
    cancel_makeup(db, gym.guardian, enrollment_id)
    before = written(db)
    for target, message in (
        (regular, "not a makeup visit"),
        (enrollment_id, "already cancelled"),
        (arranged.id, "arranged by the front desk"),
    ):
        with pytest.raises(ValidationError, match=message):
            cancel_makeup(db, gym.guardian, target)  # type: ignore[arg-type]
    assert written(db) == before


def test_cancel_makeup_access(db: Session, world: World) -> None:
    gym = world.gym
    _, enrollment_id = booked_makeup(db, world)
    before = written(db)
    hidden(lambda a, i: cancel_makeup(db, a, i), strangers(gym, enrollment_id), "makeup")
    refuses_forged(lambda i: cancel_makeup(db, gym.guardian, i), "makeup")  # type: ignore[arg-type]
    assert written(db) == before
    assert cancel_makeup(db, gym.desk, enrollment_id).state == "available"


def test_absence_to_makeup_and_back_in_one_flow(db: Session, world: World) -> None:
    gym = world.gym
    outcome = report_absence_by_dates(
        db,
        gym.guardian,
        gym.maya.id,
        datetime(2026, 12, 1, 0, 0),
        datetime(2026, 12, 1, 23, 0),
        "Grandma's birthday",
    )
    (token_id,) = outcome.token_ids
    first = next(o for o in makeup_options(db, gym.guardian, token_id) if o.bookable)
    assert (first.class_name, first.class_date) == ("Flips", THU_26_NOV)
    booked = book_makeup(db, gym.guardian, token_id, first.class_id, first.class_date)
    assert booked.state == "pending" and booked.makeup_enrollment_id is not None
    assert cancel_makeup(db, gym.guardian, booked.makeup_enrollment_id).state == "available"
    groups = student_tokens(db, gym.guardian, gym.maya.id, gym.north.id)
    assert [t.id for t in groups.available_here] == [token_id]
    assert groups.available_here[0].source_note == "Absence from Tumblers on Tue 1 Dec 2026"


# Makeup requests (tokens off)


@pytest.fixture
def requests_on(db: Session, world: World) -> World:
    f.portal_settings(db, makeup_tokens_enabled=False, makeup_requests_enabled=True)
    db.commit()
    return world


def ask(db: Session, world: World, actor=None, **changes: object) -> int:  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "student_id": world.gym.maya.id,
        "missed_class_id": world.tumblers.id,
        "missed_date": TUE_17_NOV,
        "desired_class_id": world.flips.id,
        "desired_date": THU_3_DEC,
        "note": "Sorry we missed it",
    }
    values.update(changes)
    return request_makeup(db, actor or world.gym.guardian, **values)  # type: ignore[arg-type]


def test_requests_need_tokens_off_and_requests_on(db: Session, world: World) -> None:
    before = written(db)
    for settings in (
        {},  # tokens on by default
        {"makeup_tokens_enabled": False, "makeup_requests_enabled": False},
    ):
        f.portal_settings(db, **settings)
        db.commit()
        with pytest.raises(FeatureDisabled, match="Makeup requests are switched off"):
            ask(db, world)
        with pytest.raises(FeatureDisabled):
            makeup_request_options(
                db, world.gym.guardian, world.gym.maya.id, world.tumblers.id, TUE_17_NOV
            )
    with pytest.raises(FeatureDisabled, match="Makeups are switched off"):
        past_makeups(db, world.gym.guardian, world.gym.maya.id)
    assert written(db) == before
    assert past_makeups(db, world.gym.desk, world.gym.maya.id) == []


def test_request_options_match_the_missed_class(db: Session, requests_on: World) -> None:
    world = requests_on
    f.gym_class(db, world.gym.north, level=f.next_level(db, world.level), weekday=3)
    db.commit()
    options = makeup_request_options(
        db, world.gym.guardian, world.gym.maya.id, world.tumblers.id, TUE_17_NOV
    )
    assert [(o.class_name, o.class_date) for o in options] == [
        ("Flips", THU_26_NOV),
        ("Flips", THU_3_DEC),
        ("Flips", THU_10_DEC),
        ("Flips", THU_17_DEC),
    ]
    assert (
        len(
            makeup_request_options(
                db, world.gym.guardian, world.gym.maya.id, world.tumblers.id, TUE_17_NOV, weeks=1
            )
        )
        == 1
    )


def test_a_makeup_request_waits_for_staff(db: Session, requests_on: World) -> None:
    world = requests_on
    request_id = ask(db, world)
    (view,) = family_requests(db, world.gym.guardian)
    assert (view.id, view.kind, view.status, view.target_class_name) == (
        request_id,
        "makeup",
        "pending",
        "Flips",
    )
    assert (view.effective_date, view.parent_note) == (THU_3_DEC, "Sorry we missed it")
    request = db.get(ParentRequest, request_id)
    assert request is not None and request.details == {
        "missed_class_id": world.tumblers.id,
        "missed_class_name": "Tumblers",
        "missed_date": "2026-11-17",
        "class_date": "2026-12-03",
    }
    assert (
        db.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.type == EnrollmentType.MAKEUP)
        )
        == 0
    )
    with pytest.raises(ValidationError, match="already has an open makeup request"):
        ask(db, world, desired_date=THU_10_DEC)
    assert ask(db, world, missed_date=date(2026, 11, 10))  # another missed meeting


def test_bad_makeup_requests_change_nothing(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    late_starter = f.student(db, gym.family, "Lena")
    f.enroll(db, late_starter, world.tumblers, start=TUE_1_DEC)
    south_flips = f.gym_class(db, gym.south, level=world.level, weekday=3)
    level_2 = f.gym_class(db, gym.north, level=f.next_level(db, world.level), weekday=3)
    full = full_class(db, world)
    db.commit()
    cases: list[tuple[dict[str, object], str]] = [
        ({"missed_date": date(2026, 11, 18)}, "Tumblers does not meet on Wed 18 Nov"),
        ({"missed_date": date(2026, 9, 1)}, "missed in the last 60 days"),
        ({"missed_class_id": world.flips.id}, "Maya was not in that class on Tue 17 Nov"),
        ({"student_id": late_starter.id}, "Lena was not in that class on Tue 17 Nov"),
        ({"desired_class_id": south_flips.id}, "Choose a class at Northside"),
        ({"desired_class_id": level_2.id}, "same program and level"),
        ({"desired_class_id": full.id}, "Full is full on Thu 3 Dec"),
        ({"desired_date": date(2026, 11, 19)}, "Flips on Thu 19 Nov has already started"),
        ({"desired_date": date(2026, 12, 4)}, "Flips does not meet on Fri 4 Dec"),
        ({"desired_class_id": world.tumblers.id, "desired_date": TUE_1_DEC}, "already in Tumblers"),
        ({"note": "x" * 2001}, "under 2,000 characters"),
        ({"note": 5}, "note"),
        ({"missed_date": "2026-11-17"}, "date of the missed class"),
        ({"desired_date": None}, "date of the makeup"),
        ({"desired_class_id": "7"}, "class is not valid"),
    ]
    before = written(db)
    for changes, message in cases:
        with pytest.raises(ValidationError, match=message):
            ask(db, world, **changes)
    assert written(db) == before


def test_request_access(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    before = written(db)
    cases = strangers(gym, gym.maya.id)
    hidden(lambda a, i: ask(db, world, actor=a, student_id=i), cases, "student")
    hidden(
        lambda a, i: makeup_request_options(db, a, i, world.tumblers.id, TUE_17_NOV),
        cases,
        "student",
    )
    hidden(lambda a, i: past_makeups(db, a, i), cases, "student")
    refuses_forged(lambda i: past_makeups(db, gym.guardian, i), "student")  # type: ignore[arg-type]
    assert written(db) == before
    assert ask(db, world, actor=gym.desk)


def test_past_makeups_lists_visits_that_ended(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    attended = visit(
        db, gym.maya, world.flips, date(2026, 11, 19), status=EnrollmentStatus.COMPLETED
    )
    f.attend(db, gym.maya, world.flips, date(2026, 11, 19), AttendanceStatus.MAKEUP)
    older = visit(db, gym.maya, world.flips, date(2026, 11, 12))
    visit(db, gym.maya, world.flips, date(2026, 11, 5), status=EnrollmentStatus.DROPPED)
    visit(db, gym.maya, world.flips, THU_3_DEC)  # still ahead
    evening = f.gym_class(
        db, gym.north, level=world.level, weekday=1, start=time(18), end=time(19), name="Evening"
    )
    tonight = visit(db, gym.maya, evening, TODAY)
    db.commit()
    assert past_makeups(db, gym.guardian, gym.maya.id) == [
        PastMakeup(
            attended.id,
            world.flips.id,
            "Flips",
            date(2026, 11, 19),
            time(16),
            "Northside",
            "Coach Dana",
            "makeup",
        ),
        PastMakeup(
            older.id,
            world.flips.id,
            "Flips",
            date(2026, 11, 12),
            time(16),
            "Northside",
            "Coach Dana",
            None,
        ),
    ]
    with clock.frozen_at(datetime(2026, 11, 25, 1, 0, tzinfo=UTC)):  # 19:00 in Chicago
        assert past_makeups(db, gym.guardian, gym.maya.id)[0].enrollment_id == tonight.id


def test_staff_approve_a_makeup_request(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    request_id = ask(db, world)
    view = decide_request(db, gym.desk, request_id, approve=True)
    assert view.status == "applied"
    (made,) = db.scalars(select(Enrollment).where(Enrollment.type == EnrollmentType.MAKEUP))
    assert (made.student_id, made.status, made.class_id, made.start_date, made.end_date) == (
        gym.maya.id,
        EnrollmentStatus.ACTIVE,
        world.flips.id,
        THU_3_DEC,
        THU_3_DEC,
    )
    request = db.get(ParentRequest, request_id)
    assert request is not None
    with pytest.raises(ValidationError, match="Maya already has a makeup in Flips on Thu 3 Dec"):
        apply_makeup_request(db, gym.admin, request)
    db.rollback()


def test_apply_makeup_request_access(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    request = db.get(ParentRequest, ask(db, world))
    assert request is not None
    before = written(db)
    with pytest.raises(AccessDenied):
        apply_makeup_request(db, gym.guardian, request)
    with pytest.raises(NotFound):
        apply_makeup_request(db, gym.south_desk, request)
    drop = f.parent_request(db, gym.maya, gym.north, kind=RequestKind.DROP)
    with pytest.raises(ValidationError, match="not a makeup request"):
        apply_makeup_request(db, gym.desk, drop)
    assert written(db) == before


def test_applying_into_a_full_class_is_refused(db: Session, requests_on: World) -> None:
    world = requests_on
    gym = world.gym
    small = f.gym_class(db, gym.north, level=world.level, weekday=3, capacity=1, name="Small")
    db.commit()
    request = db.get(ParentRequest, ask(db, world, desired_class_id=small.id))
    f.enroll(db, gym.other_student, small)
    db.commit()
    assert request is not None
    with pytest.raises(ValidationError, match="Small is full on Thu 3 Dec"):
        apply_makeup_request(db, gym.desk, request)
    db.rollback()
    assert (
        db.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.class_id == small.id)
        )
        == 1
    )


# Concurrency


def test_one_token_booked_twice_at_once_is_redeemed_once(
    db: Session, world: World, engine: Engine
) -> None:
    # Two different classes, so the class locks do not serialise the bookings: the token's
    # conditional UPDATE must.
    evening = f.gym_class(
        db, world.gym.north, level=world.level, weekday=3, start=time(18), end=time(19)
    )
    token = absence_token(db, world)
    guardian, second, flips = world.gym.guardian, world.gym.second, world.flips.id
    results = race(
        engine,
        lambda s: book_makeup(s, guardian, token.id, flips, THU_3_DEC),
        lambda s: book_makeup(s, second, token.id, evening.id, THU_10_DEC),
    )
    assert sorted(type(r).__name__ for r in results) == ["TokenView", "ValidationError"]
    loser = next(r for r in results if isinstance(r, ValidationError))
    # PostgreSQL: both read "available", the conditional UPDATE refuses the second;
    # SQLite: BEGIN IMMEDIATE makes the second wait and then read "pending".
    assert loser.message.startswith(("This token was just used", "This token is already booked"))
    db.rollback()
    assert (
        db.scalar(select(MakeupToken.state).where(MakeupToken.id == token.id)) is TokenState.PENDING
    )
    visits = db.scalars(
        select(Enrollment).where(
            Enrollment.type == EnrollmentType.MAKEUP, Enrollment.status == EnrollmentStatus.ACTIVE
        )
    ).all()
    assert len(visits) == 1
    assert (
        db.scalar(select(MakeupToken.makeup_enrollment_id).where(MakeupToken.id == token.id))
        == visits[0].id
    )


def test_two_families_racing_for_the_last_seat_get_one(
    db: Session, world: World, engine: Engine
) -> None:
    gym = world.gym
    last_seat = f.gym_class(db, gym.north, level=world.level, weekday=3, capacity=1, name="One")
    mine = absence_token(db, world)
    theirs = absence_token(db, world, student=gym.other_student)
    guardian, other = gym.guardian, gym.other_guardian
    results = race(
        engine,
        lambda s: book_makeup(s, guardian, mine.id, last_seat.id, THU_3_DEC),
        lambda s: book_makeup(s, other, theirs.id, last_seat.id, THU_3_DEC),
    )
    names = sorted(type(r).__name__ for r in results)
    assert names == ["TokenView", "ValidationError"], results
    loser = next(r for r in results if isinstance(r, ValidationError))
    assert loser.message == "One is full on Thu 3 Dec."
    db.rollback()
    assert (
        db.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.class_id == last_seat.id)
        )
        == 1
    )
    states = sorted(
        db.scalars(select(MakeupToken.state).where(MakeupToken.id.in_([mine.id, theirs.id])))
    )
    assert states == [TokenState.AVAILABLE, TokenState.PENDING]
