"""The scheduled jobs: what each runs, how often, and what it needs.

To add a job, add one line to `JOBS`:

    Job("tuition", "Post tuition", daily(6), post_tuition),
    Job("autopay", "Autopay", daily(7), run_autopay, needs_gateway=True),

The entry point takes `(db, actor)` (and the payment gateway, third, when `needs_gateway`),
returns counts `{"posted": 12, …}`, checks access itself (the runner passes the scheduler, or
the admin who pressed Run now) and is safe to call any number of times: a run that crashed is
run again once its lease has run out. Names are stored with each run: never rename a job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from services.billing.autopay import run_autopay_job
from services.billing.autopay_notices import run_expiring_card_notices_job
from services.billing.money_snapshot import compute_money_snapshot
from services.billing.refund_checks import run_refund_checks_job
from services.billing.tuition_jobs import run_late_fees_job, run_tuition_job
from services.kernel.errors import NotFound
from services.kernel.validation import require_text
from services.operations.cadence import Cadence, daily, every
from services.operations.job_steps import (
    clear_old_runs,
    close_ended_enrollments,
    expire_makeup_tokens,
    gateway_missing,
    reconcile_payments,
    send_outbox,
    smtp_missing,
)

DEFAULT_LEASE = timedelta(minutes=15)


def always_ready() -> str | None:
    return None


@dataclass(frozen=True)
class Job:
    name: str  # stored with each run; at most 60 characters
    title: str  # what the admin reads
    cadence: Cadence
    run: Callable[..., dict[str, int]]
    needs_gateway: bool = False  # called with gateway_from_env(); skipped when not configured
    ready: Callable[[], str | None] = always_ready  # why it cannot run in this process, or None
    # How long a run may go without a heartbeat before another process takes it over.
    lease: timedelta = DEFAULT_LEASE

    def not_ready(self) -> str | None:
        return (gateway_missing() if self.needs_gateway else None) or self.ready()


JOBS: tuple[Job, ...] = (
    Job("outbox", "Send queued e-mail", every(seconds=30), send_outbox, ready=smtp_missing),
    Job(
        "reconcile_payments",
        "Settle unfinished card payments",
        every(minutes=5),
        reconcile_payments,
        needs_gateway=True,
    ),
    Job("ended_enrollments", "Close ended class places", daily(0, 15), close_ended_enrollments),
    Job("makeup_tokens", "Expire makeup tokens", daily(0, 20), expire_makeup_tokens),
    Job("job_history", "Clear old job history", daily(3, 30), clear_old_runs),
    # Money, in the order a billing day needs it: the month's tuition, then late fees, then
    # autopay charges what is owed; card notices go out a week before a billing day.
    Job("tuition", "Post the month's tuition", daily(5, 0), run_tuition_job),
    Job("late_fees", "Charge late fees", daily(5, 30), run_late_fees_job),
    Job("autopay", "Charge recurring cards", daily(7, 0), run_autopay_job, needs_gateway=True),
    Job(
        "card_expiry_notices",
        "E-mail guardians whose recurring card expires",
        daily(8, 0),
        run_expiring_card_notices_job,
    ),
    Job(
        "refund_checks",
        "Settle card refunds waiting for Stripe",
        every(minutes=15),
        run_refund_checks_job,
        needs_gateway=True,
    ),
    # The owner's all-locations money figures (the Money page reads them; one location is live).
    Job(
        "money_snapshot",
        "Compute money for all locations",
        every(minutes=15),
        compute_money_snapshot,
    ),
)


def find_job(job_name: object, jobs: Sequence[Job]) -> Job:
    name = require_text(job_name, "job name", max_length=60)
    for job in jobs:
        if job.name == name:
            return job
    raise NotFound("job")
