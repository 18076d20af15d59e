"""Posting a month's tuition: one write transaction per batch of families, each line claimed
through the unique (enrollment, period, kind) key of `tuition_lines` before its ledger entry is
written. A re-run, a crash mid-run (the unfinished batch rolls back; the next run finishes
it) or two runs at once therefore post each place's month once.

Within a batch the places' rows are locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already
serialises writers), so a drop applied at the same moment either comes first (the month is
prorated) or waits and then credits what it takes away (tuition_adjustments).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data.models import LedgerEntry, LedgerKind, TuitionLine
from services.billing.tuition_places import family_count, family_ids_after, require_period
from services.billing.tuition_preview import (
    BATCH_FAMILIES,
    FamilyPlan,
    TuitionCharge,
    plan_batch,
)
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

Progress = Callable[[int, int], None]  # (families done, families in the month)


@dataclass(frozen=True)
class TuitionRun:
    families: int  # families that got at least one new line
    lines: int
    total_cents: int
    skipped: int  # lines already posted (by an earlier or a concurrent run)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def post_tuition(
    db: Session, actor: Actor, period: object, progress: Progress | None = None
) -> TuitionRun:
    """Admin (or the scheduler): post `period`'s tuition. Safe to repeat."""
    require_admin(actor)
    settings = get_settings(db)
    first = require_period(settings, period)
    total_families = family_count(db, first)
    families = lines = cents = skipped = done = 0
    after = 0
    while ids := family_ids_after(db, first, after, BATCH_FAMILIES):
        after = ids[-1]
        with write_transaction(db):
            for plan in plan_batch(db, first, ids, settings, lock=True):
                posted = _post_family(db, actor, first, plan)
                skipped += plan.already_posted + len(plan.family.lines) - len(posted)
                if posted:
                    families += 1
                    lines += len(posted)
                    cents += sum(line.amount_cents for line in posted)
        done += len(ids)
        if progress is not None:
            progress(min(done, total_families), total_families)
    return TuitionRun(families, lines, cents, skipped)


def _post_family(db: Session, actor: Actor, first: date, plan: FamilyPlan) -> list[TuitionCharge]:
    family_id = plan.family.family_id
    posted = [line for line in plan.family.lines if _post_line(db, actor, first, family_id, line)]
    if posted:
        audit.record(
            db,
            actor,
            "tuition.posted",
            entity="family",
            entity_id=family_id,
            family_id=family_id,
            details={
                "period": first.isoformat(),
                "enrollments": [line.enrollment_id for line in posted],
                "cents": sum(line.amount_cents for line in posted),
            },
        )
    return posted


def _post_line(db: Session, actor: Actor, first: date, family_id: int, line: TuitionCharge) -> bool:
    line_id = claim_line(
        db,
        enrollment_id=line.enrollment_id,
        family_id=family_id,
        period=first,
        kind="charge",
        monthly_cents=line.monthly_cents,
        meetings=line.meetings,
        month_meetings=line.month_meetings,
        discount_percent=line.discount.percent,
        amount_cents=line.amount_cents,
    )
    if line_id is None:
        return False
    if line.amount_cents > 0:
        entry = ledger_entry(
            db,
            actor.user_row_id,
            family_id=family_id,
            location_id=line.location_id,
            student_id=line.student_id,
            kind=LedgerKind.CHARGE,
            amount_cents=line.amount_cents,
            description=line.description,
            service_date=first,
        )
        attach_entry(db, line_id, entry)
    return True


def claim_line(db: Session, **values: object) -> int | None:
    """Insert the line's row unless its (enrollment, period, kind) exists: the new id, or
    None. ON CONFLICT DO NOTHING waits for a concurrent claim and then yields to it."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(TuitionLine)
        .values(created_at=clock.now(), **values)
        .on_conflict_do_nothing(index_elements=["enrollment_id", "period", "kind"])
        .returning(TuitionLine.id)
    )
    return db.scalar(statement)


def ledger_entry(
    db: Session,
    created_by: int | None,
    *,
    family_id: int,
    location_id: int,
    student_id: int,
    kind: LedgerKind,
    amount_cents: int,
    description: str,
    service_date: date,
) -> LedgerEntry:
    entry = LedgerEntry(
        family_id=family_id,
        location_id=location_id,
        student_id=student_id,
        kind=kind,
        is_debit=kind is LedgerKind.CHARGE,
        amount_cents=amount_cents,
        description=description,
        posted_at=clock.now(),
        service_date=service_date,
        created_by_user_id=created_by,
    )
    db.add(entry)
    db.flush()
    return entry


def attach_entry(db: Session, line_id: int, entry: LedgerEntry) -> None:
    db.execute(
        update(TuitionLine).where(TuitionLine.id == line_id).values(ledger_entry_id=entry.id)
    )
