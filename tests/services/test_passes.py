"""Punch passes: the family's list, and using a punch for a class (once, under concurrency)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data.models import AuditEntry, GymClass, PassRedemption, PunchPass
from services.kernel import clock
from services.kernel.errors import DomainError, FeatureDisabled, NotFound, ValidationError
from services.kernel.settings import update_settings
from services.makeups.passes import PassView, family_passes, punch_options, redeem_punch
from tests import factories as f

THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)


@dataclass
class Gym:
    base: f.FamilyGym
    shared: PunchPass  # the family's, Northside, 3 of 10 used
    open_gym: GymClass  # Northside drop-in, Thursdays 16:00, two places
    friday: GymClass  # Northside drop-in, Fridays


@pytest.fixture
def gym(db: Session) -> Gym:
    base = f.family_gym(db)
    built = Gym(
        base=base,
        shared=f.punch_pass(db, base.family, base.north, used=3),
        open_gym=f.gym_class(db, base.north, weekday=3, name="Open gym", capacity=2),
        friday=f.gym_class(db, base.north, weekday=4, name="Friday flips"),
    )
    update_settings(db, base.admin, {"punch_pass_redemption_enabled": True})  # commits
    return built


def state(db: Session, punch_pass: PunchPass) -> tuple[int, int, int]:
    """Punches used on the pass, redemptions and audit entries in the database."""
    db.rollback()
    return (
        db.scalar(select(PunchPass.punches_used).where(PunchPass.id == punch_pass.id)) or 0,
        db.scalar(select(func.count()).select_from(PassRedemption)) or 0,
        db.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


# family_passes


def test_the_family_sees_its_passes_active_first(db: Session, gym: Gym) -> None:
    base = gym.base
    for name, bought, extra in [
        ("Summer pass", date(2026, 6, 1), {"expires_on": date(2026, 11, 23), "used": 1}),
        ("Used up", date(2026, 9, 1), {"total": 5, "used": 5}),
        ("Switched off", date(2026, 8, 1), {"is_active": False}),
    ]:
        f.punch_pass(db, base.family, base.north, name=name, purchased_on=bought, **extra)
    mine = f.punch_pass(
        db,
        base.family,
        base.north,
        student=base.maya,
        name="Maya's 5",
        total=5,
        purchased_on=date(2026, 11, 1),
        expires_on=None,
        amount_paid_cents=8_000,
    )
    f.punch_pass(db, base.other_family, base.north, name="Not ours")
    passes = family_passes(db, base.guardian)
    assert [(p.name, p.status, p.is_active) for p in passes] == [
        ("Maya's 5", "active", True),
        ("10-class pass", "active", True),
        ("Used up", "used_up", False),
        ("Switched off", "inactive", False),
        ("Summer pass", "expired", False),
    ]
    assert passes[0] == PassView(
        id=mine.id,
        name="Maya's 5",
        student_id=base.maya.id,
        student_name="Maya Rivera",
        location_id=base.north.id,
        location_name="Northside",
        punches_total=5,
        punches_used=0,
        punches_remaining=5,
        purchased_on=date(2026, 11, 1),
        expires_on=None,
        amount_paid_cents=8_000,
        status="active",
    )
    assert (passes[1].student_name, passes[1].punches_remaining) == (None, 7)
    assert family_passes(db, base.second) == passes


def test_a_pass_expires_after_its_last_day(db: Session, gym: Gym) -> None:
    last_day = f.punch_pass(db, gym.base.family, gym.base.north, expires_on=date(2026, 11, 24))
    (view,) = [p for p in family_passes(db, gym.base.guardian) if p.id == last_day.id]
    assert view.status == "active"


def test_a_switched_off_pass_says_why_it_ended(db: Session, gym: Gym) -> None:
    """Issue 13: an expired pass that staff switched off read "Inactive"."""
    base = gym.base
    for name, extra in [
        ("Expired, off", {"expires_on": date(2026, 11, 1)}),
        ("Used up, off", {"total": 5, "used": 5}),
        ("Just off", {}),
    ]:
        f.punch_pass(db, base.family, base.north, name=name, is_active=False, **extra)
    statuses = {p.name: p.status for p in family_passes(db, base.guardian)}
    assert (statuses["Expired, off"], statuses["Used up, off"], statuses["Just off"]) == (
        "expired",
        "used_up",
        "inactive",
    )


def test_a_student_s_passes_are_theirs_and_the_family_s(db: Session, gym: Gym) -> None:
    base = gym.base
    kai = f.student(db, base.family, "Kai")
    f.punch_pass(db, base.family, base.north, student=kai, name="Kai's")
    f.punch_pass(db, base.family, base.north, student=base.maya, name="Maya's")
    names = [p.name for p in family_passes(db, base.guardian, base.maya.id)]
    assert names == ["Maya's", "10-class pass"]


def test_staff_see_the_passes_of_their_locations(db: Session, gym: Gym) -> None:
    base = gym.base
    f.punch_pass(db, base.family, base.south, name="Southside pass")
    north = family_passes(db, base.desk, family_id=base.family.id)
    south = family_passes(db, base.south_desk, family_id=base.family.id)
    assert [p.name for p in north] == ["10-class pass"]
    assert [p.name for p in south] == ["Southside pass"]
    assert len(family_passes(db, base.admin, family_id=base.family.id)) == 2
    assert [p.name for p in family_passes(db, base.desk, base.maya.id)] == ["10-class pass"]
    with pytest.raises(ValidationError, match="Choose a family"):
        family_passes(db, base.desk)


def test_passes_can_be_hidden_from_parents(db: Session, gym: Gym) -> None:
    base = gym.base
    update_settings(db, base.admin, {"punch_passes_enabled": False})
    for actor in (base.guardian, base.second):
        with pytest.raises(FeatureDisabled):
            family_passes(db, actor)
    assert len(family_passes(db, base.desk, family_id=base.family.id)) == 1


def test_family_passes_access(db: Session, gym: Gym) -> None:
    base = gym.base
    for actor, kwargs in [
        (base.guardian, {"family_id": base.other_family.id}),
        (base.guardian, {"family_id": 999_999}),
        (base.south_desk, {"family_id": base.family.id}),
    ]:
        with pytest.raises(NotFound, match="That family was not found"):
            family_passes(db, actor, **kwargs)
    for actor, student_id in [
        (base.guardian, base.other_student.id),
        (base.other_guardian, base.maya.id),
        (base.guardian, 999_999),
        (base.south_desk, base.maya.id),
    ]:
        with pytest.raises(NotFound, match="That student was not found"):
            family_passes(db, actor, student_id)
    with pytest.raises(NotFound):
        family_passes(db, base.desk, base.maya.id, family_id=base.other_family.id)
    for bad in ("1", 1.0, True):
        with pytest.raises(ValidationError):
            family_passes(db, base.guardian, bad)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            family_passes(db, base.guardian, family_id=bad)  # type: ignore[arg-type]


# redeem_punch


def test_a_guardian_uses_a_punch_for_a_future_meeting(db: Session, gym: Gym) -> None:
    base = gym.base
    view = redeem_punch(
        db, base.second, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=base.maya.id
    )
    assert (view.id, view.punches_used, view.punches_remaining) == (gym.shared.id, 4, 6)
    redemption = db.scalars(select(PassRedemption)).one()
    assert (redemption.student_id, redemption.class_id, redemption.class_date) == (
        base.maya.id,
        gym.open_gym.id,
        THURSDAY,
    )
    assert redemption.redeemed_by_user_id == base.second.user_id
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "pass.punch_used")).one()
    assert audit.family_id == base.family.id
    assert state(db, gym.shared) == (4, 1, 2)  # the setting change and the punch


def test_a_student_s_own_pass_needs_no_student(db: Session, gym: Gym) -> None:
    base = gym.base
    own = f.punch_pass(db, base.family, base.north, student=base.maya, total=1)
    assert redeem_punch(db, base.guardian, own.id, gym.open_gym.id, THURSDAY).status == "used_up"


def test_today_s_meeting_counts_until_it_starts(db: Session, gym: Gym) -> None:
    tuesday = f.gym_class(db, gym.base.north, weekday=1, name="Tuesday drop-in")
    kai = f.student(db, gym.base.family, "Kai")
    today = date(2026, 11, 24)
    redeem_punch(db, gym.base.guardian, gym.shared.id, tuesday.id, today, student_id=kai.id)
    started = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 16:00 in Chicago
    with clock.frozen_at(started), pytest.raises(ValidationError, match="already started"):
        redeem_punch(
            db, gym.base.guardian, gym.shared.id, tuesday.id, today, student_id=gym.base.maya.id
        )


def test_staff_use_punches_whatever_the_portal_setting(db: Session, gym: Gym) -> None:
    base = gym.base
    update_settings(db, base.admin, {"punch_pass_redemption_enabled": False})
    with pytest.raises(FeatureDisabled):
        redeem_punch(
            db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=gym.base.maya.id
        )
    view = redeem_punch(
        db, base.desk, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=base.maya.id
    )
    assert view.punches_used == 4


def test_redemption_needs_passes_shown_too(db: Session, gym: Gym) -> None:
    update_settings(db, gym.base.admin, {"punch_passes_enabled": False})
    before = state(db, gym.shared)
    with pytest.raises(FeatureDisabled):
        redeem_punch(
            db,
            gym.base.guardian,
            gym.shared.id,
            gym.open_gym.id,
            THURSDAY,
            student_id=gym.base.maya.id,
        )
    assert state(db, gym.shared) == before


def refused_cases(gym: Gym, db: Session) -> list[tuple[dict[str, object], type, str]]:
    base = gym.base
    maya = base.maya.id
    kai = f.student(db, base.family, "Kai")
    kai.is_active = False
    south_class = f.gym_class(db, base.south, weekday=3, name="Southside gym")
    retired = f.gym_class(db, base.north, weekday=3, name="Retired")
    retired.is_active = False
    full = f.gym_class(db, base.north, weekday=3, name="Tiny", capacity=1)
    f.enroll(db, base.other_student, full)
    expiring = f.punch_pass(db, base.family, base.north, expires_on=date(2026, 11, 25))
    used_up = f.punch_pass(db, base.family, base.north, total=2, used=2)
    off = f.punch_pass(db, base.family, base.north, is_active=False)
    kais = f.punch_pass(db, base.family, base.north, student=kai)
    theirs = f.punch_pass(db, base.other_family, base.north)
    at_south = f.punch_pass(db, base.family, base.south)
    shared, open_gym = gym.shared.id, gym.open_gym.id
    ok = {"pass_id": shared, "class_id": open_gym, "class_date": THURSDAY, "student_id": maya}
    cases: list[tuple[dict[str, object], type, str]] = [
        ({"student_id": None}, ValidationError, "Choose the student"),
        ({"student_id": kai.id}, ValidationError, "not an active student"),
        ({"student_id": base.other_student.id}, NotFound, "student was not found"),
        ({"student_id": 999_999}, NotFound, "student was not found"),
        ({"pass_id": theirs.id}, NotFound, "punch pass was not found"),
        ({"pass_id": 999_999}, NotFound, "punch pass was not found"),
        ({"pass_id": kais.id}, ValidationError, "belongs to another student"),
        ({"pass_id": expiring.id}, ValidationError, "expires on November 25"),
        ({"pass_id": used_up.id}, ValidationError, "Every punch"),
        ({"pass_id": off.id}, ValidationError, "no longer active"),
        ({"pass_id": at_south.id}, ValidationError, "only be used at Southside"),
        ({"class_id": south_class.id}, ValidationError, "only be used at Northside"),
        ({"class_id": retired.id}, ValidationError, "does not meet"),
        ({"class_id": 999_999}, NotFound, "class was not found"),
        ({"class_id": full.id}, ValidationError, "Tiny is full on Thursday, November 26"),
        ({"class_id": base.cls.id, "class_date": date(2026, 12, 1)}, ValidationError, "already in"),
        ({"class_date": FRIDAY}, ValidationError, "does not meet on Friday"),
        ({"class_date": date(2026, 12, 24)}, ValidationError, "does not meet"),  # after term
        ({"class_date": date(2026, 11, 19)}, ValidationError, "already started"),
        ({"class_date": "2026-11-26"}, ValidationError, "date of the class"),
        ({"class_date": datetime(2026, 11, 26, 16, tzinfo=UTC)}, ValidationError, "date of"),
        ({"class_date": None}, ValidationError, "date of the class"),
        ({"pass_id": str(shared)}, ValidationError, "punch pass is not valid"),
        ({"pass_id": True}, ValidationError, "punch pass is not valid"),
        ({"class_id": 1.0}, ValidationError, "class is not valid"),
        ({"student_id": "1"}, ValidationError, "student is not valid"),
    ]
    return [({**ok, **change}, error, message) for change, error, message in cases]


def test_refusals_explain_why_and_change_nothing(db: Session, gym: Gym) -> None:
    cases = refused_cases(gym, db)
    db.commit()
    before = state(db, gym.shared)
    for kwargs, error, message in cases:
        args = kwargs.copy()
        with pytest.raises(error, match=message):
            redeem_punch(
                db,
                gym.base.guardian,
                args.pop("pass_id"),  # type: ignore[arg-type]
                args.pop("class_id"),  # type: ignore[arg-type]
                args.pop("class_date"),  # type: ignore[arg-type]
                **args,  # type: ignore[arg-type]
            )
        assert state(db, gym.shared) == before, kwargs


def test_one_meeting_takes_one_punch(db: Session, gym: Gym) -> None:
    base = gym.base
    redeem_punch(
        db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=gym.base.maya.id
    )
    before = state(db, gym.shared)
    with pytest.raises(ValidationError, match="already in that class"):
        redeem_punch(
            db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=gym.base.maya.id
        )
    other = f.punch_pass(db, base.family, base.north)
    with pytest.raises(ValidationError, match="already in that class"):
        redeem_punch(
            db, base.guardian, other.id, gym.open_gym.id, THURSDAY, student_id=gym.base.maya.id
        )
    assert state(db, gym.shared) == before


def test_drop_ins_take_seats_and_absences_lend_them(db: Session, gym: Gym) -> None:
    base = gym.base
    kai = f.student(db, base.family, "Kai")
    ben = f.student(db, base.family, "Ben")
    lisa = f.student(db, base.other_family, "Lisa")
    enrolled = f.enroll(db, lisa, gym.open_gym)
    redeem_punch(db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=kai.id)
    with pytest.raises(ValidationError, match="Open gym is full"):
        redeem_punch(db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=ben.id)
    f.future_absence(db, lisa, gym.open_gym, THURSDAY, enrollment=enrolled)
    view = redeem_punch(
        db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=ben.id
    )
    assert view.punches_used == 5


def test_redeem_access(db: Session, gym: Gym) -> None:
    base = gym.base
    before = state(db, gym.shared)
    for actor in (base.other_guardian, base.south_desk):
        with pytest.raises(NotFound, match="punch pass was not found"):
            redeem_punch(
                db, actor, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=base.maya.id
            )
    with pytest.raises(NotFound, match="student was not found"):  # staff, another family
        redeem_punch(
            db,
            base.desk,
            gym.shared.id,
            gym.open_gym.id,
            THURSDAY,
            student_id=base.other_student.id,
        )
    assert state(db, gym.shared) == before
    view = redeem_punch(
        db, base.admin, gym.shared.id, gym.friday.id, FRIDAY, student_id=gym.base.maya.id
    )
    assert view.punches_used == 4


def test_two_tabs_using_the_last_punch_spend_it_once(engine: Engine, db: Session, gym: Gym) -> None:
    base = gym.base
    last = f.punch_pass(db, base.family, base.north, total=5, used=4)
    db.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def use(class_id: int, day: date) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                redeem_punch(
                    session, base.guardian, last.id, class_id, day, student_id=gym.base.maya.id
                )
                outcomes.append("used")
            except DomainError as refused:
                outcomes.append(refused.message)

    threads = [
        threading.Thread(target=use, args=(gym.open_gym.id, THURSDAY)),
        threading.Thread(target=use, args=(gym.friday.id, FRIDAY)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2 and outcomes.count("used") == 1, outcomes
    db.rollback()
    assert db.scalar(select(PunchPass.punches_used).where(PunchPass.id == last.id)) == 5
    assert db.scalar(select(func.count()).select_from(PassRedemption)) == 1


def test_the_class_start_is_in_the_location_s_time_zone(db: Session, gym: Gym) -> None:
    tokyo = f.location(db, "Tokyo", "Asia/Tokyo")
    late = f.gym_class(db, tokyo, weekday=1, start=time(23, 0), end=time(23, 45))
    pass_ = f.punch_pass(db, gym.base.family, tokyo)
    # 24 November 23:00 in Tokyo is 14:00 UTC: the meeting started before 15:00 UTC.
    with pytest.raises(ValidationError, match="already started"):
        redeem_punch(
            db,
            gym.base.guardian,
            pass_.id,
            late.id,
            date(2026, 11, 24),
            student_id=gym.base.maya.id,
        )
    view = redeem_punch(
        db, gym.base.guardian, pass_.id, late.id, date(2026, 12, 1), student_id=gym.base.maya.id
    )
    assert view.punches_used == 1


# punch_options


def test_punch_options_list_the_day_s_classes_with_seats_or_why_not(db: Session, gym: Gym) -> None:
    base = gym.base
    options = punch_options(db, base.guardian, gym.shared.id, THURSDAY)
    assert [(o.class_name, o.open_seats, o.why_not) for o in options] == [("Open gym", 2, None)]
    for _ in range(2):
        other = f.student(db, base.family, f"Kid{_}")
        db.commit()
        redeem_punch(
            db, base.guardian, gym.shared.id, gym.open_gym.id, THURSDAY, student_id=other.id
        )
    full = punch_options(db, base.guardian, gym.shared.id, THURSDAY)
    assert [(o.open_seats, o.why_not) for o in full] == [(0, "class full")]


def test_punch_options_refusals(db: Session, gym: Gym) -> None:
    base = gym.base
    with pytest.raises(NotFound):
        punch_options(db, base.other_guardian, gym.shared.id, THURSDAY)
    with pytest.raises(NotFound):
        punch_options(db, base.south_desk, gym.shared.id, THURSDAY)
    with pytest.raises(ValidationError):
        punch_options(db, base.guardian, gym.shared.id, "2026-11-26")  # type: ignore[arg-type]
    update_settings(db, base.admin, {"punch_pass_redemption_enabled": False})
    with pytest.raises(FeatureDisabled):
        punch_options(db, base.guardian, gym.shared.id, THURSDAY)
    assert punch_options(db, base.desk, gym.shared.id, THURSDAY)  # staff are not limited
