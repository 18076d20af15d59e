"""Telling the family that staff decided their request (approved, or denied with the note).

The e-mail goes to the guardian who asked, while they may still sign in; otherwise (a request
made at the desk, a guardian whose access was revoked or who has no address) to the primary
guardian. It is queued in the caller's transaction, so a decision and its e-mail are written
together or not at all.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    Guardian,
    GuardianAccess,
    GymClass,
    ParentRequest,
    RequestKind,
    Student,
)
from services.kernel.outbox import enqueue_email
from services.kernel.settings import get_settings
from services.messages.guardian_addresses import guardian_address

WHAT_WAS_ASKED = {
    RequestKind.DROP: "drop",
    RequestKind.TRANSFER: "transfer",
    RequestKind.MAKEUP: "makeup",
    RequestKind.ABSENCE: "absence",
    RequestKind.CANCEL_WAITLIST: "waitlist cancellation",
}


def queue_decision_email(db: Session, request: ParentRequest, *, approved: bool) -> None:
    """Queue the decision's e-mail to the family (nothing when no guardian has an address)."""
    recipient = _recipient(db, request)
    if recipient is None:
        return
    address, first_name = recipient
    business = get_settings(db).business_name
    student = db.get(Student, request.student_id)
    student_name = student.first_name if student is not None else "your student"
    asked = f"{WHAT_WAS_ASKED[request.kind]} request for {student_name}{_about(db, request)}"
    if approved:
        subject = f"{business}: your {asked} was approved"
        outcome = f"Good news: staff at {business} approved your {asked}."
    else:
        subject = f"{business}: your {asked} was not approved"
        outcome = (
            f"Staff at {business} could not approve your {asked}.\n\n"
            f"Their note: {request.staff_note}"
        )
    enqueue_email(
        db,
        to_address=address,
        subject=subject,
        body_text=(
            f"Hello {first_name},\n\n{outcome}\n\n"
            "You can see all your requests on the Students page of the family portal.\n"
        ),
        kind="request_decision",
        family_id=request.family_id,
    )


def _about(db: Session, request: ParentRequest) -> str:
    """' (Tuesday Tumblers, from Tue 8 Dec 2026)': the class and the date, where known."""
    class_name = db.scalar(
        select(GymClass.name)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .where(Enrollment.id == request.enrollment_id)
    )
    parts = [class_name] if class_name else []
    if request.effective_date is not None:
        parts.append(f"from {request.effective_date:%a %-d %b %Y}")
    return f" ({', '.join(parts)})" if parts else ""


def _recipient(db: Session, request: ParentRequest) -> tuple[str, str] | None:
    asker = db.scalar(
        select(Guardian).where(
            Guardian.user_id == request.created_by_user_id,
            Guardian.family_id == request.family_id,
            Guardian.access == GuardianAccess.CAN_LOG_IN,
        )
    )
    primary = db.scalar(
        select(Guardian).where(Guardian.family_id == request.family_id, Guardian.is_primary)
    )
    for guardian in (asker, primary):
        address = guardian_address(db, guardian) if guardian is not None else None
        if guardian is not None and address:
            return address, guardian.first_name
    return None
