"""The daily batches the scheduled jobs run (issue 16): makeup tokens that time has moved on
(expired, spent) and class places whose end date has passed, each at its location's own
"today", idempotent, for administrators and the scheduler only; on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import (
    AuditEntry,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    MakeupToken,
    Role,
    TokenState,
)
from services.kernel.access import scheduler_actor
from services.kernel.errors import AccessDenied
from services.makeups.token_expiry import settle_due_tokens
from services.operations.job_runner import run_job_now
from services.operations.job_steps import close_ended_enrollments
from tests import factories as f

# The fixed now is Tue 24 Nov 2026 15:00 UTC: 09:00 on the 24th in Chicago, already 04:00 on
# the 25th in Auckland.
NOV_23, NOV_24, NOV_25 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


def _state(db: Session, token: MakeupToken) -> tuple[TokenState, date | None]:
    db.rollback()
    row = db.execute(
        select(MakeupToken.state, MakeupToken.spent_on).where(MakeupToken.id == token.id)
    ).one()
    return row.state, row.spent_on


def _audits(db: Session, action: str) -> int:
    return db.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_due_tokens_expire_or_are_spent_by_each_locations_today(db: Session) -> None:
    chicago, auckland = f.location(db), f.location(db, "Harbour", "Pacific/Auckland")
    fam, _, _ = f.family(db)
    maya = f.student(db, fam)
    cls = f.gym_class(db, chicago)
    expired = f.makeup_token(db, maya, chicago, expires_on=NOV_23)
    still_today = f.makeup_token(db, maya, chicago, expires_on=NOV_24)
    expired_there = f.makeup_token(db, maya, auckland, expires_on=NOV_24)
    visit = f.enroll(db, maya, cls, type=EnrollmentType.MAKEUP, start=NOV_23, end=NOV_23)
    spent = f.makeup_token(db, maya, chicago, state=TokenState.PENDING, makeup_enrollment=visit)
    later = f.enroll(db, maya, cls, type=EnrollmentType.MAKEUP, start=NOV_25, end=NOV_25)
    booked = f.makeup_token(db, maya, chicago, state=TokenState.PENDING, makeup_enrollment=later)
    db.commit()

    assert settle_due_tokens(db, scheduler_actor()) == {"expired": 2, "spent": 1}
    assert _state(db, expired) == (TokenState.EXPIRED, None)
    assert _state(db, expired_there) == (TokenState.EXPIRED, None)
    assert _state(db, still_today) == (TokenState.AVAILABLE, None)
    assert _state(db, spent) == (TokenState.SPENT, NOV_23)
    assert _state(db, booked) == (TokenState.PENDING, None)
    assert settle_due_tokens(db, scheduler_actor()) == {"expired": 0, "spent": 0}
    assert _audits(db, "makeup_tokens.settled") == 1  # the run that changed something


def test_settling_tokens_for_everyone_is_for_administrators_only(db: Session) -> None:
    loc = f.location(db)
    fam, _, account = f.family(db)
    token = f.makeup_token(db, f.student(db, fam), loc, expires_on=NOV_23)
    refused = [
        f.staff(db, "desk@example.com", [loc]),
        f.staff(db, "coach@example.com", [loc], role=Role.INSTRUCTOR),
        f.guardian_actor(db, account),
    ]
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    for actor in refused:
        with pytest.raises(AccessDenied):
            settle_due_tokens(db, actor)
    assert _state(db, token)[0] is TokenState.AVAILABLE
    assert settle_due_tokens(db, admin) == {"expired": 1, "spent": 0}


def test_the_ended_places_job_closes_every_due_place_once(db: Session) -> None:
    chicago, auckland = f.location(db), f.location(db, "Harbour", "Pacific/Auckland")
    fam, _, account = f.family(db)
    maya = f.student(db, fam)
    trial = EnrollmentType.TRIAL
    ended = f.enroll(db, maya, f.gym_class(db, chicago), type=trial, end=NOV_23)
    running = f.enroll(db, maya, f.gym_class(db, chicago, name="Beam"), type=trial, end=NOV_24)
    there = f.enroll(db, maya, f.gym_class(db, auckland), type=trial, end=NOV_24)
    desk = f.staff(db, "desk@example.com", [chicago])
    guardian = f.guardian_actor(db, account)
    db.commit()
    for actor in (desk, guardian):
        with pytest.raises(AccessDenied):
            close_ended_enrollments(db, actor)
    assert close_ended_enrollments(db, scheduler_actor()) == {"closed": 2}
    assert close_ended_enrollments(db, scheduler_actor()) == {"closed": 0}
    db.rollback()
    statuses = db.scalars(
        select(Enrollment.status)
        .where(Enrollment.id.in_([ended.id, running.id, there.id]))
        .order_by(Enrollment.id)
    ).all()
    done, active = EnrollmentStatus.COMPLETED, EnrollmentStatus.ACTIVE
    assert statuses == [done, active, done]
    assert _audits(db, "enrollments.ended_closed") == 1


def test_the_registered_jobs_run_now_as_an_administrator(db: Session) -> None:
    loc = f.location(db)
    fam, _, _ = f.family(db)
    f.makeup_token(db, f.student(db, fam), loc, expires_on=NOV_23)
    admin = f.staff(db, "owner@example.com", [], role=Role.ADMIN)
    db.commit()
    assert run_job_now(db, admin, "makeup_tokens").counts == {"expired": 1, "spent": 0}
    assert run_job_now(db, admin, "ended_enrollments").counts == {"closed": 0}
    assert run_job_now(db, admin, "job_history").counts == {"deleted": 0}
