"""Closure days (issue 15): adding one cancels the meetings, tells the families and gives each
student one remedy per cancelled meeting, once, even when run again or concurrently; the
closed meetings leave the rosters, makeup options and calendar feed. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Closure,
    ClosureRemedy,
    Enrollment,
    EnrollmentType,
    LedgerEntry,
    LedgerKind,
    Level,
    MakeupToken,
    OutboxMessage,
)
from services.backoffice.closure_remedies import meeting_share
from services.backoffice.closures import (
    add_closure,
    apply_closure,
    list_closures,
    remove_closure,
)
from services.classes.calendar_feed import calendar_ics, student_calendar_url_token
from services.desk.checkin import check_in_by_code
from services.desk.checkin_codes import student_checkin_code
from services.desk.rosters import class_roster
from services.desk.staff_home import todays_classes
from services.kernel import clock
from services.kernel.closure_days import is_closed
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.settings import update_settings
from services.makeups.absences_by_class import report_absence_by_enrollment
from services.makeups.absences_by_dates import report_absence_by_dates
from services.makeups.makeup_visits import book_makeup, makeup_options
from services.makeups.passes import punch_options, redeem_punch
from tests import factories as f

TUE_24_NOV, TUE_1_DEC, TUE_8_DEC = date(2026, 11, 24), date(2026, 12, 1), date(2026, 12, 8)
THU_3_DEC, THU_10_DEC = date(2026, 12, 3), date(2026, 12, 10)


@pytest.fixture
def gym(db: Session) -> f.FamilyGym:
    gym = f.family_gym(db)
    db.commit()
    return gym


def counts(db: Session) -> tuple[int, int, int, int, int]:
    """Closures, remedies, tokens, credits and e-mails in the database."""
    return (
        db.scalar(select(func.count()).select_from(Closure)) or 0,
        db.scalar(select(func.count()).select_from(ClosureRemedy)) or 0,
        db.scalar(select(func.count()).select_from(MakeupToken)) or 0,
        db.scalar(select(func.count()).where(LedgerEntry.kind == LedgerKind.CREDIT)) or 0,
        db.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
    )


def race(engine: Engine, *calls: Callable[[Session], object]) -> list[object]:
    """Each call in its own thread and session, released together; results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[Session], object]) -> None:
        moment = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
        with clock.frozen_at(moment), Session(engine, expire_on_commit=False) as session:
            session.connection()
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


def test_a_closure_gives_each_student_one_token_per_meeting_and_tells_each_family(
    db: Session, gym: f.FamilyGym
) -> None:
    outcome = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_8_DEC, "Winter break")
    assert (outcome.meetings, outcome.tokens, outcome.credits, outcome.emails) == (2, 4, 0, 2)
    tokens = db.scalars(select(MakeupToken).where(MakeupToken.student_id == gym.maya.id)).all()
    assert len(tokens) == 2
    assert all(t.location_id == gym.north.id and t.state.value == "available" for t in tokens)
    assert "Winter break" in tokens[0].source_note
    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "closure")).all()
    assert {m.family_id for m in mails} == {gym.family.id, gym.other_family.id}
    maya_mail = next(m for m in mails if m.family_id == gym.family.id)
    assert "Maya: Tumblers, Tue 1 Dec" in maya_mail.body_text
    assert "makeup token" in maya_mail.body_text
    assert db.scalar(select(func.count()).where(AuditEntry.action == "closure.added")) == 1
    assert is_closed(db, gym.north.id, TUE_8_DEC) and not is_closed(db, gym.south.id, TUE_8_DEC)


def test_running_again_or_overlapping_closures_issue_nothing_twice(
    db: Session, gym: f.FamilyGym
) -> None:
    first = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    before = counts(db)
    again = apply_closure(db, gym.admin, first.closure_id)
    everywhere = add_closure(db, gym.admin, None, TUE_1_DEC, TUE_8_DEC, "Snow")
    assert (again.tokens, again.emails) == (0, 0)
    assert (everywhere.meetings, everywhere.tokens) == (2, 2)  # only 8 Dec was still owed
    after = counts(db)
    assert after[1:3] == (before[1] + 2, before[2] + 2)


def test_a_student_enrolled_later_gets_theirs_when_applied_again(
    db: Session, gym: f.FamilyGym
) -> None:
    outcome = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    late = f.student(db, gym.family, "Leo")
    f.enroll(db, late, gym.cls, start=TUE_24_NOV)
    db.commit()
    again = apply_closure(db, gym.admin, outcome.closure_id)
    assert (again.tokens, again.emails) == (1, 1)


def test_concurrent_runs_issue_each_remedy_once(
    db: Session, gym: f.FamilyGym, engine: Engine
) -> None:
    results = race(
        engine,
        lambda s: add_closure(s, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Storm"),
        lambda s: add_closure(s, gym.admin, None, TUE_1_DEC, TUE_1_DEC, "Storm"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    remedies = db.scalars(select(ClosureRemedy)).all()
    assert sorted(r.student_id for r in remedies) == sorted([gym.maya.id, gym.other_student.id])
    assert db.scalar(select(func.count()).select_from(MakeupToken)) == 2
    closure_id = remedies[0].closure_id
    results = race(
        engine,
        lambda s: apply_closure(s, gym.admin, closure_id),
        lambda s: apply_closure(s, gym.admin, closure_id),
    )
    assert [r.tokens for r in results] == [0, 0]  # type: ignore[attr-defined]
    assert db.scalar(select(func.count()).select_from(MakeupToken)) == 2


def test_the_credit_setting_credits_the_meetings_share_of_tuition(
    db: Session, gym: f.FamilyGym
) -> None:
    f.portal_settings(db, closure_remedy="credit")
    db.commit()
    outcome = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    assert (outcome.tokens, outcome.credits) == (0, 2)
    # December's Tuesdays in the term: 1, 8 and 15 Dec (it ends on the 20th): 8500 / 3.
    credit = db.scalar(select(LedgerEntry).where(LedgerEntry.family_id == gym.family.id))
    assert credit is not None
    assert (credit.amount_cents, credit.is_debit, credit.service_date) == (2833, False, TUE_1_DEC)
    mail = db.scalar(select(OutboxMessage).where(OutboxMessage.family_id == gym.family.id))
    assert mail is not None and "$28.33" in mail.body_text
    assert meeting_share(gym.cls, slot_of(gym.cls, "America/Chicago"), date(2026, 11, 3)) == 2125


def test_the_nothing_setting_still_tells_the_families(db: Session, gym: f.FamilyGym) -> None:
    f.portal_settings(db, closure_remedy="none")
    db.commit()
    outcome = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    assert (outcome.tokens, outcome.credits, outcome.nothing, outcome.emails) == (0, 0, 2, 2)
    assert db.scalar(select(func.count()).select_from(MakeupToken)) == 0


def test_makeup_visits_and_drop_ins_get_a_token_back_whatever_the_setting(
    db: Session, gym: f.FamilyGym
) -> None:
    f.portal_settings(db, closure_remedy="credit")
    visitor, dropper = f.student(db, gym.family, "Vic"), f.student(db, gym.other_family, "Dee")
    f.enroll(db, visitor, gym.cls, type=EnrollmentType.MAKEUP, start=TUE_1_DEC)
    f.drop_in(db, dropper, gym.cls, TUE_1_DEC)
    db.commit()
    outcome = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    assert (outcome.tokens, outcome.credits, outcome.emails) == (2, 2, 2)
    given = {r.student_id: r.kind for r in db.scalars(select(ClosureRemedy)).all()}
    assert given[visitor.id] == given[dropper.id] == "token"
    assert given[gym.maya.id] == "credit"


def test_only_admins_manage_closures_and_staff_read_their_locations(
    db: Session, gym: f.FamilyGym
) -> None:
    for actor in (gym.desk, gym.guardian):
        with pytest.raises(AccessDenied):
            add_closure(db, actor, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    south = add_closure(db, gym.admin, gym.south.id, TUE_1_DEC, TUE_1_DEC, "Roof")
    north = add_closure(db, gym.admin, gym.north.id, TUE_8_DEC, TUE_8_DEC, "Holiday")
    for actor in (gym.desk, gym.guardian):
        with pytest.raises(AccessDenied):
            apply_closure(db, actor, north.closure_id)
        with pytest.raises(AccessDenied):
            remove_closure(db, actor, south.closure_id)
    with pytest.raises(AccessDenied):
        list_closures(db, gym.guardian)
    assert [c.where for c in list_closures(db, gym.desk).closures] == ["Northside"]
    assert [c.where for c in list_closures(db, gym.admin).closures] == ["Northside", "Southside"]
    assert [c.reason for c in list_closures(db, gym.admin, "roof").closures] == ["Roof"]
    with pytest.raises(NotFound):
        apply_closure(db, gym.admin, 999_999)


@pytest.mark.parametrize(
    ("first", "last", "reason", "message"),
    [
        (TUE_8_DEC, TUE_1_DEC, "Holiday", "last day cannot be before"),
        (TUE_1_DEC, date(2027, 1, 1), "Holiday", "at most 31 days"),
        (date(2026, 11, 23), TUE_1_DEC, "Holiday", "cannot start in the past"),
        (TUE_1_DEC, TUE_1_DEC, "   ", "Say why"),
        (TUE_1_DEC, TUE_1_DEC, "x" * 201, "too long"),
        (TUE_1_DEC, TUE_1_DEC, "bad\x00", "cannot be saved"),
        (datetime(2026, 12, 1, tzinfo=UTC), TUE_1_DEC, "Holiday", "first day"),
        ("2026-12-01", TUE_1_DEC, "Holiday", "first day"),
        (TUE_1_DEC, None, "Holiday", "last day"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    db: Session, gym: f.FamilyGym, first: object, last: object, reason: object, message: str
) -> None:
    before = counts(db)
    with pytest.raises(ValidationError, match=message):
        add_closure(db, gym.admin, gym.north.id, first, last, reason)  # type: ignore[arg-type]
    assert counts(db) == before


def test_unknown_locations_are_not_found(db: Session, gym: f.FamilyGym) -> None:
    for bad in (999_999, 0):
        with pytest.raises(NotFound):
            add_closure(db, gym.admin, bad, TUE_1_DEC, TUE_1_DEC, "Holiday")
    with pytest.raises(ValidationError):
        add_closure(db, gym.admin, "1", TUE_1_DEC, TUE_1_DEC, "Holiday")  # type: ignore[arg-type]
    assert counts(db)[0] == 0


def test_removing_is_for_future_closures_that_affected_nobody(
    db: Session, gym: f.FamilyGym
) -> None:
    quiet = add_closure(db, gym.admin, gym.south.id, TUE_1_DEC, TUE_1_DEC, "Roof")
    busy = add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    today = add_closure(db, gym.admin, gym.south.id, TUE_24_NOV, TUE_24_NOV, "Snow")
    with pytest.raises(ValidationError, match="2 cancelled meetings were handled"):
        remove_closure(db, gym.admin, busy.closure_id)
    with pytest.raises(ValidationError, match="has started"):
        remove_closure(db, gym.admin, today.closure_id)
    remove_closure(db, gym.admin, quiet.closure_id)
    assert not is_closed(db, gym.south.id, TUE_1_DEC)
    with pytest.raises(ValidationError, match="already removed"):
        remove_closure(db, gym.admin, quiet.closure_id)
    assert db.get(Closure, quiet.closure_id) is not None  # archived, not deleted
    shown = list_closures(db, gym.admin, include_removed=True).closures
    assert [c.removed_at is not None for c in shown if c.id == quiet.closure_id] == [True]


def test_the_closure_remedy_setting_takes_only_its_choices(db: Session, gym: f.FamilyGym) -> None:
    with pytest.raises(ValidationError, match="token, credit, none"):
        update_settings(db, gym.admin, {"closure_remedy": "cash"})
    assert update_settings(db, gym.admin, {"closure_remedy": "credit"}).closure_remedy == "credit"


# The closed meetings leave the schedule's readers


def test_a_closed_day_has_no_roster_and_no_classes_today(db: Session, gym: f.FamilyGym) -> None:
    assert class_roster(db, gym.desk, gym.cls.id, TUE_24_NOV).students
    assert todays_classes(db, gym.desk, gym.north.id).classes
    add_closure(db, gym.admin, gym.north.id, TUE_24_NOV, TUE_24_NOV, "Flood")
    with pytest.raises(ValidationError, match="Northside is closed on Tue 24 Nov"):
        class_roster(db, gym.desk, gym.cls.id, TUE_24_NOV)
    assert todays_classes(db, gym.desk, gym.north.id).classes == ()


def test_closed_meetings_are_not_makeup_options(db: Session, gym: f.FamilyGym) -> None:
    level = db.get(Level, gym.cls.level_id)
    flips = f.gym_class(db, gym.north, level=level, weekday=3, name="Flips")
    token = f.makeup_token(db, gym.maya, gym.north)
    db.commit()
    assert THU_3_DEC in {o.class_date for o in makeup_options(db, gym.guardian, token.id)}
    add_closure(db, gym.admin, gym.north.id, THU_3_DEC, THU_3_DEC, "Holiday")
    days = {o.class_date for o in makeup_options(db, gym.guardian, token.id)}
    assert THU_3_DEC not in days and THU_10_DEC in days
    with pytest.raises(ValidationError, match="closed that day"):
        book_makeup(db, gym.guardian, token.id, flips.id, THU_3_DEC)


def test_closed_meetings_leave_the_calendar_feed(db: Session, gym: f.FamilyGym) -> None:
    def meeting_days() -> set[str]:
        ics = calendar_ics(db, student_calendar_url_token(db, gym.guardian, gym.maya.id))
        assert ics is not None
        return {line[8:16] for line in ics.split("\r\n") if line.startswith("DTSTART:")}

    assert "20261201" in meeting_days()
    add_closure(db, gym.admin, None, TUE_1_DEC, TUE_1_DEC, "Holiday")
    assert "20261201" not in meeting_days() and "20261208" in meeting_days()


def test_a_closed_meeting_cannot_be_reported_missed(db: Session, gym: f.FamilyGym) -> None:
    """Else a family would get an absence token on top of the closure's remedy."""
    add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    place = db.scalar(select(Enrollment.id).where(Enrollment.student_id == gym.maya.id))
    with pytest.raises(ValidationError, match="Tumblers on Tue 1 Dec is cancelled"):
        report_absence_by_enrollment(db, gym.guardian, gym.maya.id, [place], TUE_1_DEC, "")
    zone = ZoneInfo("America/Chicago")
    week = (datetime(2026, 11, 30, tzinfo=zone), datetime(2026, 12, 6, 23, 59, tzinfo=zone))
    with pytest.raises(ValidationError, match="no classes in that period"):
        report_absence_by_dates(db, gym.guardian, gym.maya.id, *week, "")
    marked = report_absence_by_dates(
        db, gym.guardian, gym.maya.id, week[0], week[1] + timedelta(days=7), ""
    )
    assert [m.class_date for m in marked.marked] == [TUE_8_DEC]


def test_check_in_on_a_closed_day_finds_no_class_and_names_the_next_open_one(
    db: Session, gym: f.FamilyGym
) -> None:
    add_closure(db, gym.admin, gym.north.id, TUE_24_NOV, TUE_1_DEC, "Burst pipe")
    code = student_checkin_code(db, gym.desk, gym.maya.id)
    with (
        clock.frozen_at(datetime(2026, 11, 24, 21, 45, tzinfo=UTC)),
        pytest.raises(ValidationError) as refused,
    ):
        check_in_by_code(db, gym.desk, gym.north.id, code)
    assert refused.value.message == (
        "Maya has no class at Northside right now; next: Tue 8 Dec, 4:00 PM."
    )


def test_a_punch_cannot_be_used_for_a_closed_meeting(db: Session, gym: f.FamilyGym) -> None:
    card = f.punch_pass(db, gym.family, gym.north, student=gym.maya)
    db.commit()
    assert [o.class_id for o in punch_options(db, gym.desk, card.id, TUE_1_DEC)] == [gym.cls.id]
    add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    assert punch_options(db, gym.desk, card.id, TUE_1_DEC) == []
    with pytest.raises(ValidationError, match="closed"):
        redeem_punch(db, gym.desk, card.id, gym.cls.id, TUE_1_DEC, student_id=gym.maya.id)


def test_archived_locations_and_bad_pages_are_refused(db: Session, gym: f.FamilyGym) -> None:
    gym.south.is_active = False
    db.commit()
    with pytest.raises(ValidationError, match="Southside is archived"):
        add_closure(db, gym.admin, gym.south.id, TUE_1_DEC, TUE_1_DEC, "Roof")
    for page in (-1, "2", True, 1.0):
        with pytest.raises(ValidationError, match="page"):
            list_closures(db, gym.admin, "", page)  # type: ignore[arg-type]
    assert list_closures(db, gym.admin, "", 99).page == 0  # past the end: the last page
    assert counts(db)[0] == 0


def test_the_database_refuses_a_second_remedy_for_one_meeting(
    db: Session, gym: f.FamilyGym
) -> None:
    add_closure(db, gym.admin, gym.north.id, TUE_1_DEC, TUE_1_DEC, "Holiday")
    first = db.scalars(select(ClosureRemedy)).first()
    assert first is not None
    db.add(
        ClosureRemedy(
            closure_id=first.closure_id,
            student_id=first.student_id,
            family_id=first.family_id,
            class_id=first.class_id,
            class_date=first.class_date,
            kind="credit",
            created_at=clock.now(),
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
