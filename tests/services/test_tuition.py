"""The tuition run (issue 16): the page of lines and the totals before posting (issue 17),
posting exactly once, proration, discounts, a drop
after posting, the jobs, access and bad input, on SQLite and PostgreSQL
(tests/services/tuition_helpers.py describes the gym)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    EnrollmentStatus,
    EnrollmentType,
    LedgerEntry,
    LedgerKind,
    Level,
    TuitionLine,
)
from services.billing import tuition_posting
from services.billing.ledger import family_balance
from services.billing.transactions_history import family_ledger
from services.billing.tuition_adjustments import credit_untaken_tuition
from services.billing.tuition_jobs import run_late_fees_job, run_tuition_job
from services.billing.tuition_listing import tuition_listing
from services.billing.tuition_posting import post_tuition
from services.billing.tuition_totals import tuition_totals
from services.classes.drops import drop_enrollment
from services.classes.transfers import transfer_enrollment
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied, ValidationError
from services.kernel.transactions import write_transaction
from tests import factories as f
from tests.services.tuition_helpers import (
    DECEMBER,
    NOVEMBER,
    TuitionGym,
    build_tuition_gym,
    charges,
    charges_per_place,
    count,
)


@pytest.fixture
def gym(db: Session) -> TuitionGym:
    return build_tuition_gym(db)


def test_preview_shows_every_family_and_line_and_writes_nothing(
    db: Session, gym: TuitionGym
) -> None:
    totals = tuition_totals(db, gym.admin, "2026-11")
    assert (totals.families, totals.lines, totals.already_posted) == (2, 4, 0)
    assert totals.total_cents == 8_500 + 6_000 + 6_375 + 8_500
    listing = tuition_listing(db, gym.admin, "2026-11")
    assert (listing.families.total, listing.waiting) == (2, 2)
    rivera = next(p.family for p in listing.families.items if p.family.family_id == gym.rivera.id)
    assert [(line.student_name, line.amount_cents) for line in rivera.lines] == [
        ("Maya", 8_500),
        ("Maya", 6_000),
        ("Leo", 6_375),  # 3 of November's 4 Tuesdays: 8,500 × 3 ÷ 4
    ]
    assert rivera.lines[2].description == (
        "Tuition for Leo: Tumblers (Tue 4:00 PM), November 2026, 3 of 4 classes"
    )
    assert count(db, LedgerEntry) == 0 and count(db, TuitionLine) == 0


def test_posting_writes_what_the_preview_showed_once(db: Session, gym: TuitionGym) -> None:
    totals = tuition_totals(db, gym.admin, NOVEMBER)
    listing = tuition_listing(db, gym.admin, NOVEMBER)
    seen: list[tuple[int, int]] = []
    run = post_tuition(db, gym.admin, NOVEMBER, progress=lambda done, of: seen.append((done, of)))
    assert (run.families, run.lines, run.total_cents, run.skipped) == (
        2,
        4,
        totals.total_cents,
        0,
    )
    assert seen == [(2, 2)]
    expected = [
        (line.student_id, line.amount_cents, line.description)
        for plan in listing.families.items
        for line in plan.family.lines
    ]
    assert sorted(charges(db)) == sorted(expected)
    again = post_tuition(db, gym.admin, NOVEMBER)
    assert (again.families, again.lines, again.total_cents, again.skipped) == (0, 0, 0, 4)
    assert len(charges(db)) == 4
    after = tuition_totals(db, gym.admin, NOVEMBER)
    assert (after.families, after.lines, after.already_posted) == (0, 0, 4)
    assert tuition_listing(db, gym.admin, NOVEMBER).waiting == 0  # nothing left to charge
    audited = db.scalars(select(AuditEntry.family_id).where(AuditEntry.action == "tuition.posted"))
    assert sorted(audited) == sorted([gym.rivera.id, gym.okafor.id])


def test_the_family_sees_the_charges_on_transactions(db: Session, gym: TuitionGym) -> None:
    post_tuition(db, scheduler_actor(), NOVEMBER)
    frame = family_ledger(db, gym.guardian)
    assert "Tuition for Leo: Tumblers (Tue 4:00 PM), November 2026, 3 of 4 classes" in set(
        frame["description"]
    )
    assert family_balance(db, gym.guardian, gym.rivera.id).outstanding_cents == 20_875
    entry = db.scalars(select(LedgerEntry)).first()
    assert entry is not None and entry.created_by_user_id is None  # the scheduler: no user


def test_discounts_reduce_the_charge_lines_and_say_so(db: Session, gym: TuitionGym) -> None:
    f.portal_settings(db, second_student_discount_percent=10, second_class_discount_percent=20)
    db.commit()
    post_tuition(db, gym.admin, NOVEMBER)
    rivera = charges(db, gym.rivera.id)
    assert [cents for _, cents, _ in rivera] == [8_500, 4_800, 5_737]
    assert rivera[1][2].endswith(", 20% second-class discount")
    assert rivera[2][2].endswith(", 3 of 4 classes, 10% second-student discount")
    assert [cents for _, cents, _ in charges(db, gym.okafor.id)] == [8_500]
    lines = db.scalars(select(TuitionLine).where(TuitionLine.family_id == gym.rivera.id))
    assert sum(line.amount_cents for line in lines) == sum(c for _, c, _ in rivera)


def test_a_place_added_after_posting_is_charged_next_run_with_its_discount(
    db: Session, gym: TuitionGym
) -> None:
    f.portal_settings(db, second_student_discount_percent=10)
    db.commit()
    post_tuition(db, gym.admin, NOVEMBER)
    cls = f.gym_class(db, gym.north, weekday=1)
    cls.tuition_cents = 20_000
    zoe = f.student(db, gym.okafor, "Zoe")
    f.enroll(db, zoe, cls, start=date(2026, 11, 17))
    db.commit()
    run = post_tuition(db, gym.admin, NOVEMBER)
    assert (run.lines, run.skipped) == (1, 4)
    # Ada's posted line keeps the full price; Zoe (more tuition, but later) gets 10 % off.
    assert charges(db, gym.okafor.id)[-1][1] == 10_000 - 1_000


def test_places_that_owe_nothing_are_not_billed(db: Session, gym: TuitionGym) -> None:
    kid = f.student(db, gym.okafor, "Kim")
    f.enroll(db, kid, gym.flyers, type=EnrollmentType.TRIAL, start=date(2026, 11, 5))
    f.enroll(db, kid, gym.flyers, type=EnrollmentType.MAKEUP, start=date(2026, 11, 12))
    f.enroll(db, kid, gym.tumblers, status=EnrollmentStatus.WAITLISTED, waitlist_position=1)
    free = f.gym_class(db, gym.north, weekday=4)
    free.tuition_cents = 0
    f.enroll(db, kid, free)
    never = f.student(db, gym.okafor, "Nia")
    f.enroll(
        db, never, gym.flyers, status=EnrollmentStatus.DROPPED,
        start=date(2026, 11, 12), end=date(2026, 11, 12),
    )  # fmt: skip
    ended = f.student(db, gym.okafor, "Oli")
    f.enroll(
        db, ended, gym.flyers, status=EnrollmentStatus.DROPPED,
        start=date(2026, 9, 3), end=date(2026, 10, 31),
    )  # fmt: skip
    db.commit()
    assert tuition_totals(db, gym.admin, NOVEMBER).lines == 4  # only the four regular places
    assert tuition_totals(db, gym.admin, "2026-10").lines == 4  # Oli's October; not Leo's


def test_a_drop_before_posting_prorates_the_month(db: Session, gym: TuitionGym) -> None:
    drop_enrollment(db, gym.desk, gym.ada_tue.id, date(2026, 11, 24))
    post_tuition(db, gym.admin, NOVEMBER)
    assert [c for _, c, _ in charges(db, gym.okafor.id)] == [6_375]  # 3 of 4 Tuesdays
    assert count(db, TuitionLine) == 4  # no credit: nothing was charged for the 24th


def test_a_drop_after_posting_credits_the_meetings_not_taken_once(
    db: Session, gym: TuitionGym
) -> None:
    post_tuition(db, gym.admin, NOVEMBER)
    post_tuition(db, gym.admin, DECEMBER)
    drop_enrollment(db, gym.desk, gym.ada_tue.id, date(2026, 11, 24))
    credits = db.execute(
        select(LedgerEntry.amount_cents, LedgerEntry.description, LedgerEntry.service_date)
        .where(LedgerEntry.kind == LedgerKind.CREDIT)
        .order_by(LedgerEntry.service_date)
    ).all()
    assert [(c, d) for c, _, d in credits] == [(2_125, NOVEMBER), (8_500, DECEMBER)]
    assert credits[0][1] == (
        "Tuition credit for Ada: Tumblers (Tue 4:00 PM), November 2026, 1 class not taken"
    )
    assert family_balance(db, gym.admin, gym.okafor.id).balance_cents == 8_500 * 3 // 4
    # Posting again neither re-charges nor re-credits; the credit's key is taken.
    post_tuition(db, gym.admin, DECEMBER)
    with write_transaction(db):
        assert credit_untaken_tuition(db, gym.admin, gym.ada_tue) == 0
    assert count(db, LedgerEntry) == 4 + 4 + 2  # two months of four places, two credits


def test_a_crash_mid_run_leaves_whole_families_and_the_rerun_finishes(
    db: Session, gym: TuitionGym, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuition_posting, "BATCH_FAMILIES", 1)

    def crash(done: int, of: int) -> None:
        raise RuntimeError("the server stopped")

    with pytest.raises(RuntimeError):
        post_tuition(db, gym.admin, NOVEMBER, progress=crash)
    assert len(charges(db)) == 3  # the first family's batch was committed, nothing else
    run = post_tuition(db, gym.admin, NOVEMBER)
    assert (run.families, run.lines, run.skipped) == (1, 1, 3)
    assert charges_per_place(db, NOVEMBER) == {
        gym.maya_tue.id: 1,
        gym.maya_thu.id: 1,
        gym.leo_tue.id: 1,
        gym.ada_tue.id: 1,
    }


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-13", "Choose a month"),
        ("November", "Choose a month"),
        ("2026-11-01", "Choose a month"),
        ("２０２６-11", "Choose a month"),
        (date(2026, 11, 5), "Choose a month"),
        (None, "Choose a month"),
        (202611, "Choose a month"),
        ("2026-09", "last month, this month or next month"),
        (date(2027, 1, 1), "last month, this month or next month"),
    ],
)
def test_a_bad_month_is_refused_and_nothing_written(
    db: Session, gym: TuitionGym, period: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        tuition_listing(db, gym.admin, period)
    with pytest.raises(ValidationError, match=message):
        tuition_totals(db, gym.admin, period)
    with pytest.raises(ValidationError, match=message):
        post_tuition(db, gym.admin, period)
    assert count(db, LedgerEntry) == 0


def test_only_an_administrator_runs_tuition(db: Session, gym: TuitionGym) -> None:
    for actor in (gym.desk, gym.instructor, gym.guardian):
        with pytest.raises(AccessDenied):
            tuition_listing(db, actor, NOVEMBER)
        with pytest.raises(AccessDenied):
            tuition_totals(db, actor, NOVEMBER)
        with pytest.raises(AccessDenied):
            post_tuition(db, actor, NOVEMBER)
        with pytest.raises(AccessDenied):
            run_tuition_job(db, actor)
        with pytest.raises(AccessDenied):
            run_late_fees_job(db, actor)
    assert count(db, LedgerEntry) == 0


def test_the_job_posts_the_month_from_its_billing_day_and_only_once(
    db: Session, gym: TuitionGym
) -> None:
    f.portal_settings(db, billing_day=25)
    db.commit()
    assert run_tuition_job(db, scheduler_actor())["lines"] == 0  # the 24th: not yet
    assert count(db, LedgerEntry) == 0
    clock.advance(timedelta(days=1))
    assert run_tuition_job(db, scheduler_actor()) == {
        "families": 2,
        "lines": 4,
        "total_cents": 29_375,
        "skipped": 0,
    }
    assert run_tuition_job(db, scheduler_actor())["skipped"] == 4
    assert charges_per_place(db, NOVEMBER) == dict.fromkeys(
        (gym.maya_tue.id, gym.maya_thu.id, gym.leo_tue.id, gym.ada_tue.id), 1
    )


def test_late_fees_once_on_each_charge_still_unpaid(db: Session, gym: TuitionGym) -> None:
    post_tuition(db, gym.admin, NOVEMBER)
    assert run_late_fees_job(db, scheduler_actor()) == {"late_fees": 0, "total_cents": 0}  # off
    f.portal_settings(db, late_fee_cents=1_500, late_fee_days=10)
    ada_charge = db.scalar(select(LedgerEntry).where(LedgerEntry.family_id == gym.okafor.id))
    payment = f.entry(db, gym.okafor, gym.north, LedgerKind.PAYMENT, 8_500)
    f.allocate(db, payment, ada_charge, 8_500)  # type: ignore[arg-type]
    db.commit()
    clock.advance(timedelta(days=9))
    assert run_late_fees_job(db, scheduler_actor())["late_fees"] == 0  # not yet 10 days
    clock.advance(timedelta(days=1))
    assert run_late_fees_job(db, scheduler_actor()) == {"late_fees": 3, "total_cents": 4_500}
    assert run_late_fees_job(db, scheduler_actor())["late_fees"] == 0
    fees = [d for _, c, d in charges(db, gym.rivera.id) if d.startswith("Late fee")]
    assert fees[0] == (
        "Late fee: tuition for Maya, Tumblers (Tue 4:00 PM), November 2026, unpaid after 10 days"
    )
    assert len(fees) == 3 and not [d for _, _, d in charges(db, gym.okafor.id) if "Late" in d]


def test_no_late_fee_while_the_familys_credit_covers_what_it_owes(
    db: Session, gym: TuitionGym
) -> None:
    post_tuition(db, gym.admin, NOVEMBER)
    f.portal_settings(db, late_fee_cents=1_500, late_fee_days=10)
    f.entry(db, gym.okafor, gym.north, LedgerKind.CREDIT, 9_000)  # unallocated credit
    db.commit()
    clock.advance(timedelta(days=10))
    assert run_late_fees_job(db, scheduler_actor())["late_fees"] == 3  # Rivera's only


def test_a_transfer_credits_the_old_place_and_the_new_one_is_charged_from_its_start(
    db: Session, gym: TuitionGym
) -> None:
    level = db.get(Level, gym.tumblers.level_id)
    thursday = f.gym_class(db, gym.north, level=level, weekday=3, name="Tumblers Thursday")
    db.commit()
    post_tuition(db, gym.admin, NOVEMBER)
    post_tuition(db, gym.admin, DECEMBER)
    outcome = transfer_enrollment(db, gym.desk, gym.ada_tue.id, thursday.id, date(2026, 11, 26))
    # November's Tuesdays were all kept; December's three are given back.
    credits = db.execute(
        select(LedgerEntry.amount_cents, LedgerEntry.service_date).where(
            LedgerEntry.kind == LedgerKind.CREDIT
        )
    ).all()
    assert [tuple(c) for c in credits] == [(8_500, DECEMBER)]
    assert post_tuition(db, gym.admin, NOVEMBER).total_cents == 2_125  # 1 of 4 Thursdays
    assert post_tuition(db, gym.admin, DECEMBER).total_cents == 8_500  # 3 of 3 Thursdays
    assert outcome.enrollment_id is not None
    assert charges_per_place(db, DECEMBER)[outcome.enrollment_id] == 1
