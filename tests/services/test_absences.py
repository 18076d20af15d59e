"""Future absences: reporting by dates and by enrollment, the tokens they earn, listing and
cancelling; access for every public function, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Level,
    MakeupToken,
    ParentRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
    TokenState,
)
from services.desk.request_decisions import decide_request
from services.families.requests import family_requests
from services.kernel import clock
from services.kernel.errors import AccessDenied, FeatureDisabled, NotFound, ValidationError
from services.makeups.absence_marking import AbsenceOutcome
from services.makeups.absence_requests import apply_absence_request
from services.makeups.absences_by_class import report_absence_by_enrollment
from services.makeups.absences_by_dates import report_absence_by_dates
from services.makeups.scheduled_absences import cancel_absence, future_absences
from tests import factories as f
from tests.services.test_makeups import hidden, race, refuses_forged, strangers
from tests.support.queries import count_queries

TUE_1_DEC, TUE_8_DEC, THU_3_DEC = date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 3)
TODAY = date(2026, 11, 24)  # Tuesday; 09:00 in Chicago, Tumblers meets at 16:00


@dataclass
class World:
    gym: f.FamilyGym
    tumblers: GymClass  # Tuesdays 16:00–17:00 at Northside; Maya is in it
    flips: GymClass  # Thursdays 16:00–17:00, same program and level


@pytest.fixture
def world(db: Session) -> World:
    gym = f.family_gym(db)
    level = db.get(Level, gym.cls.level_id)
    flips = f.gym_class(db, gym.north, level=level, weekday=3, name="Flips")
    db.commit()
    return World(gym, gym.cls, flips)


def chicago(day: date, hour: int, minute: int = 0) -> datetime:
    """A naive wall-clock time, as the date and time widgets give it."""
    return datetime.combine(day, time(hour, minute))


def report(
    db: Session,
    world: World,
    first: date,
    last: date,
    *,
    actor=None,  # type: ignore[no-untyped-def]
) -> AbsenceOutcome:
    """Maya away from the start of `first` to the end of `last`."""
    return report_absence_by_dates(
        db,
        actor or world.gym.guardian,
        world.gym.maya.id,
        chicago(first, 0),
        chicago(last, 23, 59),
        "",
    )


def report_week(db: Session, world: World, actor=None, reason: str = "Trip") -> AbsenceOutcome:  # type: ignore[no-untyped-def]
    """Maya away from Monday 30 Nov to Sunday 6 Dec: her Tuesday 1 Dec class."""
    return report_absence_by_dates(
        db,
        actor or world.gym.guardian,
        world.gym.maya.id,
        chicago(date(2026, 11, 30), 0),
        chicago(date(2026, 12, 6), 23, 59),
        reason,
    )


def written(db: Session) -> tuple[int, ...]:
    """Row counts that any write of this module would change."""
    cancelled = select(func.count()).where(FutureAbsence.cancelled_at.is_not(None))
    counts = [
        select(func.count()).select_from(model)
        for model in (FutureAbsence, MakeupToken, ParentRequest, RequestEvent, AuditEntry)
    ]
    return tuple(db.scalar(query) or 0 for query in (*counts, cancelled))


def tokens(db: Session) -> list[MakeupToken]:
    return list(db.scalars(select(MakeupToken).order_by(MakeupToken.id)))


# report_absence_by_dates


def test_a_week_away_marks_the_class_and_earns_a_token(db: Session, world: World) -> None:
    outcome = report_week(db, world)
    assert [(m.class_name, m.class_date, m.location_name) for m in outcome.marked] == [
        ("Tumblers", TUE_1_DEC, "Northside")
    ]
    assert outcome.message == (
        "Maya's Tuesday 1 Dec class is marked absent. "
        "You earned 1 makeup token, usable at Northside until 23 Jan 2027."
    )
    (token,) = tokens(db)
    assert outcome.token_ids == (token.id,) and outcome.marked[0].token_id == token.id
    assert (token.state, token.issued_on, token.expires_on) == (
        TokenState.AVAILABLE,
        TODAY,
        date(2027, 1, 23),
    )
    assert (token.family_id, token.student_id, token.location_id) == (
        world.gym.family.id,
        world.gym.maya.id,
        world.gym.north.id,
    )
    assert token.source_note == "Absence from Tumblers on Tue 1 Dec 2026"
    absence = db.get(FutureAbsence, outcome.marked[0].absence_id)
    assert absence is not None and token.source_absence_id == absence.id
    assert (absence.class_date, absence.reason, absence.reported_by_user_id) == (
        TUE_1_DEC,
        "Trip",
        world.gym.guardian.user_id,
    )


def test_the_report_shows_in_the_request_tracker(db: Session, world: World) -> None:
    outcome = report_week(db, world)
    (request,) = family_requests(db, world.gym.guardian)
    assert (request.id, request.kind, request.status) == (outcome.request_id, "absence", "applied")
    assert (request.effective_date, request.target_class_name) == (TUE_1_DEC, "Tumblers")
    assert request.parent_note == "Trip"


def test_every_meeting_of_every_class_in_the_period_is_marked(db: Session, world: World) -> None:
    f.enroll(db, world.gym.maya, world.flips)
    db.commit()
    outcome = report(db, world, TUE_1_DEC, TUE_8_DEC)
    assert [(m.class_name, m.class_date) for m in outcome.marked] == [
        ("Tumblers", TUE_1_DEC),
        ("Flips", THU_3_DEC),
        ("Tumblers", TUE_8_DEC),
    ]
    assert outcome.message == (
        "Maya's classes on Tue 1 Dec, Thu 3 Dec and Tue 8 Dec are marked absent. "
        "You earned 3 makeup tokens, usable at Northside until 23 Jan 2027."
    )
    assert len(outcome.token_ids) == 3


def test_many_meetings_are_summed_up(db: Session, world: World) -> None:
    f.enroll(db, world.gym.maya, world.flips)
    db.commit()
    outcome = report(db, world, TUE_1_DEC, date(2026, 12, 20))
    assert len(outcome.marked) == 6
    assert outcome.message.startswith(
        "Maya's 6 classes from Tue 1 Dec to Thu 17 Dec are marked absent."
    )


def test_a_few_hours_mark_only_the_meeting_that_starts_in_them(db: Session, world: World) -> None:
    outcome = report_absence_by_dates(
        db,
        world.gym.guardian,
        world.gym.maya.id,
        chicago(TUE_1_DEC, 16),  # the class starts at 16:00: included
        chicago(TUE_1_DEC, 18),
        "Dentist",
    )
    assert [m.class_date for m in outcome.marked] == [TUE_1_DEC]


def test_a_meeting_that_started_before_the_window_is_not_marked(db: Session, world: World) -> None:
    with pytest.raises(ValidationError, match="Maya has no classes in that period"):
        report_absence_by_dates(
            db,
            world.gym.guardian,
            world.gym.maya.id,
            chicago(TUE_1_DEC, 16, 30),
            chicago(TUE_1_DEC, 18),
            "",
        )


def test_aware_datetimes_are_instants(db: Session, world: World) -> None:
    # 16:00 in Chicago is 22:00 UTC.
    start = datetime(2026, 12, 1, 21, 59, tzinfo=UTC)
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, start, start + timedelta(minutes=2), ""
    )
    assert [m.class_date for m in outcome.marked] == [TUE_1_DEC]
    with pytest.raises(ValidationError, match="no classes"):
        report_absence_by_dates(
            db,
            world.gym.guardian,
            world.gym.maya.id,
            datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
            datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
            "",
        )


def test_late_notice_marks_the_class_without_a_token(db: Session, world: World) -> None:
    # Today's class starts in 7 hours; 24 hours' notice earns a token.
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TODAY, 9), chicago(TODAY, 20), "Sick"
    )
    assert outcome.token_ids == () and tokens(db) == []
    assert outcome.marked[0].no_token_reason == "reported less than 24 hours before class"
    assert outcome.message == (
        "Maya's Tuesday 24 Nov class is marked absent. No makeup token for Tue 24 Nov: "
        "an absence earns one only when reported at least 24 hours before class."
    )


def test_notice_hours_come_from_the_settings(db: Session, world: World) -> None:
    f.portal_settings(db, makeup_notice_hours=6, makeup_token_expiry_days=10)
    db.commit()
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TODAY, 9), chicago(TODAY, 20), ""
    )
    (token,) = tokens(db)
    assert outcome.token_ids == (token.id,) and token.expires_on == date(2026, 12, 4)


def test_a_mix_of_early_and_late_meetings(db: Session, world: World) -> None:
    outcome = report_absence_by_dates(
        db,
        world.gym.guardian,
        world.gym.maya.id,
        chicago(TODAY, 9),
        chicago(TUE_1_DEC, 20),
        "",
    )
    assert [m.token_id is not None for m in outcome.marked] == [False, True]
    assert "You earned 1 makeup token" in outcome.message
    assert "No makeup token for Tue 24 Nov" in outcome.message


def test_no_tokens_when_tokens_are_off(db: Session, world: World) -> None:
    f.portal_settings(db, makeup_tokens_enabled=False)
    db.commit()
    outcome = report_week(db, world)
    assert outcome.token_ids == () and tokens(db) == []
    assert outcome.marked[0].no_token_reason is None
    assert outcome.message == "Maya's Tuesday 1 Dec class is marked absent."


def test_a_booked_makeup_visit_is_marked_but_earns_no_token(db: Session, world: World) -> None:
    visit = f.enroll(
        db, world.gym.maya, world.flips, type=EnrollmentType.MAKEUP, start=THU_3_DEC, end=THU_3_DEC
    )
    db.commit()
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(THU_3_DEC, 0), chicago(THU_3_DEC, 23), ""
    )
    (meeting,) = outcome.marked
    assert (meeting.enrollment_id, meeting.is_makeup_visit, meeting.token_id) == (
        visit.id,
        True,
        None,
    )
    assert meeting.no_token_reason == "a makeup visit does not earn a token"
    assert "cancel the makeup instead" in outcome.message
    assert tokens(db) == []


def test_only_current_active_enrollments_count(db: Session, world: World) -> None:
    maya, north = world.gym.maya, world.gym.north
    level = db.get(Level, world.tumblers.level_id)
    wed = f.gym_class(db, north, level=level, weekday=2, name="Wednesday waitlist")
    fri = f.gym_class(db, north, level=level, weekday=4, name="Friday dropped")
    mon = f.gym_class(db, north, level=level, weekday=0, name="Monday ending")
    f.enroll(db, maya, wed, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    f.enroll(db, maya, fri, status=EnrollmentStatus.DROPPED, end=date(2026, 11, 1))
    f.enroll(db, maya, mon, end=date(2026, 11, 30))  # last class Monday 30 Nov
    ended = f.enroll(db, maya, world.flips, end=date(2026, 12, 2))
    assert ended.end_date == date(2026, 12, 2)
    db.commit()
    outcome = report_absence_by_dates(
        db, world.gym.guardian, maya.id, chicago(TUE_1_DEC, 0), chicago(TUE_8_DEC, 23), ""
    )
    assert [(m.class_name, m.class_date) for m in outcome.marked] == [
        ("Tumblers", TUE_1_DEC),
        ("Tumblers", TUE_8_DEC),
    ]


def test_tokens_and_today_follow_the_location_time_zone(db: Session, world: World) -> None:
    # 15:00 UTC on 24 Nov is already 25 Nov in Tokyo.
    tokyo = f.location(db, "Shibuya", timezone="Asia/Tokyo")
    swim = f.gym_class(db, tokyo, weekday=4, start=time(10), end=time(11), name="Swim")
    f.enroll(db, world.gym.maya, swim)
    db.commit()
    outcome = report_absence_by_dates(
        db,
        world.gym.guardian,
        world.gym.maya.id,
        chicago(date(2026, 12, 4), 9),  # naive: wall-clock time in Tokyo for this class
        chicago(date(2026, 12, 4), 11),
        "",
    )
    assert [(m.class_name, m.start_time) for m in outcome.marked] == [("Swim", time(10))]
    (token,) = tokens(db)
    assert (token.issued_on, token.location_id) == (date(2026, 11, 25), tokyo.id)


def test_tokens_at_two_locations_are_described_each(db: Session, world: World) -> None:
    south_class = f.gym_class(db, world.gym.south, weekday=3, name="South Flips")
    f.enroll(db, world.gym.maya, south_class)
    db.commit()
    outcome = report_week(db, world)
    assert outcome.message.endswith(
        "You earned 2 makeup tokens: 1 at Northside until 23 Jan 2027 "
        "and 1 at Southside until 23 Jan 2027."
    )


def test_reporting_the_same_meeting_again_is_refused(db: Session, world: World) -> None:
    report_week(db, world)
    before = written(db)
    with pytest.raises(ValidationError, match="Maya's Tuesday 1 Dec class is already marked"):
        report_week(db, world)
    assert written(db) == before


def test_an_overlapping_report_marks_only_the_new_meetings(db: Session, world: World) -> None:
    report_week(db, world)
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TUE_1_DEC, 0), chicago(TUE_8_DEC, 23), ""
    )
    assert [m.class_date for m in outcome.marked] == [TUE_8_DEC]
    assert [r.class_date for r in outcome.already_reported] == [TUE_1_DEC]
    assert outcome.message.endswith("Tue 1 Dec was already marked absent.")
    assert len(tokens(db)) == 2


def test_a_cancelled_absence_can_be_reported_again(db: Session, world: World) -> None:
    first = report_week(db, world)
    cancel_absence(db, world.gym.guardian, first.marked[0].absence_id)
    again = report_week(db, world)
    assert again.token_ids and again.marked[0].absence_id != first.marked[0].absence_id


BAD_PERIODS: list[tuple[object, object, str]] = [
    ("2026-12-01 10:00", chicago(TUE_1_DEC, 18), "date and time"),
    (TUE_1_DEC, chicago(TUE_1_DEC, 18), "date and time"),
    (None, None, "date and time"),
    (chicago(TUE_1_DEC, 18), chicago(TUE_1_DEC, 10), "after its start"),
    (chicago(TUE_1_DEC, 10), chicago(TUE_1_DEC, 10), "after its start"),
    (chicago(TUE_1_DEC, 0), chicago(date(2027, 2, 1), 0), "at most 60 days"),
    (chicago(TUE_1_DEC, 0), datetime(2026, 12, 2, tzinfo=UTC), "the same way"),
    (chicago(date(2026, 11, 23), 9), chicago(TUE_1_DEC, 9), "start in the future"),
    (chicago(TODAY, 8, 30), chicago(TUE_1_DEC, 9), "start in the future"),
    (chicago(date(2027, 1, 4), 0), chicago(date(2027, 1, 10), 0), "no classes"),
]


def test_bad_input_to_by_dates_is_refused_and_changes_nothing(db: Session, world: World) -> None:
    gym = world.gym
    before = written(db)
    for starts, ends, message in BAD_PERIODS:
        with pytest.raises(ValidationError, match=message):
            report_absence_by_dates(db, gym.guardian, gym.maya.id, starts, ends, "")  # type: ignore[arg-type]
    for reason, message in ((7, "must be text"), (None, "must be text"), ("x" * 2001, "2,000")):
        with pytest.raises(ValidationError, match=message):
            report_week(db, world, reason=reason)  # type: ignore[arg-type]
    start, end = chicago(TUE_1_DEC, 0), chicago(TUE_1_DEC, 23)
    refuses_forged(
        lambda i: report_absence_by_dates(db, gym.guardian, i, start, end, ""),  # type: ignore[arg-type]
        "student",
    )
    assert written(db) == before


def test_a_start_a_few_minutes_ago_is_accepted(db: Session, world: World) -> None:
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TODAY, 8, 50), chicago(TODAY, 20), ""
    )
    assert [m.class_date for m in outcome.marked] == [TODAY]


def test_by_dates_access(db: Session, world: World) -> None:
    gym = world.gym
    before = written(db)
    start, end = chicago(TUE_1_DEC, 0), chicago(TUE_1_DEC, 23)
    hidden(
        lambda a, i: report_absence_by_dates(db, a, i, start, end, ""),
        strangers(gym, gym.maya.id),
        "student",
    )
    assert written(db) == before
    outcome = report_week(db, world, actor=gym.desk)
    assert "The family earned 1 makeup token" in outcome.message
    assert "You earned 1" in report(db, world, TUE_8_DEC, TUE_8_DEC, actor=gym.second).message
    assert report(db, world, date(2026, 12, 15), date(2026, 12, 15), actor=gym.admin).marked


def test_the_setting_refuses_guardians_but_not_the_desk(db: Session, world: World) -> None:
    f.portal_settings(db, future_absences_enabled=False)
    db.commit()
    before = written(db)
    with pytest.raises(FeatureDisabled):
        report_week(db, world)
    with pytest.raises(FeatureDisabled):
        report_absence_by_enrollment(db, world.gym.guardian, world.gym.maya.id, [1], TUE_1_DEC, "")
    with pytest.raises(FeatureDisabled):
        future_absences(db, world.gym.guardian, world.gym.maya.id)
    with pytest.raises(FeatureDisabled):
        cancel_absence(db, world.gym.guardian, 1)
    assert written(db) == before
    assert report_week(db, world, actor=world.gym.desk).marked


def test_reporting_takes_the_same_queries_for_one_or_many_meetings(
    db: Session, world: World, engine: Engine
) -> None:
    f.enroll(db, world.gym.maya, world.flips)
    db.commit()

    def measure(first: date, last: date) -> int:
        db.commit()
        with count_queries(engine) as statements:
            report(db, world, first, last)
        return len(statements)

    one = measure(TUE_1_DEC, TUE_1_DEC)
    assert measure(date(2026, 12, 2), date(2026, 12, 20)) == one  # five meetings


# report_absence_by_enrollment


def maya_enrollment(db: Session, world: World) -> int:
    """Maya's Tumblers enrollment."""
    found = db.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == world.gym.maya.id, Enrollment.class_id == world.tumblers.id
        )
    )
    assert found is not None
    return found


def test_by_enrollment_marks_only_that_meeting(db: Session, world: World) -> None:
    f.enroll(db, world.gym.maya, world.flips)
    db.commit()
    tumblers = maya_enrollment(db, world)
    outcome = report_absence_by_enrollment(
        db, world.gym.guardian, world.gym.maya.id, [tumblers], TUE_1_DEC, "Party"
    )
    assert [(m.enrollment_id, m.class_date) for m in outcome.marked] == [(tumblers, TUE_1_DEC)]
    assert len(outcome.token_ids) == 1
    assert outcome.message.startswith("Maya's Tuesday 1 Dec class is marked absent.")


def test_by_enrollment_marks_several_classes_on_one_day(db: Session, world: World) -> None:
    level = db.get(Level, world.tumblers.level_id)
    evening = f.gym_class(db, world.gym.north, level=level, start=time(18), end=time(19))
    second = f.enroll(db, world.gym.maya, evening)
    db.commit()
    ids = [maya_enrollment(db, world), second.id, second.id]  # a repeated id counts once
    outcome = report_absence_by_enrollment(
        db, world.gym.guardian, world.gym.maya.id, ids, TUE_1_DEC, ""
    )
    assert [m.enrollment_id for m in outcome.marked] == [ids[0], second.id]
    assert outcome.message.startswith("Maya's classes on Tue 1 Dec are marked absent.")


def test_by_enrollment_leaves_a_booked_makeup_to_the_makeups_tab(db: Session, world: World) -> None:
    visit = f.enroll(
        db, world.gym.maya, world.flips, type=EnrollmentType.MAKEUP, start=THU_3_DEC, end=THU_3_DEC
    )
    db.commit()
    before = written(db)
    with pytest.raises(
        ValidationError, match="makeup in Flips on Thu 3 Dec is not reported here: cancel it on"
    ):
        report_absence_by_enrollment(
            db, world.gym.guardian, world.gym.maya.id, [visit.id], THU_3_DEC, ""
        )
    assert written(db) == before


def test_select_all_records_the_valid_classes_and_names_the_skipped(
    db: Session, world: World
) -> None:
    """Issue 13: "Select all" with a makeup visit and a class that does not meet that day
    recorded nothing; now the Tuesday class is marked and the others are named."""
    visit = f.enroll(
        db, world.gym.maya, world.flips, type=EnrollmentType.MAKEUP, start=THU_3_DEC, end=THU_3_DEC
    )
    thursday = f.enroll(
        db, world.gym.maya, f.gym_class(db, world.gym.north, weekday=3, name="Vault")
    )
    db.commit()
    tumblers = maya_enrollment(db, world)
    outcome = report_absence_by_enrollment(
        db, world.gym.guardian, world.gym.maya.id, [tumblers, visit.id, thursday.id], TUE_1_DEC, ""
    )
    assert [m.enrollment_id for m in outcome.marked] == [tumblers]
    assert outcome.skipped == (
        "Maya's makeup in Flips on Thu 3 Dec is not reported here: cancel it on the Makeups tab.",
        "Vault does not meet on Tue 1 Dec.",
    )
    assert outcome.message.startswith("Maya's Tuesday 1 Dec class is marked absent.")
    assert outcome.message.endswith(
        "Not marked: Maya's makeup in Flips on Thu 3 Dec is not reported here: cancel it on the "
        "Makeups tab. Vault does not meet on Tue 1 Dec."
    )
    db.rollback()
    assert db.scalars(select(FutureAbsence.enrollment_id)).all() == [tumblers]


def test_a_report_with_nothing_to_mark_gives_every_reason(db: Session, world: World) -> None:
    visit = f.enroll(
        db, world.gym.maya, world.flips, type=EnrollmentType.MAKEUP, start=THU_3_DEC, end=THU_3_DEC
    )
    db.commit()
    tumblers = maya_enrollment(db, world)
    report_absence_by_enrollment(
        db, world.gym.guardian, world.gym.maya.id, [tumblers], TUE_1_DEC, ""
    )
    before = written(db)
    with pytest.raises(ValidationError) as refused:
        report_absence_by_enrollment(
            db, world.gym.guardian, world.gym.maya.id, [tumblers, visit.id], TUE_1_DEC, ""
        )
    assert refused.value.message == (
        "Maya's Tuesday 1 Dec class is already marked absent. Maya's makeup in Flips on "
        "Thu 3 Dec is not reported here: cancel it on the Makeups tab."
    )
    assert written(db) == before


def test_by_enrollment_refuses_a_repeat(db: Session, world: World) -> None:
    tumblers = maya_enrollment(db, world)
    report_absence_by_enrollment(
        db, world.gym.guardian, world.gym.maya.id, [tumblers], TUE_1_DEC, ""
    )
    before = written(db)
    with pytest.raises(ValidationError, match="already marked absent"):
        report_absence_by_enrollment(
            db, world.gym.second, world.gym.maya.id, [tumblers], TUE_1_DEC, ""
        )
    assert written(db) == before


def test_by_enrollment_refuses_dates_without_a_future_meeting(db: Session, world: World) -> None:
    gym, mine = world.gym, maya_enrollment(db, world)
    cases: list[tuple[object, str]] = [
        (date(2026, 12, 2), "Tumblers does not meet on Wed 2 Dec"),
        (date(2027, 1, 5), "Tumblers does not meet on Tue 5 Jan"),  # after the term
        (date(2026, 11, 17), "Tumblers on Tue 17 Nov has already started"),
        (datetime(2026, 12, 1, 16), "Choose the date of the class"),
        ("2026-12-01", "Choose the date of the class"),
    ]
    before = written(db)
    for day, message in cases:
        with pytest.raises(ValidationError, match=message):
            report_absence_by_enrollment(db, gym.guardian, gym.maya.id, [mine], day, "")  # type: ignore[arg-type]
    with (
        clock.frozen_at(datetime(2026, 11, 24, 22, 0, tzinfo=UTC)),  # 16:00 in Chicago
        pytest.raises(ValidationError, match="Tumblers on Tue 24 Nov has already started"),
    ):
        report_absence_by_enrollment(db, gym.guardian, gym.maya.id, [mine], TODAY, "")
    assert written(db) == before


def test_by_enrollment_refuses_enrollments_that_are_not_current(db: Session, world: World) -> None:
    dropped = f.enroll(db, world.gym.maya, world.flips, status=EnrollmentStatus.DROPPED, end=TODAY)
    ending = f.enroll(
        db,
        world.gym.maya,
        f.gym_class(db, world.gym.north, weekday=1, start=time(18), end=time(19), name="Evening"),
        end=date(2026, 11, 30),
    )
    db.commit()
    with pytest.raises(ValidationError, match="Maya is no longer in Flips"):
        report_absence_by_enrollment(
            db, world.gym.guardian, world.gym.maya.id, [dropped.id], THU_3_DEC, ""
        )
    with pytest.raises(ValidationError, match="Maya is not in Evening on Tue 1 Dec"):
        report_absence_by_enrollment(
            db, world.gym.guardian, world.gym.maya.id, [ending.id], TUE_1_DEC, ""
        )


def test_by_enrollment_refuses_forged_id_lists(db: Session, world: World) -> None:
    cases: list[tuple[object, str]] = [
        ([], "at least one class"),
        (None, "at least one class"),
        ("12", "at least one class"),
        ({1: 1}, "at least one class"),
        (["1"], "enrollment is not valid"),
        ([True], "enrollment is not valid"),
        (list(range(1, 22)), "at most 20"),
    ]
    before = written(db)
    for ids, message in cases:
        with pytest.raises(ValidationError, match=message):
            report_absence_by_enrollment(
                db,
                world.gym.guardian,
                world.gym.maya.id,
                ids,
                TUE_1_DEC,
                "",  # type: ignore[arg-type]
            )
    assert written(db) == before


def test_by_enrollment_access(db: Session, world: World) -> None:
    gym = world.gym
    mine = maya_enrollment(db, world)
    sister = f.student(db, gym.family, "Lena")
    sisters = f.enroll(db, sister, world.flips)
    other_id = db.scalar(select(Enrollment.id).where(Enrollment.student_id == gym.other_student.id))
    db.commit()
    before = written(db)
    cases = [
        (gym.guardian, gym.maya.id, [other_id], "enrollment"),  # another family's enrollment
        (gym.guardian, gym.maya.id, [sisters.id], "enrollment"),  # a sibling's enrollment
        (gym.guardian, gym.maya.id, [mine, 999_999], "enrollment"),  # no such enrollment
        (gym.other_guardian, gym.maya.id, [mine], "student"),  # another family's student
        (gym.south_desk, gym.maya.id, [mine], "student"),  # staff of another location
    ]
    for actor, student_id, ids, what in cases:
        with pytest.raises(NotFound, match=f"That {what} was not found"):
            report_absence_by_enrollment(db, actor, student_id, ids, TUE_1_DEC, "")
    assert written(db) == before
    assert report_absence_by_enrollment(db, gym.admin, gym.maya.id, [mine], TUE_1_DEC, "").marked


# future_absences


def test_future_absences_lists_what_is_still_ahead(db: Session, world: World) -> None:
    f.enroll(db, world.gym.maya, world.flips)
    db.commit()
    report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TODAY, 9), chicago(THU_3_DEC, 23), "Trip"
    )
    f.future_absence(db, world.gym.maya, world.tumblers, TUE_8_DEC, cancelled=True)
    f.future_absence(db, world.gym.maya, world.tumblers, date(2026, 11, 17))  # past
    f.future_absence(db, world.gym.other_student, world.tumblers, TUE_8_DEC)  # other family
    db.commit()
    views = future_absences(db, world.gym.guardian, world.gym.maya.id)
    assert [(v.class_name, v.class_date, v.weekday_name) for v in views] == [
        ("Tumblers", TODAY, "Tuesday"),
        ("Flips", date(2026, 11, 26), "Thursday"),
        ("Tumblers", TUE_1_DEC, "Tuesday"),
        ("Flips", THU_3_DEC, "Thursday"),
    ]
    today, *_, last = views
    assert (today.token_id, today.token_state, today.can_cancel) == (None, None, True)
    assert (last.token_state, last.location_name, last.reason) == ("available", "Northside", "Trip")
    assert (last.start_time, last.end_time) == (time(16), time(17))
    with clock.frozen_at(datetime(2026, 11, 24, 22, 0, tzinfo=UTC)):  # today's class started
        upcoming = future_absences(db, world.gym.guardian, world.gym.maya.id)
        assert upcoming[0].class_date == date(2026, 11, 26)


def test_an_absence_whose_token_is_booked_cannot_be_cancelled(db: Session, world: World) -> None:
    outcome = report_week(db, world)
    visit = f.enroll(
        db, world.gym.maya, world.flips, type=EnrollmentType.MAKEUP, start=THU_3_DEC, end=THU_3_DEC
    )
    token = db.get(MakeupToken, outcome.token_ids[0])
    assert token is not None
    token.state, token.makeup_enrollment_id = TokenState.PENDING, visit.id
    db.commit()
    (view,) = future_absences(db, world.gym.guardian, world.gym.maya.id)
    assert (view.token_state, view.can_cancel) == ("pending", False)
    assert view.why_not == "Its makeup token is booked for Thu 3 Dec; cancel that makeup first."
    before = written(db)
    with pytest.raises(ValidationError, match="booked for Thu 3 Dec; cancel that makeup first"):
        cancel_absence(db, world.gym.guardian, view.id)
    assert written(db) == before
    token.state = TokenState.SPENT
    db.commit()
    with pytest.raises(ValidationError, match="already been used"):
        cancel_absence(db, world.gym.guardian, view.id)


def test_future_absences_access(db: Session, world: World) -> None:
    gym = world.gym
    report_week(db, world)
    hidden(lambda a, i: future_absences(db, a, i), strangers(gym, gym.maya.id), "student")
    refuses_forged(lambda i: future_absences(db, gym.guardian, i), "student")  # type: ignore[arg-type]
    assert len(future_absences(db, gym.desk, gym.maya.id)) == 1
    assert len(future_absences(db, gym.second, gym.maya.id)) == 1


def test_listing_absences_takes_the_same_queries_for_one_or_many(
    db: Session, world: World, engine: Engine
) -> None:
    report(db, world, TUE_1_DEC, TUE_1_DEC)

    def measure() -> int:
        db.commit()
        with count_queries(engine) as statements:
            future_absences(db, world.gym.guardian, world.gym.maya.id)
        return len(statements)

    one = measure()
    report(db, world, TUE_8_DEC, date(2026, 12, 20))
    assert measure() == one


def test_staff_see_only_absences_at_their_locations(db: Session, world: World) -> None:
    south_class = f.gym_class(db, world.gym.south, weekday=3, name="South Flips")
    f.enroll(db, world.gym.maya, south_class)
    db.commit()
    report_week(db, world)
    assert [v.class_name for v in future_absences(db, world.gym.desk, world.gym.maya.id)] == [
        "Tumblers"
    ]
    assert len(future_absences(db, world.gym.admin, world.gym.maya.id)) == 2


# cancel_absence


def test_cancelling_withdraws_the_unused_token(db: Session, world: World) -> None:
    outcome = report_week(db, world)
    absence_id = outcome.marked[0].absence_id
    cancel_absence(db, world.gym.guardian, absence_id)
    absence = db.get(FutureAbsence, absence_id)
    assert absence is not None and absence.cancelled_at == clock.now()
    assert tokens(db) == []
    assert future_absences(db, world.gym.guardian, world.gym.maya.id) == []
    (request,) = family_requests(db, world.gym.guardian)
    assert request.status == "cancelled"
    assert [e.status for e in request.history] == ["applied", "cancelled"]
    assert request.history[-1].note == "Tumblers on Tue 1 Dec will not be missed after all."


def test_cancelling_one_of_several_keeps_the_report(db: Session, world: World) -> None:
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TUE_1_DEC, 0), chicago(TUE_8_DEC, 23), ""
    )
    cancel_absence(db, world.gym.guardian, outcome.marked[1].absence_id)
    assert [t.source_absence_id for t in tokens(db)] == [outcome.marked[0].absence_id]
    (request,) = family_requests(db, world.gym.guardian)
    assert request.status == "applied"
    assert [e.status for e in request.history] == ["applied", "applied"]


def test_an_expired_token_is_withdrawn_too(db: Session, world: World) -> None:
    outcome = report_week(db, world)
    token = db.get(MakeupToken, outcome.token_ids[0])
    assert token is not None
    token.state = TokenState.EXPIRED
    db.commit()
    cancel_absence(db, world.gym.guardian, outcome.marked[0].absence_id)
    assert tokens(db) == []


def test_cancel_refuses_started_and_cancelled_absences(db: Session, world: World) -> None:
    outcome = report_absence_by_dates(
        db, world.gym.guardian, world.gym.maya.id, chicago(TODAY, 9), chicago(TODAY, 20), ""
    )
    absence_id = outcome.marked[0].absence_id
    with clock.frozen_at(datetime(2026, 11, 24, 22, 0, tzinfo=UTC)):
        before = written(db)
        with pytest.raises(ValidationError, match="Tumblers on Tue 24 Nov has already started"):
            cancel_absence(db, world.gym.guardian, absence_id)
        assert written(db) == before
    cancel_absence(db, world.gym.guardian, absence_id)
    with pytest.raises(ValidationError, match="already cancelled"):
        cancel_absence(db, world.gym.guardian, absence_id)


def test_cancel_access(db: Session, world: World) -> None:
    gym = world.gym
    absence_id = report_week(db, world).marked[0].absence_id
    before = written(db)
    hidden(lambda a, i: cancel_absence(db, a, i), strangers(gym, absence_id), "absence")
    refuses_forged(lambda i: cancel_absence(db, gym.guardian, i), "absence")  # type: ignore[arg-type]
    assert written(db) == before
    cancel_absence(db, gym.desk, absence_id)
    assert tokens(db) == []


# Absence requests answered by staff (services.desk.request_decisions)


def absence_request(
    db: Session, world: World, *, day: date = TUE_1_DEC, asked_at: datetime | None = None
) -> ParentRequest:
    """A pending request from Maya's guardian to excuse her Tumblers class on `day`."""
    request = f.parent_request(
        db, world.gym.maya, world.gym.north, kind=RequestKind.ABSENCE, created_at=asked_at
    )
    request.enrollment_id = maya_enrollment(db, world)
    request.effective_date = day
    request.created_by_user_id = world.gym.guardian.user_id
    request.parent_note = "Away"
    db.commit()
    return request


def test_staff_approve_an_absence_request(db: Session, world: World) -> None:
    request = absence_request(db, world)
    assert decide_request(db, world.gym.desk, request.id, approve=True).status == "applied"
    (absence,) = db.scalars(select(FutureAbsence))
    assert (absence.class_date, absence.reason, absence.reported_by_user_id) == (
        TUE_1_DEC,
        "Away",
        world.gym.guardian.user_id,
    )
    (token,) = tokens(db)
    assert token.source_absence_id == absence.id


def test_the_notice_counts_from_when_the_parent_asked(db: Session, world: World) -> None:
    # Asked on Sunday for today's class, approved today seven hours before it.
    request = absence_request(
        db, world, day=TODAY, asked_at=datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    )
    decide_request(db, world.gym.desk, request.id, approve=True)
    (absence,) = db.scalars(select(FutureAbsence))
    assert absence.reported_at == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert len(tokens(db)) == 1


def test_an_absence_request_for_a_marked_meeting_stays_pending(db: Session, world: World) -> None:
    request = absence_request(db, world)
    report_week(db, world)
    before = written(db)
    with pytest.raises(ValidationError, match="already marked absent"):
        decide_request(db, world.gym.desk, request.id, approve=True)
    assert written(db) == before
    db.rollback()
    assert db.scalar(select(ParentRequest.status).where(ParentRequest.id == request.id)) is (
        RequestStatus.PENDING
    )


def test_apply_absence_request_access(db: Session, world: World) -> None:
    request = absence_request(db, world)
    drop = f.parent_request(db, world.gym.maya, world.gym.north, kind=RequestKind.DROP)
    db.commit()
    before = written(db)
    with pytest.raises(AccessDenied):
        apply_absence_request(db, world.gym.guardian, request)
    with pytest.raises(NotFound):
        apply_absence_request(db, world.gym.south_desk, request)
    with pytest.raises(ValidationError, match="not an absence request"):
        apply_absence_request(db, world.gym.desk, drop)
    db.rollback()
    assert written(db) == before


# Concurrency


def test_two_reports_of_the_same_meeting_at_once_mark_it_once(
    db: Session, world: World, engine: Engine
) -> None:
    guardian, second, maya_id = world.gym.guardian, world.gym.second, world.gym.maya.id

    def report(session: Session, actor) -> AbsenceOutcome:  # type: ignore[no-untyped-def]
        return report_absence_by_dates(
            session, actor, maya_id, chicago(TUE_1_DEC, 0), chicago(TUE_1_DEC, 23), ""
        )

    results = race(engine, lambda s: report(s, guardian), lambda s: report(s, second))
    assert sorted(type(r).__name__ for r in results) == ["AbsenceOutcome", "ValidationError"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(FutureAbsence)) == 1
    assert len(tokens(db)) == 1
    assert (
        db.scalar(
            select(func.count())
            .select_from(ParentRequest)
            .where(
                ParentRequest.kind == RequestKind.ABSENCE,
                ParentRequest.status == RequestStatus.APPLIED,
            )
        )
        == 1
    )
