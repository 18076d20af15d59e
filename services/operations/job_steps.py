"""The entry points of the jobs whose work existed before the runner, each
`(db, actor) -> counts` (or `(db, actor, gateway)`), and what each needs to run here.

Safe to call any number of times: each one only settles what is due.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from data.models import JobRunStatus, ScheduledJobRun
from services.billing.payment_reconciliation import reconcile_pending
from services.billing.payments import Gateway, gateway_from_env
from services.classes.ended_enrollments import finish_ended_enrollments
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.transactions import write_transaction
from services.makeups.token_expiry import settle_due_tokens
from services.messages.mailer import SMTP_URL_ENV, send_queued, smtp_config_from_env

KEEP_RUNS = timedelta(days=30)


def send_outbox(db: Session, actor: Actor) -> dict[str, int]:
    """Admin (or the scheduler): one sending pass of the outbox (services.messages.mailer)."""
    require_admin(actor)
    config = smtp_config_from_env()
    if config is None:  # checked by `smtp_missing` before a run; the setting may change
        return {"sent": 0, "failed": 0, "given_up": 0}
    return asdict(send_queued(db, config))


def smtp_missing() -> str | None:
    """Why the outbox cannot be sent from here, or None."""
    try:
        config = smtp_config_from_env()
    except ValueError as misconfigured:
        return str(misconfigured)
    return None if config is not None else f"{SMTP_URL_ENV} is not set: e-mails stay queued."


def reconcile_payments(db: Session, actor: Actor, gateway: Gateway) -> dict[str, int]:
    """Settle stale pending payment attempts by asking Stripe (never by charging again)."""
    return asdict(reconcile_pending(db, actor, gateway))


def gateway_missing() -> str | None:
    if gateway_from_env().configured:
        return None
    return "Stripe is not configured here (CARTWHEEL_STRIPE_SECRET_KEY and …_PUBLISHABLE_KEY)."


def close_ended_enrollments(db: Session, actor: Actor) -> dict[str, int]:
    """Close every class place whose end date has passed (services.classes.ended_enrollments)."""
    require_admin(actor)
    return {"closed": finish_ended_enrollments(db, actor)}


def expire_makeup_tokens(db: Session, actor: Actor) -> dict[str, int]:
    """Expire tokens past their expiry date, mark spent those whose makeup took place."""
    return settle_due_tokens(db, actor)


def clear_old_runs(db: Session, actor: Actor) -> dict[str, int]:
    """Admin (or the scheduler): delete finished runs older than KEEP_RUNS (the outbox alone
    records 2,880 runs a day). Running runs stay, and so does each period's claim while it can
    still matter: a period older than 30 days is never due again."""
    require_admin(actor)
    with write_transaction(db):
        deleted = db.execute(
            delete(ScheduledJobRun)
            .where(
                ScheduledJobRun.status != JobRunStatus.RUNNING,
                ScheduledJobRun.started_at < clock.now() - KEEP_RUNS,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if deleted:
            audit.record(db, actor, "job_history.cleared", details={"deleted": deleted})
    return {"deleted": deleted}
