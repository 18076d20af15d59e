"""Resetting one student's check-in code or private calendar link (a lost badge, a link
shared too widely): the old one stops working at once; the pages then show the new one.

Who may reset: staff for students of families they reach at their locations (admins: all),
and the family's primary guardian. A secondary guardian may not: a reset breaks the code or
link every guardian of the family uses (printed badges, calendar subscriptions), like the
other family-wide choices that are the primary guardian's. Each reset is audited.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from data.models import Student
from services.kernel import audit
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, FeatureDisabled
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id


def reset_checkin_code(db: Session, actor: Actor, student_id: object) -> int:
    """Replace the student's check-in code (services.desk.checkin_codes); the new version."""
    if actor.is_guardian and not get_settings(db).qr_codes_enabled:
        raise FeatureDisabled("Check-in QR codes are not offered.")
    return _reset(
        db, actor, student_id, Student.checkin_code_version, "check-in code", "checkin_code"
    )


def reset_calendar_link(db: Session, actor: Actor, student_id: object) -> int:
    """Replace the student's calendar link (services.classes.calendar_feed); the new version."""
    return _reset(
        db, actor, student_id, Student.calendar_link_version, "calendar link", "calendar_link"
    )


def _reset(
    db: Session,
    actor: Actor,
    student_id: object,
    version: InstrumentedAttribute[int],
    what: str,
    name: str,
) -> int:
    require_id(student_id, "student")
    with write_transaction(db):
        student = student_in_reach(db, actor, student_id)
        if actor.is_guardian and not actor.is_primary:
            raise AccessDenied(f"Only the primary guardian can reset the {what}.")
        # One UPDATE adds one, so two resets at once give two new versions, never one.
        db.execute(
            update(Student)
            .where(Student.id == student.id)
            .values({version: version + 1})
            .execution_options(synchronize_session=False)
        )
        now = db.scalar(select(version).where(Student.id == student.id))
        audit.record(
            db,
            actor,
            f"student.{name}_reset",
            entity="student",
            entity_id=student.id,
            family_id=student.family_id,
            details={"version": now},
        )
    db.expire(student)
    return int(now or 0)
