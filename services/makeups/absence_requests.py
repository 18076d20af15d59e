"""Staff approving a parent's pending absence request (made through staff), run by
services.desk.request_decisions inside its transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import ParentRequest, RequestKind, Student
from services.kernel import clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.settings import get_settings
from services.makeups.absence_marking import _audit, _record
from services.makeups.absence_meetings import _enrollment_rows, _meeting_on, _open


def apply_absence_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """Mark the requested meeting absent. The token policy counts the notice from when the
    parent asked, not from the approval. Runs inside the deciding service's transaction."""
    require_staff(actor)
    if not isinstance(request, ParentRequest) or request.kind is not RequestKind.ABSENCE:
        raise ValidationError("That is not an absence request.")
    require_location(actor, request.location_id)
    if request.enrollment_id is None or request.effective_date is None:
        raise ValidationError("The request does not name the class and date of the absence.")
    student = db.get(Student, request.student_id)
    if student is None:
        raise NotFound("student")
    rows = _enrollment_rows(db, actor, student.id, ids=[request.enrollment_id])
    meeting = _open(
        db, _meeting_on(rows[0] if rows else None, student, request.effective_date, clock.now())
    )
    marked, _ = _record(
        db,
        student,
        [meeting],
        request.parent_note,
        get_settings(db),
        reported_by=request.created_by_user_id,
        at=request.created_at,
    )
    _audit(db, actor, student, marked, "absence.request_applied")
