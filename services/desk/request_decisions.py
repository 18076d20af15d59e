"""The staff side of parent requests: the queue, approve (apply) or deny, and a parent
withdrawing their own pending request.

Approving applies the change with the same steps as a parent's direct action: each request
kind has an applier (`APPLIERS`): the domain function that makes the change inside the
deciding transaction. The queue imports the domains it applies; they never import the queue.
An applier that refuses (a class that filled up meanwhile, a date that has passed) refuses the
approval and the request stays pending; staff can then deny it with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, select, true, update
from sqlalchemy.orm import Session, aliased

from data.models import (
    Enrollment,
    Family,
    GymClass,
    Location,
    ParentRequest,
    RequestKind,
    RequestStatus,
    Student,
)
from services.classes.drops import apply_drop_request
from services.classes.transfers import apply_transfer_request
from services.classes.waitlists import apply_cancel_waitlist_request
from services.desk.request_notices import queue_decision_email
from services.families.requests import (
    RequestEventView,
    RequestView,
    add_event,
    clean_note,
    family_requests,
    request_history,
)
from services.kernel import clock
from services.kernel.access import Actor, require_guardian, require_location, require_staff
from services.kernel.errors import NotFound, ValidationError
from services.kernel.paging import Page, paged
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.absence_requests import apply_absence_request
from services.makeups.makeup_requests import apply_makeup_request

Applier = Callable[[Session, Actor, ParentRequest], None]

APPLIERS: dict[RequestKind, Applier] = {
    RequestKind.DROP: apply_drop_request,
    RequestKind.TRANSFER: apply_transfer_request,
    RequestKind.CANCEL_WAITLIST: apply_cancel_waitlist_request,
    RequestKind.MAKEUP: apply_makeup_request,
    RequestKind.ABSENCE: apply_absence_request,
}


@dataclass(frozen=True)
class StaffRequestView:
    id: int
    kind: str  # RequestKind value
    status: str  # RequestStatus value
    family_id: int
    family_name: str
    student_id: int
    student_name: str
    location_id: int
    location_name: str
    timezone: str  # the location's: times are shown there
    enrollment_id: int | None
    class_name: str | None  # the enrollment's class
    target_class_id: int | None
    target_class_name: str | None
    effective_date: date | None
    details: dict[str, Any]  # e.g. {"class_date": "2026-12-01"} for makeups and absences
    parent_note: str
    staff_note: str
    created_at: datetime
    decided_at: datetime | None
    history: tuple[RequestEventView, ...]


def pending_requests(
    db: Session, actor: Actor, *, location_id: object = None, page: object = 1
) -> Page[StaffRequestView]:
    """Staff: one page of the pending requests at their locations (or one of them), oldest
    first, with how many are waiting in all."""
    require_staff(actor)
    if location_id is not None:
        require_location(actor, require_id(location_id, "location"))
        where = ParentRequest.location_id == location_id
    elif actor.is_admin:
        where = true()
    else:
        where = ParentRequest.location_id.in_(actor.location_ids)
    query = _staff_query(where, ParentRequest.status == RequestStatus.PENDING)
    rows, total, number, pages = paged(db, query, page)
    return Page(tuple(_with_history(db, rows)), total, number, pages)


def decide_request(
    db: Session, actor: Actor, request_id: object, *, approve: object, note: object = ""
) -> StaffRequestView:
    """Staff: approve (the change is applied now, or the approval is refused and nothing
    changes) or deny with a note the family reads. Either way the family is e-mailed."""
    require_staff(actor)
    require_id(request_id, "request")
    if not isinstance(approve, bool):
        raise ValidationError("Choose approve or deny.")
    staff_note = clean_note(note)
    if not approve and not staff_note:
        raise ValidationError("Please tell the family why the request is denied.")
    with write_transaction(db):
        request = db.get(ParentRequest, request_id)
        if request is None or not _sees(actor, request.location_id):
            raise NotFound("request")
        applier = APPLIERS.get(request.kind)
        if approve and applier is None:
            raise ValidationError(
                f"{request.kind.value.replace('_', ' ').capitalize()} requests cannot be "
                "approved here yet; deny it with a note or handle it at the desk."
            )
        decision = RequestStatus.APPROVED if approve else RequestStatus.DENIED
        _answer(db, actor, request, decision, staff_note)
        if approve and applier is not None:
            applier(db, actor, request)
            request.status = RequestStatus.APPLIED
            add_event(db, actor, request, RequestStatus.APPLIED, note="")
        queue_decision_email(db, request, approved=approve)
    return _staff_views(db, ParentRequest.id == request_id)[0]


def cancel_request(db: Session, actor: Actor, request_id: object) -> RequestView:
    """A guardian withdraws one of their family's pending requests."""
    family_id = require_guardian(actor)
    require_id(request_id, "request")
    with write_transaction(db):
        request = db.get(ParentRequest, request_id)
        if request is None or request.family_id != family_id:
            raise NotFound("request")
        _answer(db, actor, request, RequestStatus.CANCELLED, "")
        student_id = request.student_id
    return next(r for r in family_requests(db, actor, student_id=student_id) if r.id == request_id)


def _sees(actor: Actor, location_id: int) -> bool:
    return actor.is_admin or location_id in actor.location_ids


def _answer(
    db: Session, actor: Actor, request: ParentRequest, status: RequestStatus, note: str
) -> None:
    """Conditional UPDATE from pending, so two answers at the same moment cannot both count."""
    if request.status is not RequestStatus.PENDING:
        raise ValidationError(f"That request is already {request.status.value}.")
    changes: dict[str, object] = {
        "status": status,
        "decided_at": clock.now(),
        "decided_by_user_id": actor.user_id,
    }
    if status is not RequestStatus.CANCELLED:
        changes["staff_note"] = note
    claimed = db.execute(
        update(ParentRequest)
        .where(ParentRequest.id == request.id, ParentRequest.status == RequestStatus.PENDING)
        .values(**changes)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ValidationError("That request was answered a moment ago. Please reload.")
    db.refresh(request)
    add_event(db, actor, request, status, note=note)


def _staff_views(db: Session, *where: ColumnElement[bool]) -> list[StaffRequestView]:
    """Two queries: the requests with names, then their histories."""
    return _with_history(db, db.execute(_staff_query(*where)).all())


def _with_history(db: Session, rows: Sequence[Row[Any]]) -> list[StaffRequestView]:
    history = request_history(db, [row.ParentRequest.id for row in rows])
    return [_staff_view(row, history.get(row.ParentRequest.id, [])) for row in rows]


def _staff_query(*where: ColumnElement[bool]) -> Select[Any]:
    """The requests with the names staff read, oldest first."""
    current_class, target_class = aliased(GymClass), aliased(GymClass)
    return (
        select(
            ParentRequest,
            Family.name.label("family_name"),
            Student.first_name,
            Student.last_name,
            Location.name.label("location_name"),
            Location.timezone,
            current_class.name.label("class_name"),
            target_class.name.label("target_class_name"),
        )
        .join(Family, Family.id == ParentRequest.family_id)
        .join(Student, Student.id == ParentRequest.student_id)
        .join(Location, Location.id == ParentRequest.location_id)
        .outerjoin(Enrollment, Enrollment.id == ParentRequest.enrollment_id)
        .outerjoin(current_class, current_class.id == Enrollment.class_id)
        .outerjoin(target_class, target_class.id == ParentRequest.target_class_id)
        .where(*where)
        .order_by(ParentRequest.created_at, ParentRequest.id)
    )


def _staff_view(row: Row[Any], history: list[RequestEventView]) -> StaffRequestView:
    request: ParentRequest = row.ParentRequest
    return StaffRequestView(
        id=request.id,
        kind=request.kind.value,
        status=request.status.value,
        family_id=request.family_id,
        family_name=row.family_name,
        student_id=request.student_id,
        student_name=f"{row.first_name} {row.last_name}",
        location_id=request.location_id,
        location_name=row.location_name,
        timezone=row.timezone,
        enrollment_id=request.enrollment_id,
        class_name=row.class_name,
        target_class_id=request.target_class_id,
        target_class_name=row.target_class_name,
        effective_date=request.effective_date,
        details=dict(request.details or {}),
        parent_note=request.parent_note,
        staff_note=request.staff_note,
        created_at=request.created_at,
        decided_at=request.decided_at,
        history=tuple(history),
    )
