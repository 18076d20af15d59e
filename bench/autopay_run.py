"""The autopay run on a copy of a benchmark database (it writes attempts, payments and
e-mails, which must not reach the pages measured after it), with a gateway that answers at
once: the issue asks for the run's own time, gateway time excluded.

Every primary guardian gets a primary card authorized for recurring billing (the demo has
none), and the billing day is set to the benchmark's today, so every family that owes is
charged once.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, func, insert, literal, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.databases import BENCH_NOW, BENCH_TODAY
from data.db import engine_for, make_engine
from data.models import Guardian, PaymentMethod, PaymentMethodType, PortalSetting
from services.billing.autopay import run_autopay_job
from services.billing.gateway_objects import IntentState
from services.billing.payments import Gateway
from services.kernel import clock
from services.kernel.access import scheduler_actor


class InstantGateway(Gateway):
    """Stripe's part of a payment, answered at once: every confirmed intent succeeds."""

    configured = True

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._amounts: dict[str, tuple[int, str]] = {}

    def create_payment_intent(self, *, amount_cents: int, currency: str, **_: Any) -> IntentState:
        intent = f"pi_bench_{next(self._ids)}"
        self._amounts[intent] = (amount_cents, currency)
        return IntentState(intent, "requires_confirmation", amount_cents, currency)

    def confirm_payment_intent(self, intent_id: str, **_: Any) -> IntentState:
        amount, currency = self._amounts[intent_id]
        return IntentState(intent_id, "succeeded", amount, currency)


def run_autopay_bench(url: str, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """One billing-day run on a copy of the database at `url`: seconds, families charged."""
    with _copy_of(url) as copy:
        engine = make_engine(copy)
        try:
            with Session(engine, expire_on_commit=False) as db:
                cards = _give_every_primary_guardian_a_card(db)
                with clock.frozen_at(BENCH_NOW):
                    started = time.perf_counter()
                    counts = run_autopay_job(db, scheduler_actor(), InstantGateway())
                    seconds = time.perf_counter() - started
        finally:
            engine.dispose()
    charged = counts.get("succeeded", 0)
    log(f"    autopay run: {charged} families charged in {seconds:.1f} s ({cards} cards)")
    whole_run_ms = round(1000 * seconds, 1)
    return {  # one run: its time is the "median" and "p95" the report's services table shows
        "median_ms": whole_run_ms,
        "p95_ms": whole_run_ms,
        "n": 1,
        "families_charged": charged,
        "ms_per_family": round(1000 * seconds / charged, 2) if charged else None,
        "cards": cards,
        "counts": counts,
    }


def _give_every_primary_guardian_a_card(db: Session) -> int:
    primaries = select(Guardian.id).where(Guardian.is_primary.is_(True))
    db.execute(
        update(Guardian)
        .where(Guardian.is_primary.is_(True), Guardian.gateway_customer_id.is_(None))
        .values(gateway_customer_id=_text_id("cus_bench_"))
    )
    db.execute(
        insert(PaymentMethod).from_select(
            [
                "family_id",
                "guardian_id",
                "gateway",
                "gateway_method_id",
                "type",
                "brand",
                "last4",
                "exp_month",
                "exp_year",
                "is_primary",
                "recurring_authorized",
                "created_at",
            ],
            select(
                Guardian.family_id,
                Guardian.id,
                literal("stripe"),
                _text_id("pm_bench_"),
                literal(PaymentMethodType.CARD.value),
                literal("visa"),
                literal("4242"),
                literal(12),
                literal(2030),
                literal(True),
                literal(True),
                literal(BENCH_NOW),
            ).where(
                Guardian.id.in_(primaries),
                ~Guardian.id.in_(
                    select(PaymentMethod.guardian_id).where(PaymentMethod.is_primary.is_(True))
                ),
            ),
        )
    )
    db.merge(PortalSetting(key="billing_day", value=BENCH_TODAY.day, updated_at=BENCH_NOW))
    db.commit()
    return int(db.scalar(select(func.count()).select_from(PaymentMethod)) or 0)


def _text_id(prefix: str) -> Any:
    return literal(prefix, String) + cast(Guardian.id, String)


class _copy_of:
    """A throwaway copy of the database: a file copy on SQLite, a template copy on PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cleanup: Callable[[], None] = lambda: None

    def __enter__(self) -> str:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="cartwheel-autopay-bench-"))
            target = folder / "copy.db"
            source, copy = sqlite3.connect(str(parsed.database)), sqlite3.connect(target)
            try:
                source.backup(copy)  # a consistent copy, the WAL included
            finally:
                source.close()
                copy.close()
            self.cleanup = lambda: shutil.rmtree(folder, ignore_errors=True)
            return f"sqlite:///{target}"
        engine_for(self.url).dispose()  # a template must have no other sessions
        name = f"{parsed.database}_autopay"
        admin = make_engine(parsed.set(database="postgres").render_as_string(False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))

        def drop() -> None:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            admin.dispose()

        self.cleanup = drop
        return parsed.set(database=name).render_as_string(False)

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
