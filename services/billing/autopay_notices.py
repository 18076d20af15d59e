"""Autopay's e-mails to the primary guardian: a failed automatic payment (once per attempt,
whoever records the failure: the run, the webhook or the reconciler), and, seven days before
a billing day, a card that will have expired by then (once per card and billing day).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.config import public_base_url
from data.models import (
    CardExpiryNotice,
    Guardian,
    PaymentAttempt,
    PaymentAttemptStatus,
    PaymentMethod,
)
from services.accounts.one_time_tokens import public_address
from services.billing.autopay_schedule import (
    NOTICE_DAYS_BEFORE,
    autopay_card_query,
    business_today,
    expired_by,
    next_billing_date,
)
from services.kernel import audit, clock, outbox
from services.kernel.access import Actor, require_admin
from services.kernel.errors import ValidationError
from services.kernel.money import format_cents
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.messages.guardian_addresses import guardian_address, primary_recipient

FAILED = (PaymentAttemptStatus.FAILED, PaymentAttemptStatus.REQUIRES_ACTION)
FAILURE_KIND = "autopay_failed"
EXPIRING_KIND = "autopay_card_expiring"


def notify_failure(db: Session, attempt_id: int) -> bool:
    """E-mail the primary guardian that an automatic attempt failed, at most once (a
    conditional UPDATE claims the notice). Internal: the caller is the autopay run."""
    with write_transaction(db):
        claimed = db.execute(
            update(PaymentAttempt)
            .where(
                PaymentAttempt.id == attempt_id,
                PaymentAttempt.autopay_try.is_not(None),
                PaymentAttempt.status.in_(FAILED),
                PaymentAttempt.failure_notified_at.is_(None),
            )
            .values(failure_notified_at=clock.now())
        ).rowcount
        if claimed != 1:
            return False
        attempt = db.get_one(PaymentAttempt, attempt_id)
        recipient = primary_recipient(db, attempt.family_id)
        if recipient is None:
            return True  # nobody to write to; staff still see it on Failed payments
        address = recipient[0]
        method = db.get(PaymentMethod, attempt.payment_method_id or 0)
        card = f"{method.brand.title()} •••• {method.last4}" if method else "your card"
        amount = format_cents(attempt.amount_cents, attempt.currency)
        outbox.enqueue_email(
            db,
            to_address=address,
            subject=f"Your automatic payment of {amount} did not go through",
            body_text="\n".join(
                [
                    f"We tried to charge {amount} to {card} for your balance, and it did not "
                    "go through.",
                    "",
                    f"Why: {attempt.error_message or 'The card was declined.'}",
                    "",
                    "Nothing was charged. Please pay your balance or update your card on the "
                    "Billing page:",
                    _billing_link(),
                    "",
                    "If you have already paid, you can ignore this message.",
                ]
            ),
            kind=FAILURE_KIND,
            family_id=attempt.family_id,
        )
    return True


def notify_unnotified_failures(db: Session) -> int:
    """Failures recorded after the run (by the webhook or the reconciler) get their e-mail on
    the job's next call; returns how many were sent."""
    waiting = db.scalars(
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.status.in_(FAILED),
            PaymentAttempt.autopay_try.is_not(None),
            PaymentAttempt.failure_notified_at.is_(None),
        )
        .order_by(PaymentAttempt.id)
    ).all()
    return sum(notify_failure(db, attempt_id) for attempt_id in waiting)


def run_expiring_card_notices_job(db: Session, actor: Actor) -> dict[str, int]:
    """Seven days before a billing day, e-mail each primary guardian whose autopay card will
    have expired by then; once per card and billing day, however often this runs."""
    require_admin(actor)
    settings = get_settings(db)
    run_on = business_today(settings) + timedelta(days=NOTICE_DAYS_BEFORE)
    if next_billing_date(settings, run_on) != run_on or not settings.autopay_enabled:
        return {"notified": 0}
    cards = db.execute(
        autopay_card_query()
        .where(PaymentMethod.exp_year.is_not(None), PaymentMethod.exp_year <= run_on.year)
        .order_by(PaymentMethod.id)
    ).all()
    notified = 0
    for method, _user_id, _customer in cards:
        if expired_by(method.exp_month, method.exp_year, run_on):
            notified += _notice_once(db, actor, method, run_on)
    return {"notified": notified}


def _notice_once(db: Session, actor: Actor, method: PaymentMethod, run_on: date) -> int:
    try:
        with write_transaction(db):
            db.add(
                CardExpiryNotice(payment_method_id=method.id, run_on=run_on, created_at=clock.now())
            )
            db.flush()  # the unique key: a second call, or another process, stops here
            guardian = db.get_one(Guardian, method.guardian_id)
            address = guardian_address(db, guardian)
            if address:
                card = f"{method.brand.title()} •••• {method.last4}"
                outbox.enqueue_email(
                    db,
                    to_address=address,
                    subject="Your card for automatic payments is expiring",
                    body_text="\n".join(
                        [
                            f"The card we charge automatically, {card}, expires at the end of "
                            f"{method.exp_month:02d}/{method.exp_year}, before the next billing "
                            f"day ({run_on.day} {run_on:%B %Y}).",
                            "",
                            "Please add a new card on the Billing page and mark it for "
                            "automatic payments, so your balance is paid on time:",
                            _billing_link(),
                        ]
                    ),
                    kind=EXPIRING_KIND,
                    family_id=method.family_id,
                )
            audit.record(
                db,
                actor,
                "payment.autopay_card_expiring",
                entity="payment_method",
                entity_id=method.id,
                family_id=method.family_id,
                details={"billing_day": run_on.isoformat(), "sent": bool(address)},
            )
    except (ValidationError, IntegrityError):  # already told (the unique key fired)
        return 0
    return 1


def _billing_link() -> str:
    """The Billing page on the portal's public address (no token: the guardian signs in)."""
    try:
        return f"{public_address(public_base_url())}/billing"
    except ValidationError:  # a misconfigured address: say where to go instead
        return "(sign in to the family portal and open Billing)"
