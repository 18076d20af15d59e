"""A place that ends inside a month already charged: the meetings it no longer takes are
credited once per place and month (the unique (enrollment, period, "drop_credit") key).

Drops and transfers call `credit_untaken_tuition` in their own write transaction right after
setting the place's end date (services.classes.enrollment_changes), so the family sees the
credit with the drop. Months not yet charged need nothing: the tuition run prorates them from
the end date.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    GymClass,
    LedgerEntry,
    LedgerKind,
    Location,
    Student,
    TuitionLine,
)
from services.billing.tuition_places import slot_of
from services.billing.tuition_posting import attach_entry, claim_line, ledger_entry
from services.billing.tuition_rules import (
    class_words,
    credit_description,
    drop_credit,
    place_meetings,
)
from services.kernel import audit
from services.kernel.access import Actor


def credit_untaken_tuition(db: Session, actor: Actor, enrollment: Enrollment) -> int:
    """Inside the caller's write transaction, after the place's end date was set: credit
    each charged month's meetings the place no longer covers. Returns the cents credited."""
    cls = db.get(GymClass, enrollment.class_id)
    if cls is None:
        return 0
    slot = slot_of(cls, db.scalar(select(Location.timezone).where(Location.id == cls.location_id)))
    never_attended = enrollment.end_date == enrollment.start_date and enrollment.status in (
        EnrollmentStatus.DROPPED,
        EnrollmentStatus.TRANSFERRED,
    )
    charges = db.execute(
        select(TuitionLine, LedgerEntry.location_id, LedgerEntry.student_id)
        .join(LedgerEntry, LedgerEntry.id == TuitionLine.ledger_entry_id)
        .where(TuitionLine.enrollment_id == enrollment.id, TuitionLine.kind == "charge")
        .order_by(TuitionLine.period)
    ).all()
    credited = 0
    for line, location_id, student_id in charges:
        now = (
            0
            if never_attended
            else place_meetings(slot, line.period, enrollment.start_date, enrollment.end_date)
        )
        untaken = line.meetings - now
        if untaken <= 0:
            continue
        amount = drop_credit(
            line.monthly_cents,
            line.meetings,
            now,
            line.month_meetings,
            line.discount_percent,
            line.amount_cents,
        )
        line_id = claim_line(
            db,
            enrollment_id=enrollment.id,
            family_id=line.family_id,
            period=line.period,
            kind="drop_credit",
            monthly_cents=line.monthly_cents,
            meetings=untaken,
            month_meetings=line.month_meetings,
            discount_percent=line.discount_percent,
            amount_cents=amount,
        )
        if line_id is None or amount == 0:
            continue
        student = _first_name(db, student_id)
        words = class_words(cls.name, cls.weekday, cls.start_time)
        entry = ledger_entry(
            db,
            actor.user_row_id,
            family_id=line.family_id,
            location_id=location_id,
            student_id=student_id,
            kind=LedgerKind.CREDIT,
            amount_cents=amount,
            description=credit_description(student, words, line.period, untaken),
            service_date=line.period,
        )
        attach_entry(db, line_id, entry)
        audit.record(
            db,
            actor,
            "tuition.credited",
            entity="enrollment",
            entity_id=enrollment.id,
            family_id=line.family_id,
            details={"period": line.period.isoformat(), "meetings": untaken, "cents": amount},
        )
        credited += amount
    return credited


def _first_name(db: Session, student_id: int | None) -> str:
    name = db.scalar(select(Student.first_name).where(Student.id == student_id))
    return name or "a student"
