"""The scheduler's entry points for tuition (the runner that calls them lives elsewhere):
post the month once its billing day has come, and charge late fees. Both are safe to call
any number of times: every line they write is claimed through its unique key first.

- From the billing day (the `billing_day` setting, in the business's time zone) to the end
  of the month, `run_tuition_job` posts that month: the first call posts everything, later
  calls post only places that started since (prorated) and skip the rest.
- `run_late_fees_job` charges `late_fee_cents` once on each tuition charge still open
  (not fully paid by allocations) `late_fee_days` after it was posted, while the family
  owes money overall (a family whose credit covers it is not charged).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Row, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from data.models import (
    Enrollment,
    GymClass,
    LedgerAllocation,
    LedgerEntry,
    LedgerKind,
    Student,
    TuitionLine,
)
from services.billing.ledger import unchecked_family_balance
from services.billing.tuition_posting import attach_entry, claim_line, ledger_entry, post_tuition
from services.billing.tuition_rules import class_words, late_fee_description
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

LATE_FEE_BATCH = 500


def run_tuition_job(db: Session, actor: Actor) -> dict[str, int]:
    """Post this month's tuition when today is on or after the billing day; else nothing."""
    require_admin(actor)
    settings = get_settings(db)
    today = clock.today_in(settings.time_zone)
    if today.day < settings.billing_day:
        return {"families": 0, "lines": 0, "total_cents": 0, "skipped": 0}
    return post_tuition(db, actor, today.replace(day=1)).as_dict()


def run_late_fees_job(db: Session, actor: Actor) -> dict[str, int]:
    """Charge the late fee once on each tuition charge unpaid for `late_fee_days`."""
    require_admin(actor)
    settings = get_settings(db)
    fee, days = settings.late_fee_cents, settings.late_fee_days
    if fee <= 0:
        return {"late_fees": 0, "total_cents": 0}
    cutoff = clock.now() - timedelta(days=days)
    charged = after = 0
    while rows := db.execute(_overdue(cutoff, after)).all():
        after = rows[-1][0].id
        with write_transaction(db):
            for row in rows:
                if unchecked_family_balance(db, row[0].family_id).balance_cents > 0:
                    charged += _late_fee(db, actor, row, fee, days)
    return {"late_fees": charged, "total_cents": charged * fee}


def _overdue(cutoff: datetime, after: int) -> Select:
    """Tuition charges posted before `cutoff`, still open, with no late fee yet."""
    late = aliased(TuitionLine)
    allocated = (
        select(func.coalesce(func.sum(LedgerAllocation.amount_cents), 0))
        .where(LedgerAllocation.to_entry_id == LedgerEntry.id)
        .scalar_subquery()
    )
    return (
        select(
            TuitionLine,
            LedgerEntry.location_id,
            LedgerEntry.student_id,
            Student.first_name,
            GymClass,
        )
        .join(LedgerEntry, LedgerEntry.id == TuitionLine.ledger_entry_id)
        .join(Enrollment, Enrollment.id == TuitionLine.enrollment_id)
        .join(Student, Student.id == Enrollment.student_id)
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .where(
            TuitionLine.kind == "charge",
            TuitionLine.created_at <= cutoff,
            TuitionLine.id > after,
            LedgerEntry.amount_cents > allocated,
            ~exists().where(
                late.enrollment_id == TuitionLine.enrollment_id,
                late.period == TuitionLine.period,
                late.kind == "late_fee",
            ),
        )
        .order_by(TuitionLine.id)
        .limit(LATE_FEE_BATCH)
    )


def _late_fee(db: Session, actor: Actor, row: Row, fee: int, days: int) -> int:
    line, location_id, student_id, name, cls = row
    line_id = claim_line(
        db,
        enrollment_id=line.enrollment_id,
        family_id=line.family_id,
        period=line.period,
        kind="late_fee",
        monthly_cents=line.monthly_cents,
        meetings=0,
        month_meetings=line.month_meetings,
        discount_percent=0,
        amount_cents=fee,
    )
    if line_id is None:
        return 0
    words = class_words(cls.name, cls.weekday, cls.start_time)
    entry = ledger_entry(
        db,
        actor.user_row_id,
        family_id=line.family_id,
        location_id=location_id,
        student_id=student_id,
        kind=LedgerKind.CHARGE,
        amount_cents=fee,
        description=late_fee_description(name, words, line.period, days),
        service_date=line.period,
    )
    attach_entry(db, line_id, entry)
    audit.record(
        db,
        actor,
        "tuition.late_fee",
        entity="enrollment",
        entity_id=line.enrollment_id,
        family_id=line.family_id,
        details={"period": line.period.isoformat(), "cents": fee},
    )
    return 1
