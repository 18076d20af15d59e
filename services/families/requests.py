"""Parent requests (drop, transfer, makeup, absence, cancel waitlist) and their history.

Other services create requests through `open_request` inside their own transaction; the
request tracker reads them through `family_requests`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import (
    GymClass,
    Location,
    ParentRequest,
    RequestEvent,
    RequestKind,
    RequestStatus,
    Student,
)
from services.kernel import clock
from services.kernel.access import Actor, require_guardian
from services.kernel.errors import NotFound
from services.kernel.validation import require_id, require_text

OPEN_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


@dataclass(frozen=True)
class RequestEventView:
    status: str
    at: datetime
    note: str


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    status: str
    student_id: int
    student_name: str
    location_name: str
    timezone: str  # the location's: times are shown there
    target_class_name: str | None
    effective_date: date | None
    parent_note: str
    staff_note: str
    created_at: datetime
    decided_at: datetime | None
    history: tuple[RequestEventView, ...]


def open_request(
    db: Session,
    actor: Actor,
    *,
    kind: RequestKind,
    student: Student,
    location_id: int,
    enrollment_id: int | None = None,
    target_class_id: int | None = None,
    effective_date: date | None = None,
    details: dict[str, Any] | None = None,
    parent_note: str = "",
    status: RequestStatus = RequestStatus.PENDING,
) -> ParentRequest:
    """Add a request and its first history event; the calling service checks access and commits.

    `status=APPLIED` records something that took effect at once (the tracker still lists it).
    """
    now = clock.now()
    request = ParentRequest(
        family_id=student.family_id,
        student_id=student.id,
        location_id=location_id,
        kind=kind,
        status=status,
        enrollment_id=enrollment_id,
        target_class_id=target_class_id,
        effective_date=effective_date,
        details=details or {},
        parent_note=parent_note[:2000],
        created_by_user_id=actor.user_id,
        created_at=now,
        decided_at=now if status is RequestStatus.APPLIED else None,
    )
    db.add(request)
    db.flush()
    add_event(db, actor, request, status, note="")
    return request


def add_event(
    db: Session, actor: Actor, request: ParentRequest, status: RequestStatus, note: str
) -> None:
    """Record a status change in the request's history (caller sets request.status, commits)."""
    db.add(
        RequestEvent(
            request_id=request.id,
            status=status,
            actor_user_id=actor.user_id,
            note=note[:2000],
            at=clock.now(),
        )
    )


def family_requests(
    db: Session, actor: Actor, *, student_id: int | None = None
) -> list[RequestView]:
    """The request tracker: the family's requests, newest first, each with its history."""
    family_id = require_guardian(actor)
    query = (
        select(
            ParentRequest,
            Student.first_name,
            Student.last_name,
            Location.name.label("location_name"),
            Location.timezone,
            GymClass.name.label("target_class_name"),
        )
        .join(Student, Student.id == ParentRequest.student_id)
        .join(Location, Location.id == ParentRequest.location_id)
        .outerjoin(GymClass, GymClass.id == ParentRequest.target_class_id)
        .where(ParentRequest.family_id == family_id)
        .order_by(ParentRequest.created_at.desc(), ParentRequest.id.desc())
    )
    if student_id is not None:
        require_id(student_id, "student")
        owner = db.scalar(select(Student.family_id).where(Student.id == student_id))
        if owner != family_id:
            raise NotFound("student")
        query = query.where(ParentRequest.student_id == student_id)
    rows = db.execute(query).all()
    history = _history(db, [row.ParentRequest.id for row in rows])
    return [
        RequestView(
            id=row.ParentRequest.id,
            kind=row.ParentRequest.kind.value,
            status=row.ParentRequest.status.value,
            student_id=row.ParentRequest.student_id,
            student_name=f"{row.first_name} {row.last_name}",
            location_name=row.location_name,
            timezone=row.timezone,
            target_class_name=row.target_class_name,
            effective_date=row.ParentRequest.effective_date,
            parent_note=row.ParentRequest.parent_note,
            staff_note=row.ParentRequest.staff_note,
            created_at=row.ParentRequest.created_at,
            decided_at=row.ParentRequest.decided_at,
            history=tuple(history.get(row.ParentRequest.id, ())),
        )
        for row in rows
    ]


def _history(db: Session, request_ids: list[int]) -> dict[int, list[RequestEventView]]:
    if not request_ids:
        return {}
    events: dict[int, list[RequestEventView]] = {}
    for event in db.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id.in_(request_ids))
        .order_by(RequestEvent.at, RequestEvent.id)
    ):
        events.setdefault(event.request_id, []).append(
            RequestEventView(status=event.status.value, at=event.at, note=event.note)
        )
    return events


# Added for enrollments and request decisions (issue 3).
from services.kernel.errors import ValidationError  # noqa: E402

MAX_NOTE_LENGTH = 2000


def clean_note(value: object) -> str:
    """A parent's or staff member's note from a text box: text of at most 2,000 characters."""
    note = require_text(value, "note").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError(f"Please keep the note under {MAX_NOTE_LENGTH:,} characters.")
    return note


def request_history(db: Session, request_ids: list[int]) -> dict[int, list[RequestEventView]]:
    """The history of each request, oldest event first (one query)."""
    return _history(db, request_ids)
