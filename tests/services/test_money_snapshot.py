"""The all-locations money snapshot (issue 17): the scheduled job's figures equal the live
reports' at the moment it read the ledger, a second run replaces the first, only
administrators compute or read it, and the job is registered to run every 15 minutes.
Ledgers and fixtures are those of tests/services/test_money_view.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    LedgerKind,
    MoneySnapshot,
    MoneySnapshotMonth,
    MoneySnapshotReceivables,
    Role,
)
from services.billing import money_snapshot
from services.billing.ledger import family_balance
from services.billing.money_by_month import PERIODS, money_by_month
from services.billing.money_snapshot import (
    compute_money_snapshot,
    latest_money_snapshot,
    snapshot_months,
)
from services.billing.receivables import aged_receivables
from services.kernel import clock
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied, ValidationError
from services.operations.cadence import Every
from services.operations.job_history import job_overview
from services.operations.job_registry import JOBS, find_job
from services.operations.job_runner import run_due_jobs, run_job_now
from tests import factories as f
from tests.services.test_money_view import Books, _hand_ledger, at, books

__all__ = ["books"]  # the fixture, shared with the live reports' tests


def _assert_matches_live(db: Session, b: Books) -> None:
    view = latest_money_snapshot(db, b.admin)
    assert view is not None
    assert view.receivables == aged_receivables(db, b.admin)
    for months in PERIODS:
        assert snapshot_months(view, months) == money_by_month(db, b.admin, months)


def test_the_snapshot_equals_the_live_reports(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    assert compute_money_snapshot(db, books.admin) == {"locations": 2}
    _assert_matches_live(db, books)
    view = latest_money_snapshot(db, books.admin)
    assert view is not None and view.taken_at == clock.now()
    assert view.receivables.total.bucket_cents == (12_500, 5_000, 2_000, 500)
    assert view.months.scope == "All locations"


def test_the_snapshots_net_is_the_sum_of_the_families_balances(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    compute_money_snapshot(db, books.admin)
    view = latest_money_snapshot(db, books.admin)
    assert view is not None
    balances = [family_balance(db, books.admin, fam.id) for fam in (books.rivera, books.okafor)]
    assert view.receivables.total.net_cents == sum(b.balance_cents for b in balances) == 18_500


def test_a_second_run_replaces_the_first(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    compute_money_snapshot(db, books.admin)
    first = latest_money_snapshot(db, books.admin)
    f.posted(db, books.okafor, books.south, LedgerKind.CHARGE, 700, clock.now())
    db.commit()
    with clock.frozen_at(clock.now() + timedelta(minutes=15)):
        compute_money_snapshot(db, scheduler_actor())
        _assert_matches_live(db, books)
        second = latest_money_snapshot(db, books.admin)
    assert first is not None and second is not None
    assert second.taken_at - first.taken_at == timedelta(minutes=15)
    assert second.receivables.total.open_cents == first.receivables.total.open_cents + 700
    assert db.scalar(select(func.count()).select_from(MoneySnapshot)) == 1
    # The first snapshot's rows went with it.
    assert db.scalar(select(func.count()).select_from(MoneySnapshotReceivables)) == 2
    months = db.scalars(select(MoneySnapshotMonth.snapshot_id).distinct()).all()
    assert months == [db.scalar(select(MoneySnapshot.id))]


def test_figures_are_exact_for_the_moment_the_job_read_the_ledger(
    db: Session, books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry posted by someone else while the job is between two locations is in neither
    location's figures: every location is read from the same moment."""
    _hand_ledger(db, books)
    before = aged_receivables(db, books.admin)
    live = money_snapshot.money_by_month
    posted: list[int] = []

    def post_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not posted:
            with Session(db.get_bind()) as other:
                family = other.merge(books.rivera)
                place = other.merge(books.south)
                posted.append(
                    f.posted(
                        other, family, place, LedgerKind.CHARGE, 900, at(date(2026, 11, 23))
                    ).id
                )
                other.commit()
        return live(*args, **kwargs)

    monkeypatch.setattr(money_snapshot, "money_by_month", post_meanwhile)
    compute_money_snapshot(db, books.admin)
    view = latest_money_snapshot(db, books.admin)
    assert posted and view is not None
    assert view.receivables == before
    assert aged_receivables(db, books.admin).total.open_cents == before.total.open_cents + 900


def test_a_midnight_during_the_read_reads_again(
    db: Session, books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock passes midnight in Chicago between the two locations: the figures would age
    Northside from one day and Southside from the next, so the job reads them all again."""
    _hand_ledger(db, books)
    live = money_snapshot.money_by_month
    calls: list[int] = []

    def midnight_meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            clock.advance(timedelta(hours=15))  # 09:00 → 00:00 the next day in Chicago
        return live(*args, **kwargs)

    monkeypatch.setattr(money_snapshot, "money_by_month", midnight_meanwhile)
    compute_money_snapshot(db, books.admin)
    assert len(calls) == 4  # two locations, read twice
    view = latest_money_snapshot(db, books.admin)
    assert view is not None and view.receivables.as_of == date(2026, 11, 25)
    assert view.taken_at == clock.now()
    _assert_matches_live(db, books)


def test_no_snapshot_before_the_first_run(db: Session, books: Books) -> None:
    assert latest_money_snapshot(db, books.admin) is None


def test_an_empty_business_has_an_empty_snapshot(db: Session) -> None:
    assert compute_money_snapshot(db, scheduler_actor()) == {"locations": 0}
    view = latest_money_snapshot(db, scheduler_actor())
    assert view is not None and view.receivables.locations == ()
    assert view.receivables.total.net_cents == 0 and len(view.months.months) == 36


def test_a_location_added_since_shows_nothing_owed(db: Session, books: Books) -> None:
    _hand_ledger(db, books)
    compute_money_snapshot(db, books.admin)
    f.location(db, "Eastside")
    db.commit()
    view = latest_money_snapshot(db, books.admin)
    assert view is not None
    east = [r for r in view.receivables.locations if r.location_name == "Eastside"]
    assert east and east[0].open_cents == 0 and east[0].unapplied_credit_cents == 0


@pytest.mark.parametrize("role", [Role.STAFF, Role.INSTRUCTOR])
def test_only_administrators_compute_or_read_it(db: Session, books: Books, role: Role) -> None:
    _hand_ledger(db, books)
    compute_money_snapshot(db, books.admin)
    desk = f.staff(db, f"{role.value}@example.com", [books.north, books.south], role=role)
    for who in (desk, books.rivera_guardian):
        with pytest.raises(AccessDenied):
            compute_money_snapshot(db, who)
        with pytest.raises(AccessDenied):
            latest_money_snapshot(db, who)
        with pytest.raises(AccessDenied):
            run_job_now(db, who, "money_snapshot")
    assert db.scalar(select(func.count()).select_from(MoneySnapshot)) == 1


@pytest.mark.parametrize("months", [0, 6, 13, "12", True, None, 12.0])
def test_the_snapshots_period_is_12_24_or_36_months(
    db: Session, books: Books, months: object
) -> None:
    compute_money_snapshot(db, books.admin)
    view = latest_money_snapshot(db, books.admin)
    assert view is not None
    with pytest.raises(ValidationError):
        snapshot_months(view, months)  # type: ignore[arg-type]


def test_the_job_runs_every_15_minutes_and_shows_on_scheduled_jobs(
    db: Session, books: Books
) -> None:
    _hand_ledger(db, books)
    job = find_job("money_snapshot", JOBS)
    assert job.cadence == Every(15 * 60) and not job.needs_gateway
    outcomes = {o.job_name: o for o in run_due_jobs(db, scheduler_actor())}
    assert outcomes["money_snapshot"].status == "succeeded", outcomes["money_snapshot"].error
    assert outcomes["money_snapshot"].counts == {"locations": 2}
    _assert_matches_live(db, books)
    assert "money_snapshot" not in {o.job_name for o in run_due_jobs(db, scheduler_actor())}
    overview = job_overview(db, books.admin)
    [shown] = [j for j in overview.jobs if j.name == "money_snapshot"]
    assert shown.cadence == "Every 15 minutes" and shown.last_run is not None
