"""The tuition run (issues 16 and 17) at each scale, as the Tuition page does it: a page of
next month's families with their lines (what every rerun of the page computes; the first
page and a page in the middle), the totals in batches (what "Preview totals" computes) with
their peak Python memory, and one posting.
Posting writes to the benchmark database, so what it wrote is removed afterwards
(`remove_tuition_rows`, also run when a cached database is reused), leaving the database as
built for the page measurements that follow."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from bench.demo import DemoFacts
from bench.timing import measure, once, settle
from data.models import AuditEntry, LedgerAllocation, LedgerEntry, TuitionLine
from services.billing.tuition_listing import tuition_listing
from services.billing.tuition_posting import post_tuition
from services.billing.tuition_totals import tuition_totals

MONTH = date(2026, 12, 1)  # the month after the benchmark's "today" (the demo charged November)


def run_tuition(
    factory: sessionmaker[Session], facts: DemoFacts, log: Callable[[str], None]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    admin = facts.admin

    def page(number: int) -> Any:
        with factory() as db:
            return tuition_listing(db, admin, MONTH, number)

    settle()
    first = measure(lambda: page(1), repeat=10, warmup=1, max_seconds=20, min_repeat=3)
    middle_page = max(1, page(1).families.pages // 2)
    middle = measure(lambda: page(middle_page), repeat=10, warmup=1, max_seconds=20, min_repeat=3)
    for name, stats in (("first page", first), (f"page {middle_page}", middle)):
        out[f"tuition page of families, next month, {name} (tuition_listing)"] = stats.as_dict()

    def totals() -> Any:
        with factory() as db:
            return tuition_totals(db, admin, MONTH, lambda done, of: None)

    settle()
    stats = measure(totals, repeat=5, warmup=1, max_seconds=20, min_repeat=2)
    tracemalloc.start()
    shown = totals()
    peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    out["tuition totals in batches, next month (tuition_totals)"] = {
        **stats.as_dict(),
        "families": shown.families,
        "lines": shown.lines,
        "peak_python_mb": peak_mb,
    }
    settle()
    with factory() as db:
        ms, run = once(lambda: post_tuition(db, admin, MONTH))
    out["tuition posting, next month, once (post_tuition)"] = {
        "n": 1,
        "median_ms": round(ms, 3),
        "p95_ms": round(ms, 3),
        "min_ms": round(ms, 3),
        **run.as_dict(),
    }
    remove_tuition_rows(factory.kw["bind"])
    log(
        f"    tuition: page {first.median:.0f} ms, totals {stats.median:.0f} ms, "
        f"post {ms:.0f} ms ({run.lines} lines, {shown.families} families), "
        f"totals peak {peak_mb} MB"
    )
    return out


def remove_tuition_rows(engine: Engine) -> None:
    """Undo a benchmark's posting: its tuition lines (the bench's month only: the demo keeps
    its own lines for the months it charged), their ledger entries, its audit rows."""
    posted = TuitionLine.period >= MONTH
    with engine.begin() as conn:
        lines = select(TuitionLine.ledger_entry_id).where(posted)
        entry_ids = [i for i in conn.scalars(lines) if i]
        conn.execute(delete(TuitionLine).where(posted))
        for start in range(0, len(entry_ids), 5_000):
            chunk = entry_ids[start : start + 5_000]
            conn.execute(
                delete(LedgerAllocation).where(
                    LedgerAllocation.to_entry_id.in_(chunk)
                    | LedgerAllocation.from_entry_id.in_(chunk)
                )
            )
            conn.execute(delete(LedgerEntry).where(LedgerEntry.id.in_(chunk)))
        conn.execute(delete(AuditEntry).where(AuditEntry.action.like("tuition.%")))
