"""The migration and the models agree, and the constraints protect the invariants."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.models import (
    Base,
    EnrollmentStatus,
    EnrollmentType,
    LedgerKind,
    MakeupToken,
    PaymentAttempt,
    PaymentAttemptStatus,
    TokenState,
)
from services.kernel import clock
from tests import factories as f


def test_migration_matches_models(engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)


def _violates(db: Session) -> None:
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_one_current_enrollment_per_student_and_class(db: Session) -> None:
    loc = f.location(db)
    cls = f.gym_class(db, loc)
    fam, _, _ = f.family(db)
    stu = f.student(db, fam)
    f.enroll(db, stu, cls)
    db.commit()
    db.add(
        f.Enrollment(
            student_id=stu.id,
            class_id=cls.id,
            type=EnrollmentType.REGULAR,
            status=EnrollmentStatus.WAITLISTED,
            start_date=date(2026, 10, 1),
            waitlist_position=1,
            created_at=clock.now(),
        )
    )
    _violates(db)
    # A past enrollment in the same class does not block a new one.
    db.add(
        f.Enrollment(
            student_id=stu.id,
            class_id=cls.id,
            type=EnrollmentType.REGULAR,
            status=EnrollmentStatus.DROPPED,
            start_date=date(2026, 1, 5),
            end_date=date(2026, 3, 1),
            created_at=clock.now(),
        )
    )
    db.commit()


def test_waitlisted_enrollment_needs_a_position(db: Session) -> None:
    loc = f.location(db)
    cls = f.gym_class(db, loc)
    fam, _, _ = f.family(db)
    stu = f.student(db, fam)
    db.add(
        f.Enrollment(
            student_id=stu.id,
            class_id=cls.id,
            type=EnrollmentType.REGULAR,
            status=EnrollmentStatus.WAITLISTED,
            start_date=date(2026, 10, 1),
            created_at=clock.now(),
        )
    )
    _violates(db)


@pytest.mark.parametrize("amount", [0, -500])
def test_ledger_amounts_are_positive(db: Session, amount: int) -> None:
    loc = f.location(db)
    fam, _, _ = f.family(db)
    f.entry(db, fam, loc, LedgerKind.CHARGE, 1000)
    db.commit()
    db.add(
        f.LedgerEntry(
            family_id=fam.id,
            location_id=loc.id,
            kind=LedgerKind.CHARGE,
            is_debit=True,
            amount_cents=amount,
            description="x",
            posted_at=clock.now(),
        )
    )
    _violates(db)


def test_ledger_direction_must_match_kind(db: Session) -> None:
    loc = f.location(db)
    fam, _, _ = f.family(db)
    db.add(
        f.LedgerEntry(
            family_id=fam.id,
            location_id=loc.id,
            kind=LedgerKind.PAYMENT,
            is_debit=True,
            amount_cents=100,
            description="x",
            posted_at=clock.now(),
        )
    )
    _violates(db)


def test_makeup_token_pays_for_one_enrollment_only(db: Session) -> None:
    loc = f.location(db)
    cls = f.gym_class(db, loc)
    fam, _, _ = f.family(db)
    stu = f.student(db, fam)
    visit = f.enroll(db, stu, cls, type=EnrollmentType.MAKEUP, start=date(2026, 12, 1))
    for _ in range(2):
        db.add(
            MakeupToken(
                family_id=fam.id,
                student_id=stu.id,
                location_id=loc.id,
                state=TokenState.PENDING,
                issued_on=date(2026, 11, 1),
                expires_on=date(2026, 12, 31),
                makeup_enrollment_id=visit.id,
            )
        )
    _violates(db)


def test_pending_token_needs_its_enrollment(db: Session) -> None:
    loc = f.location(db)
    fam, _, _ = f.family(db)
    stu = f.student(db, fam)
    db.add(
        MakeupToken(
            family_id=fam.id,
            student_id=stu.id,
            location_id=loc.id,
            state=TokenState.SPENT,
            issued_on=date(2026, 11, 1),
            expires_on=date(2026, 12, 31),
        )
    )
    _violates(db)


def test_idempotency_key_is_unique(db: Session) -> None:
    loc = f.location(db)
    fam, _, _ = f.family(db)
    for _ in range(2):
        db.add(
            PaymentAttempt(
                family_id=fam.id,
                location_id=loc.id,
                amount_cents=100,
                idempotency_key="key-1",
                status=PaymentAttemptStatus.PENDING,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    _violates(db)


def test_one_primary_guardian_per_family(db: Session) -> None:
    fam, _, _ = f.family(db)
    db.add(
        f.Guardian(
            family_id=fam.id, first_name="B", last_name="C", is_primary=True, created_at=clock.now()
        )
    )
    _violates(db)


def test_class_capacity_must_be_positive(db: Session) -> None:
    loc = f.location(db)
    with pytest.raises(IntegrityError):
        f.gym_class(db, loc, capacity=0)
    db.rollback()
