"""The tuition run (issue 16) at each scale: the admin's preview of next month (totals over
every family and a page of lines) with its peak Python memory, and one posting of it.
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
from services.billing.tuition_posting import post_tuition
from services.billing.tuition_preview import preview_tuition

MONTH = date(2026, 12, 1)  # the month after the benchmark's "today" (the demo charged November)


def run_tuition(
    factory: sessionmaker[Session], facts: DemoFacts, log: Callable[[str], None]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    admin = facts.admin

    def preview() -> Any:
        with factory() as db:
            return preview_tuition(db, admin, MONTH)

    settle()
    stats = measure(preview, repeat=5, warmup=1, max_seconds=20, min_repeat=2)
    tracemalloc.start()
    shown = preview()
    peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    tracemalloc.stop()
    out["tuition preview, next month (preview_tuition)"] = {
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
        f"    tuition: preview {stats.median:.0f} ms, post {ms:.0f} ms "
        f"({run.lines} lines, {shown.families} families), preview peak {peak_mb} MB"
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
