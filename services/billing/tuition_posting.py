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
from typing import Any

from sqlalchemy import insert, update
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
CLAIM_CHUNK = 500  # lines per INSERT (SQLite allows 32,766 bound values a statement)


@dataclass(frozen=True)
class TuitionRun:
    families: int  # families that got at least one new line
    lines: int
    total_cents: int
    skipped: int  # lines already posted (by an earlier or a concurrent run)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def plus(self, other: TuitionRun) -> TuitionRun:
        return TuitionRun(
            self.families + other.families,
            self.lines + other.lines,
            self.total_cents + other.total_cents,
            self.skipped + other.skipped,
        )


def post_tuition(
    db: Session, actor: Actor, period: object, progress: Progress | None = None
) -> TuitionRun:
    """Admin (or the scheduler): post `period`'s tuition. Safe to repeat."""
    require_admin(actor)
    settings = get_settings(db)
    first = require_period(settings, period)
    total_families = family_count(db, first)
    run = TuitionRun(0, 0, 0, 0)
    done = after = 0
    while ids := family_ids_after(db, first, after, BATCH_FAMILIES):
        after = ids[-1]
        with write_transaction(db):
            plans = plan_batch(db, first, ids, settings, lock=True)
            run = run.plus(_post_batch(db, actor, first, plans))
        done += len(ids)
        if progress is not None:
            progress(min(done, total_families), total_families)
    return run


def _post_batch(db: Session, actor: Actor, first: date, plans: list[FamilyPlan]) -> TuitionRun:
    """Claim every line of the batch in bulk, then write the ledger entries of the claimed
    lines in bulk: a handful of statements per batch, not a few per line."""
    wanted = [(plan.family.family_id, line) for plan in plans for line in plan.family.lines]
    claimed: dict[int, int] = {}  # enrollment id -> tuition line id
    for start in range(0, len(wanted), CLAIM_CHUNK):
        claimed.update(_claim_lines(db, first, wanted[start : start + CLAIM_CHUNK]))
    posted = [(family_id, line) for family_id, line in wanted if line.enrollment_id in claimed]
    charged = [(family_id, line) for family_id, line in posted if line.amount_cents > 0]
    if charged:
        entry_ids = db.scalars(
            insert(LedgerEntry).returning(LedgerEntry.id, sort_by_parameter_order=True),
            [_charge_values(actor, first, family_id, line) for family_id, line in charged],
        ).all()
        db.execute(  # ORM bulk UPDATE by primary key
            update(TuitionLine),
            [
                {"id": claimed[line.enrollment_id], "ledger_entry_id": entry_id}
                for (_, line), entry_id in zip(charged, entry_ids, strict=True)
            ],
        )
    by_family: dict[int, list[TuitionCharge]] = {}
    for family_id, line in posted:
        by_family.setdefault(family_id, []).append(line)
    for family_id, lines in by_family.items():
        audit.record(
            db,
            actor,
            "tuition.posted",
            entity="family",
            entity_id=family_id,
            family_id=family_id,
            details={
                "period": first.isoformat(),
                "enrollments": [line.enrollment_id for line in lines],
                "cents": sum(line.amount_cents for line in lines),
            },
        )
    already = sum(plan.already_posted for plan in plans)
    return TuitionRun(
        families=len(by_family),
        lines=len(posted),
        total_cents=sum(line.amount_cents for _, line in posted),
        skipped=already + len(wanted) - len(posted),
    )


def _claim_lines(
    db: Session, first: date, lines: list[tuple[int, TuitionCharge]]
) -> dict[int, int]:
    """Insert the lines' rows, skipping any (enrollment, period, kind) that exists: the ids
    of those inserted, by enrollment. ON CONFLICT DO NOTHING waits for a concurrent claim
    and then yields to it."""
    if not lines:
        return {}
    moment = clock.now()
    statement = (
        _dialect_insert(db)
        .values(
            [
                {
                    "enrollment_id": line.enrollment_id,
                    "family_id": family_id,
                    "period": first,
                    "kind": "charge",
                    "monthly_cents": line.monthly_cents,
                    "meetings": line.meetings,
                    "month_meetings": line.month_meetings,
                    "discount_percent": line.discount.percent,
                    "amount_cents": line.amount_cents,
                    "created_at": moment,
                }
                for family_id, line in lines
            ]
        )
        .on_conflict_do_nothing(index_elements=["enrollment_id", "period", "kind"])
        .returning(TuitionLine.enrollment_id, TuitionLine.id)
    )
    return {enrollment_id: line_id for enrollment_id, line_id in db.execute(statement)}


def _charge_values(
    actor: Actor, first: date, family_id: int, line: TuitionCharge
) -> dict[str, object]:
    return {
        "family_id": family_id,
        "location_id": line.location_id,
        "student_id": line.student_id,
        "kind": LedgerKind.CHARGE,
        "is_debit": True,
        "amount_cents": line.amount_cents,
        "description": line.description,
        "posted_at": clock.now(),
        "service_date": first,
        "created_by_user_id": actor.user_row_id,
    }


def _dialect_insert(db: Session) -> Any:  # the dialect's Insert: it has ON CONFLICT
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(TuitionLine)


def claim_line(db: Session, **values: object) -> int | None:
    """Insert the line's row unless its (enrollment, period, kind) exists: the new id, or
    None. ON CONFLICT DO NOTHING waits for a concurrent claim and then yields to it."""
    statement = (
        _dialect_insert(db)
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
