"""Shared set-up for the autopay tests: families with each kind of card, a gateway that counts
the PaymentIntents it creates (in any process), and a job run in a separate process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import Family, LedgerKind, Location, OutboxMessage, PaymentAttempt, PaymentMethod
from services.billing.autopay import run_autopay_job
from services.billing.payments import StripeConfig, StripeGateway
from services.kernel import clock
from services.kernel.access import Actor, scheduler_actor
from tests import factories as f
from tests.services.payment_helpers import save_card
from tests.support.localstripe import DECLINED_AT_CHARGE, LocalStripe


@dataclass
class AutopayGym:
    loc: Location
    good: Family  # a Visa that charges
    declined: Family  # a card that attaches, then declines at charge
    expired: Family  # a card whose expiry has passed
    no_card: Family  # owes, has no saved card
    no_flag: Family  # a primary card not authorized for recurring billing
    secondary: Family  # only a secondary guardian's recurring card
    actors: dict[str, Actor]


def autopay_gym(db: Session, stripe: LocalStripe, *, billing_day: int = 24) -> AutopayGym:
    """Six families at one location owing 85.00 each; "today" (24 Nov 2026) is the billing day."""
    gateway = stripe.gateway()
    loc = f.location(db, "Northside")
    made: dict[str, Any] = {}
    for name in ("good", "declined", "expired", "no_card", "no_flag", "secondary"):
        fam, _guardian, account = f.family(db, name.replace("_", "").title())
        f.entry(db, fam, loc, LedgerKind.CHARGE, 8_500, description="November tuition")
        db.commit()
        made[name] = (fam, f.guardian_actor(db, account))
    save_card(db, made["good"][1], gateway, stripe)
    save_card(db, made["declined"][1], gateway, stripe, DECLINED_AT_CHARGE)
    expired = save_card(db, made["expired"][1], gateway, stripe)
    db.get_one(PaymentMethod, expired.id).exp_year = 2025  # it expired since it was saved
    no_flag = save_card(db, made["no_flag"][1], gateway, stripe)
    db.get_one(PaymentMethod, no_flag.id).recurring_authorized = False
    second = f.second_guardian(db, made["secondary"][0], "second.parent@example.com")
    save_card(db, second, gateway, stripe)
    f.portal_settings(db, billing_day=billing_day)
    db.commit()
    return AutopayGym(loc, *(made[n][0] for n in made), actors={n: made[n][1] for n in made})


def attempts(db: Session, family: Family | None = None) -> list[PaymentAttempt]:
    query = select(PaymentAttempt).order_by(PaymentAttempt.id)
    if family is not None:
        query = query.where(PaymentAttempt.family_id == family.id)
    db.expire_all()
    return list(db.scalars(query))


def mails(db: Session, kind: str) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def count_rows(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


class CountingGateway(StripeGateway):
    """The real gateway, appending a line to `tally` for each PaymentIntent it creates: the
    file is shared by threads and processes alike (appends of one short line are atomic)."""

    def __init__(self, config: StripeConfig, tally: Path) -> None:
        super().__init__(config)
        self.tally = tally

    def create_payment_intent(self, **kwargs: Any) -> Any:
        with open(self.tally, "a") as out:
            out.write(f"{os.getpid()} {kwargs['metadata']['family']}\n")
        return super().create_payment_intent(**kwargs)


def tallied(tally: Path) -> list[str]:
    """The family ids a PaymentIntent was created for, one per intent."""
    if not tally.exists():
        return []
    return sorted(line.split()[1] for line in tally.read_text().splitlines())


def job_in_process(
    url: str, now: datetime, config: StripeConfig, tally: Path, barrier: Any, results: Any
) -> None:
    """One scheduler process (multiprocessing, spawn): nothing shared but the database and
    the gateway, so only SQL can keep the two from charging a family twice."""
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as db:
            barrier.wait(timeout=120)
            try:
                counts = run_autopay_job(db, scheduler_actor(), CountingGateway(config, tally))
                results.put(("ok", counts))
            except Exception as exc:  # reported to the test, which fails on it
                results.put(("error", repr(exc)))
    finally:
        engine.dispose()
