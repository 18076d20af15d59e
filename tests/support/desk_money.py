"""Desk-money test helpers: a card payment made without a network, a gateway that refunds in
memory (or fails as told), and one refund racer for a separate process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy.orm import Session

from data.db import make_engine
from data.models import (
    Family,
    LedgerEntry,
    LedgerKind,
    Location,
    PaymentAttempt,
    PaymentAttemptStatus,
)
from services.billing import refunds
from services.billing.gateway_objects import RefundInfo
from services.billing.payments import Gateway, GatewayError
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import DomainError


@dataclass
class FakeRefunds(Gateway):
    """Configured; refunds succeed in memory unless `error` is set (then it is raised)."""

    configured = True
    error: GatewayError | None = None
    status: str = "succeeded"  # what Stripe answers: succeeded, pending, failed
    made: list[RefundInfo] = field(default_factory=list)

    def create_refund(  # type: ignore[override]
        self,
        *,
        payment_intent_id: str,
        amount_cents: int,
        metadata: dict[str, str],
        idempotency_key: str,
    ) -> RefundInfo:
        if self.error is not None:
            raise self.error
        refund = RefundInfo(
            id=f"re_{uuid4().hex[:20]}",
            amount_cents=amount_cents,
            status=self.status,
            payment_intent_id=payment_intent_id,
            charge_id=None,
            metadata=metadata,
        )
        self.made.append(refund)
        return refund


def card_payment(db: Session, fam: Family, loc: Location, cents: int) -> LedgerEntry:
    """A card payment as fulfilment records it: a succeeded attempt and its payment entry."""
    now = clock.now()
    attempt = PaymentAttempt(
        family_id=fam.id,
        location_id=loc.id,
        amount_cents=cents,
        idempotency_key=uuid4().hex,
        status=PaymentAttemptStatus.SUCCEEDED,
        gateway_intent_id=f"pi_{uuid4().hex[:20]}",
        created_at=now,
        updated_at=now,
    )
    db.add(attempt)
    db.flush()
    entry = LedgerEntry(
        family_id=fam.id,
        location_id=loc.id,
        kind=LedgerKind.PAYMENT,
        is_debit=False,
        amount_cents=cents,
        description="Online payment, Visa •••• 4242",
        posted_at=now,
        external_ref=attempt.gateway_intent_id,
        payment_attempt_id=attempt.id,
    )
    db.add(entry)
    db.flush()
    return entry


def slowed(read: Callable[..., int], seconds: float = 0.4) -> Callable[..., int]:
    """`read` that waits after reading: a clerk between the check and the write, so a race
    that a missing lock would lose is lost every time, not by luck."""

    def slow(*args: Any) -> int:
        value = read(*args)
        time.sleep(seconds)
        return value

    return slow


def refund_in_process(
    url: str,
    now: datetime,
    barrier: Any,
    results: Any,
    index: int,
    actor: Actor,
    entry_id: int,
    cents: int,
) -> None:
    """One refund racer in its own process (spawn), slowed after reading what was refunded:
    only the database keeps two racers from refunding more than the payment."""
    refunds.refunded_cents = slowed(refunds.refunded_cents)  # this process only
    engine = make_engine(url)
    try:
        with clock.frozen_at(now), Session(engine, expire_on_commit=False) as db:
            barrier.wait(timeout=120)
            try:
                outcome = refunds.refund_card_payment(
                    db, actor, FakeRefunds(), entry_id, cents, "Race", uuid4().hex
                )
                results.put((index, outcome.status))
            except DomainError as exc:
                results.put((index, f"refused: {exc.message}"))
            except Exception as exc:  # reported to the test, which fails on it
                results.put((index, f"error: {exc!r}"))
    finally:
        engine.dispose()
