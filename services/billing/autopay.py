"""Autopay: on the billing day, and on each retry day, charge what each family owes to the
primary guardian's primary card authorized for recurring billing (docs/decisions-16-autopay.md).

Exactly one payment attempt per family and run, however often and in however many processes
the job runs: the attempt's idempotency key is `autopay:{family}:{period}:{try}` (unique in
SQL), written under the family's row lock, and committed before Stripe is called. Charging
goes through the same steps as a guardian's payment (`payment_attempts.charge_attempt`: the
claim, the intent id committed before confirming, one fulfilment, reconciliation of unknown
outcomes), so an attempt is never charged twice. Families without such a card are simply
billed; nothing is charged without the recurring flag.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from data.models import PaymentAttempt, PaymentAttemptStatus, PaymentMethod
from services.billing.autopay_notices import notify_failure, notify_unnotified_failures
from services.billing.autopay_schedule import (
    AutopayRun,
    autopay_card_query,
    autopay_run_on,
    business_today,
    expired_by,
)
from services.billing.ledger import families_owing, unchecked_family_balance
from services.billing.payment_attempts import (
    _in_flight,
    _oldest_open_charge_location,
    charge_attempt,
)
from services.billing.payments import Gateway
from services.billing.summary import allocate_oldest_first, lock_family
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import Busy, ValidationError
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction

BATCH = 500  # family ids read per query: memory stays bounded at any size
CATCH_UP_DAYS = 7  # an admin may run a missed day this long afterwards
EXPIRED_CARD = "expired_card"
STILL_OPEN = (PaymentAttemptStatus.PENDING, PaymentAttemptStatus.SUCCEEDED)


@dataclass(frozen=True)
class _Card:
    method_id: int
    guardian_user_id: int | None
    customer_id: str | None
    exp_month: int | None
    exp_year: int | None
    label: str


def run_autopay_job(db: Session, actor: Actor, gateway: Gateway) -> dict[str, int]:
    """The scheduled job: today's run, if today (in the business's time zone) is a billing
    or retry day; and, every time, the e-mails of failures recorded since the last call."""
    require_admin(actor)
    settings = get_settings(db)
    return _run_day(db, actor, gateway, settings, business_today(settings))


def run_autopay(db: Session, actor: Actor, gateway: Gateway, run_date: date) -> dict[str, int]:
    """An administrator runs the day `run_date` (today, or a missed day of the last week)."""
    require_admin(actor)
    if not isinstance(run_date, date) or hasattr(run_date, "hour"):
        raise ValidationError("Choose the day to run autopay for.")
    settings = get_settings(db)
    today = business_today(settings)
    if not today - timedelta(days=CATCH_UP_DAYS) <= run_date <= today:
        raise ValidationError(
            f"Autopay can run for today or one of the last {CATCH_UP_DAYS} days only."
        )
    return _run_day(db, actor, gateway, settings, run_date)


def _run_day(
    db: Session, actor: Actor, gateway: Gateway, settings: PortalSettings, day: date
) -> dict[str, int]:
    counts: Counter[str] = Counter()
    run = autopay_run_on(settings, day)
    if run is not None and settings.autopay_enabled and gateway.configured:
        counts["try"] = run.try_number
        after = 0
        while batch := families_owing(db, _candidates(run), after_family_id=after, limit=BATCH):
            for family_id in batch:
                counts[_autopay_family(db, actor, gateway, settings, run, family_id)] += 1
            after = batch[-1]
    counts["notified"] = notify_unnotified_failures(db)
    return dict(counts)


def _candidates(run: AutopayRun) -> Select:
    """Families this run may charge: on the billing day those with an autopay card; on a
    retry day those whose earlier tries this period all failed."""
    if run.try_number == 1:
        return autopay_card_query().with_only_columns(PaymentMethod.family_id)
    open_tries = func.sum(_is_open())
    return (
        select(PaymentAttempt.family_id)
        .where(PaymentAttempt.autopay_period == run.period)
        .group_by(PaymentAttempt.family_id)
        .having(open_tries == 0)
    )


def _is_open() -> ColumnElement[int]:
    return case((PaymentAttempt.status.in_(STILL_OPEN), 1), else_=0)


def _autopay_family(
    db: Session,
    actor: Actor,
    gateway: Gateway,
    settings: PortalSettings,
    run: AutopayRun,
    family_id: int,
) -> str:
    """One family's attempt for this run: made once, charged once. Returns what happened."""
    key = run.idempotency_key(family_id)
    try:
        made = _make_attempt(db, actor, settings, run, family_id, key)
    except Busy:  # the database did not give the lock in time: a later run of the day will
        return "busy"
    except ValidationError:  # another process made this run's attempt at the same moment
        made = "already"
    if made not in ("made", "already"):
        return made
    attempt = db.scalar(select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key))
    if attempt is None:  # the clash was not this run's attempt: leave the family for now
        return "busy"
    never_sent = attempt.status is PaymentAttemptStatus.PENDING and not attempt.gateway_intent_id
    if made == "already" and not never_sent:
        return "already"
    if never_sent:  # made now, or by a run that stopped before charging: the claim decides
        card = _card_of(db, family_id)
        charge_attempt(
            db,
            gateway,
            attempt.id,
            customer_id=card.customer_id if card else None,
            off_session=True,
        )
        db.refresh(attempt)
    if attempt.status is PaymentAttemptStatus.SUCCEEDED:
        return "succeeded"
    if attempt.status is PaymentAttemptStatus.PENDING:
        return "pending"  # outcome unknown: reconciliation settles it, never a second charge
    notify_failure(db, attempt.id)
    return "failed"


def _make_attempt(
    db: Session,
    actor: Actor,
    settings: PortalSettings,
    run: AutopayRun,
    family_id: int,
    key: str,
) -> str:
    """Write this run's attempt under the family's lock; "made", or why there is none."""
    with write_transaction(db):
        lock_family(db, family_id)
        if db.scalar(select(PaymentAttempt.id).where(PaymentAttempt.idempotency_key == key)):
            return "already"
        if run.try_number > 1 and _period_settled(db, family_id, run.period):
            return "settled"
        if _in_flight(db, family_id):
            return "in_flight"  # a payment of the family is being processed: not another
        card = _card_of(db, family_id)
        if card is None:
            return "no_card"
        applied = allocate_oldest_first(db, family_id)
        if applied:
            audit.record(
                db,
                actor,
                "billing.credit_applied",
                entity="family",
                entity_id=family_id,
                family_id=family_id,
                details={"applied_cents": applied, "by": "autopay"},
            )
        owed = unchecked_family_balance(db, family_id).outstanding_cents
        if owed <= 0:
            return "nothing_owed"
        expired = expired_by(card.exp_month, card.exp_year, run.run_date)
        now = clock.now()
        attempt = PaymentAttempt(
            family_id=family_id,
            user_id=card.guardian_user_id,
            payment_method_id=card.method_id,
            location_id=_oldest_open_charge_location(db, family_id),
            amount_cents=min(owed, settings.max_payment_cents),
            currency=settings.currency,
            idempotency_key=key,
            status=PaymentAttemptStatus.FAILED if expired else PaymentAttemptStatus.PENDING,
            error_code=EXPIRED_CARD if expired else "",
            error_message=(
                f"The card on file ({card.label}, expiry {card.exp_month:02d}/{card.exp_year}) "
                "has expired. Nothing was charged."
                if expired
                else ""
            ),
            autopay_period=run.period,
            autopay_try=run.try_number,
            created_at=now,
            updated_at=now,
        )
        db.add(attempt)
        db.flush()
        audit.record(
            db,
            actor,
            "payment.autopay_started" if not expired else "payment.autopay_card_expired",
            entity="payment_attempt",
            entity_id=attempt.id,
            family_id=family_id,
            details={
                "amount_cents": attempt.amount_cents,
                "method": card.label,
                "period": run.period,
                "try": run.try_number,
            },
        )
    return "made"


def _period_settled(db: Session, family_id: int, period: str) -> bool:
    """A retry is only for a family whose tries this period all failed."""
    return bool(
        db.scalar(
            select(func.count())
            .select_from(PaymentAttempt)
            .where(
                PaymentAttempt.family_id == family_id,
                PaymentAttempt.autopay_period == period,
                PaymentAttempt.status.in_(STILL_OPEN),
            )
        )
    )


def _card_of(db: Session, family_id: int) -> _Card | None:
    row = db.execute(autopay_card_query().where(PaymentMethod.family_id == family_id)).first()
    if row is None:
        return None
    method, user_id, customer_id = row
    return _Card(
        method_id=method.id,
        guardian_user_id=user_id,
        customer_id=customer_id,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        label=f"{method.brand.title()} •••• {method.last4}",
    )
