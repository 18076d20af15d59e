"""The Money page (issue 16): administrators see aged receivables, the families owing,
money by month, the last money runs and the failed automatic payments; the front desk,
instructors and parents do not have the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    Family,
    JobRunStatus,
    LedgerKind,
    Location,
    MoneySnapshot,
    PaymentAttempt,
    PaymentAttemptStatus,
    Role,
    ScheduledJobRun,
)
from services.billing.money_snapshot import compute_money_snapshot
from services.kernel import clock
from services.kernel.access import scheduler_actor
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts, unescape
from tests.support.jobs import run_row

PAGE = "../pages/admin_money.py"


def _gym(db: Session) -> None:
    north = f.location(db, "Northside")
    rivera, _, _ = f.family(db, "Rivera", email="rivera@example.com")
    okafor, _, _ = f.family(db, "Okafor")
    f.posted(db, rivera, north, LedgerKind.CHARGE, 12_000, datetime(2026, 11, 20, 15, tzinfo=UTC))
    f.posted(db, okafor, north, LedgerKind.CHARGE, 4_550, datetime(2026, 8, 1, 15, tzinfo=UTC))
    f.posted(db, okafor, north, LedgerKind.CREDIT, 550, datetime(2026, 11, 2, 15, tzinfo=UTC))
    f.staff(db, "desk@example.com", [north])
    f.staff(db, "coach@example.com", [north], role=Role.INSTRUCTOR)
    f.staff(db, "owner@example.com", [north], role=Role.ADMIN)
    db.commit()


def _money_page(db: Session):  # type: ignore[no-untyped-def]
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_an_administrator_sees_receivables_families_and_months(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    shown = texts(at)
    assert "Owed: $165.50" in shown and "Unapplied credit: $5.50" in shown
    assert "Net: $160.00" in shown
    assert "Current (0–30 days): $120.00" in shown and "Over 90 days: $45.50" in shown
    ages = at.dataframe[0].value
    assert list(ages.columns) == ["Location", "Age", "Amount"]
    assert ages[ages["Age"] == "Net"]["Amount"].tolist() == ["$160.00"]
    families = at.dataframe[1].value
    assert families["Family"].tolist() == ["Rivera family", "Okafor family"]
    assert families["Owed"].tolist() == ["$120.00", "$45.50"]
    assert "Charges: $165.50" in shown and "Credits: $5.50" in shown
    assert "Northside. Each entry counts in the month it was posted" in shown  # the only one
    figure = at.get("plotly_chart")[0].proto.spec
    assert '"Charges"' in figure and '"Payments"' in figure
    months = at.dataframe[2].value
    assert len(months) == 12 and months["Month"].tolist()[-1] == "Nov 2026"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download aged receivables (CSV)", "Download money by month (CSV)"]


def test_the_families_list_by_bucket_and_search(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.segmented_control(key="money.owing.bucket").set_value("over_90").run()
    assert not at.exception
    assert at.dataframe[1].value["Family"].tolist() == ["Okafor family"]
    at.text_input(key="money.owing.search").input("nobody").run()
    assert "No family matches that search." in texts(at)


def test_a_longer_period_shows_more_months(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.segmented_control(key="money.months").set_value(36).run()
    assert not at.exception
    assert len(at.dataframe[2].value) == 36


def test_an_empty_business_says_so(app_db: Session) -> None:
    f.staff(app_db, "owner@example.com", [], role=Role.ADMIN)
    app_db.commit()
    at = _money_page(app_db)
    assert "No locations yet." in texts(at)


@pytest.mark.parametrize("email", ["desk@example.com", "coach@example.com", "rivera@example.com"])
def test_others_do_not_have_the_page(app_db: Session, email: str) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, email, f.PASSWORD).run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


def test_search_text_is_matched_literally(app_db: Session) -> None:
    """% and _ are letters to search for, not wildcards; the page keeps what was typed."""
    _gym(app_db)
    at = _money_page(app_db)
    for typed in ("%", "_", "Rivera' OR 1=1 --"):
        at.text_input(key="money.owing.search").input(typed).run()
        assert not at.exception
        assert "No family matches that search." in texts(at)
        assert at.text_input(key="money.owing.search").value == typed
    at.text_input(key="money.owing.search").input("RIV").run()
    assert at.dataframe[1].value["Family"].tolist() == ["Rivera family"]


def test_a_page_past_the_end_shows_the_last_page(app_db: Session) -> None:
    _gym(app_db)
    at = _money_page(app_db)
    at.number_input(key="money.owing.page").set_value(50).run()
    assert not at.exception
    assert "Page 1 of 1 · 2 families" in texts(at)


def test_the_chosen_location_narrows_every_section(app_db: Session) -> None:
    _gym(app_db)
    south = f.location(app_db, "Southside", "America/Los_Angeles")
    lee, _, _ = f.family(app_db, "Lee")
    f.posted(app_db, lee, south, LedgerKind.CHARGE, 999, datetime(2026, 11, 2, 15, tzinfo=UTC))
    app_db.commit()
    compute_money_snapshot(app_db, scheduler_actor())
    at = _money_page(app_db)
    assert set(at.dataframe[0].value["Location"]) == {"Northside", "Southside", "Total"}
    at.selectbox(key="location_id").set_value(south.id).run()
    assert not at.exception
    assert set(at.dataframe[0].value["Location"]) == {"Southside"}
    assert at.dataframe[1].value["Family"].tolist() == ["Lee family"]
    shown = texts(at)
    assert "Owed: $9.99" in shown and "Charges: $9.99" in shown
    assert "Southside. Each entry counts" in shown


# The last money runs and the failed automatic payments (issue 16) ------------------------


def _money_runs(db: Session) -> None:
    """Tuition ran (succeeded, with counts), late fees failed; a non-money job ran too."""
    now = clock.now()
    for name, status, counts, error in (
        ("tuition", JobRunStatus.SUCCEEDED, {"families": 2, "lines": 3}, ""),
        ("late_fees", JobRunStatus.FAILED, {}, "OperationalError: the database is locked"),
        ("ended_enrollments", JobRunStatus.SUCCEEDED, {"closed": 4}, ""),
    ):
        db.add(
            ScheduledJobRun(
                job_name=name,
                period_key="2026-11-24",
                status=status,
                trigger="scheduler",
                runner="test",
                started_at=now,
                lease_until=now,
                finished_at=now,
                counts=counts,
                error=error,
            )
        )


def _failed_autopay(db: Session, family_name: str) -> None:
    [family] = db.scalars(select(Family).where(Family.name == family_name)).all()
    db.add(
        PaymentAttempt(
            family_id=family.id,
            location_id=db.scalars(select(Location.id)).first(),
            amount_cents=12_000,
            idempotency_key=f"autopay:{family.id}:2026-11:1",
            status=PaymentAttemptStatus.FAILED,
            error_code="card_declined",
            error_message="Your card was declined. Nothing was charged.",
            autopay_period="2026-11",
            autopay_try=1,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
    )


def _all_text(at) -> str:  # type: ignore[no-untyped-def]
    return texts(at) + "\n" + unescape("\n".join(str(m.value) for m in at.markdown))


def test_the_last_money_runs_show_status_counts_and_errors(app_db: Session) -> None:
    _gym(app_db)
    _money_runs(app_db)
    app_db.commit()
    shown = _all_text(_money_page(app_db))
    assert "Last money runs" in shown
    assert "**Post the month's tuition**" in shown
    assert "Last run: **Succeeded** · started Tue 24 Nov 2026, 9:00 AM" in shown
    assert "families: 2 · lines: 3" in shown
    assert "Last run: **Failed**" in shown
    assert "Error: OperationalError: the database is locked" in shown
    assert "**Charge recurring cards**" in shown and "Not run yet." in shown
    # Only the money jobs: the other jobs are on Scheduled jobs.
    assert "Close ended class places" not in shown and "closed: 4" not in shown


def test_failed_automatic_payments_are_listed_with_a_link_to_all(app_db: Session) -> None:
    _gym(app_db)
    _failed_autopay(app_db, "Rivera family")
    app_db.commit()
    at = _money_page(app_db)
    shown = _all_text(at)
    assert "**Rivera family** · $120.00 · card removed" in shown
    assert "Your card was declined. Nothing was charged. · owed now $120.00" in shown
    assert "1 failed payments in all" in shown
    links = [link.proto.label for link in at.get("page_link")]
    assert "All failed payments" in links and "Scheduled jobs" in links


def test_no_failed_payments_and_no_runs_say_so(app_db: Session) -> None:
    _gym(app_db)
    shown = _all_text(_money_page(app_db))
    assert "No failed payments." in shown
    assert shown.count("Not run yet.") == 5  # each money job


# All locations from the scheduled snapshot (issue 17) -------------------------------------


def _two_locations(db: Session) -> None:
    _gym(db)
    south = f.location(db, "Southside", "America/Los_Angeles")
    lee, _, _ = f.family(db, "Lee")
    f.posted(db, lee, south, LedgerKind.CHARGE, 999, datetime(2026, 11, 2, 15, tzinfo=UTC))
    db.commit()


def test_all_locations_show_the_snapshot_and_its_time(app_db: Session) -> None:
    _two_locations(app_db)
    compute_money_snapshot(app_db, scheduler_actor())
    # Posted after the snapshot: not in the all-locations figures, live for its location.
    [rivera] = app_db.scalars(select(Family).where(Family.name == "Rivera family")).all()
    north = app_db.scalars(select(Location).where(Location.name == "Northside")).one()
    f.posted(app_db, rivera, north, LedgerKind.CHARGE, 100, clock.now())
    app_db.commit()
    at = _money_page(app_db)
    shown = texts(at)
    assert (
        "All locations as of 9:00 AM (updated every 15 minutes). Pick a location for live "
        "figures." in shown
    )
    assert "Owed: $175.49" in shown and "Charges: $175.49" in shown
    assert "All locations. Each entry counts" in shown
    labels = [b.label for b in at.button]
    assert "Recompute now" in labels and "Compute now" not in labels
    at.segmented_control(key="money.months").set_value(24).run()
    assert not at.exception and len(at.dataframe[2].value) == 24
    at.selectbox(key="location_id").set_value(north.id).run()
    assert "Owed: $166.50" in texts(at)  # live: with the new charge


def test_recompute_now_takes_in_what_was_posted_since(app_db: Session) -> None:
    _two_locations(app_db)
    compute_money_snapshot(app_db, scheduler_actor())
    [lee] = app_db.scalars(select(Family).where(Family.name == "Lee family")).all()
    south = app_db.scalars(select(Location).where(Location.name == "Southside")).one()
    f.posted(app_db, lee, south, LedgerKind.CHARGE, 1_000, clock.now())
    app_db.commit()
    at = _money_page(app_db)
    assert "Owed: $175.49" in texts(at)
    at.button(key="money.snapshot.recompute").click().run()
    assert not at.exception
    assert "Owed: $185.49" in texts(at)


def test_no_snapshot_yet_then_compute_now(app_db: Session) -> None:
    _two_locations(app_db)
    at = _money_page(app_db)
    shown = texts(at)
    assert "have not been computed yet" in shown
    assert "Shown for all locations once computed (see Aged receivables)." in shown
    assert "Owed:" not in shown
    at.button(key="money.snapshot.compute").click().run()
    assert not at.exception
    shown = texts(at)
    assert "All locations as of 9:00 AM" in shown and "Owed: $175.49" in shown
    assert "Charges: $175.49" in shown
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(MoneySnapshot)) == 1
    run = app_db.scalars(
        select(ScheduledJobRun).where(ScheduledJobRun.job_name == "money_snapshot")
    ).one()
    assert run.trigger == "admin" and run.status is JobRunStatus.SUCCEEDED


def test_the_snapshot_job_is_on_scheduled_jobs(app_db: Session) -> None:
    _gym(app_db)
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_jobs.py").run()
    assert not at.exception
    shown = texts(at)
    assert "Compute money for all locations" in shown
    assert at.button(key="jobs.run.money_snapshot").disabled is False


def test_compute_now_while_the_job_runs_elsewhere_is_refused(app_db: Session) -> None:
    _two_locations(app_db)
    app_db.add(run_row("money_snapshot", "2026-11-24T15:00:00Z"))
    app_db.commit()
    at = _money_page(app_db)
    at.button(key="money.snapshot.compute").click().run()
    assert not at.exception
    shown = texts(at)
    assert "Compute money for all locations is running now since 09:00" in shown
    assert "have not been computed yet" in shown
    app_db.rollback()
    assert app_db.scalar(select(func.count()).select_from(MoneySnapshot)) == 0
