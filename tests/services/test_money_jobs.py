"""The money jobs are registered with the scheduler (issue 16): on a billing day the due jobs
post the month's tuition once, whatever number of times the scheduler ticks; late fees and
expiring-card notices run with it; autopay waits for a configured payment gateway."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services.kernel.access import scheduler_actor
from services.operations.job_registry import JOBS, find_job
from services.operations.job_runner import run_due_jobs
from tests.services.tuition_helpers import build_tuition_gym, charges_per_place

NOVEMBER = date(2026, 11, 1)


def test_the_schedule_posts_the_months_tuition_once(db: Session) -> None:
    gym = build_tuition_gym(db)
    first = {o.job_name: o for o in run_due_jobs(db, scheduler_actor())}
    assert first["tuition"].status == "succeeded", first["tuition"].error
    assert first["tuition"].counts["lines"] == 4  # Maya twice, Leo and Ada
    assert first["late_fees"].status == "succeeded"
    assert first["card_expiry_notices"].status == "succeeded"
    assert "autopay" not in first  # no Stripe keys in this process: it is left out
    posted = charges_per_place(db, NOVEMBER)
    assert posted == {e.id: 1 for e in (gym.maya_tue, gym.maya_thu, gym.leo_tue, gym.ada_tue)}

    again = {o.job_name for o in run_due_jobs(db, scheduler_actor())}
    assert "tuition" not in again  # today's period is settled
    assert charges_per_place(db, NOVEMBER) == posted


def test_autopay_is_registered_to_run_after_tuition_and_needs_the_gateway() -> None:
    tuition, autopay = find_job("tuition", JOBS), find_job("autopay", JOBS)
    assert autopay.needs_gateway and not tuition.needs_gateway
    late_fees = find_job("late_fees", JOBS)
    assert tuition.cadence.at < late_fees.cadence.at < autopay.cadence.at
