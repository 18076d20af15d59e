"""Drops: what a drop would do (drop_preview), dropping a class place (at once, or a pending
request when requests need approval), and the staff step that applies a drop request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from data.models import EnrollmentStatus, ParentRequest, RequestKind, RequestStatus
from services.classes.capacity import ONGOING_TYPES
from services.classes.enrollment_changes import (
    DAY,
    ChangeOutcome,
    _applies_now,
    _class_date,
    _end,
    _Held,
    _held,
    _held_for_request,
    _lock,
    _open_days,
    _record,
    _refuse_pending,
    _require_no_end_yet,
    _require_switch,
    _say_date,
    _upcoming,
)
from services.families.requests import clean_note
from services.kernel.access import Actor, require_staff
from services.kernel.errors import ValidationError
from services.kernel.schedule import meeting_dates
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction


@dataclass(frozen=True)
class DropPreview:
    enrollment_id: int
    student_name: str
    class_name: str
    effective_date: date  # the first class removed; tuition stops on this date
    tuition_stops_on: date
    last_class: date | None  # the last class kept (None: the student never attends)
    removed_dates: tuple[date, ...]
    choices: tuple[date, ...]  # the effective dates the family may choose
    applies_now: bool  # False: confirming sends a request to staff
    summary: str


def drop_preview(
    db: Session, actor: Actor, enrollment_id: object, effective_date: object = None
) -> DropPreview:
    """Setting allow_drop (parents). What a drop would do; the date defaults to the next class
    that has not started. Refuses exactly what drop_enrollment would refuse. Days the location
    is closed are not offered (services.kernel.closure_days)."""
    settings = get_settings(db)
    _require_switch(actor, settings.allow_drop, "Dropping a class")
    held = _held(db, actor, enrollment_id)
    _require_droppable(held)
    e, slot = held.enrollment, held.slot
    until = e.end_date or slot.term_end
    choices = _open_days(db, held.cls.location_id, _upcoming(slot, held.today, until))
    if effective_date is None and not choices:
        raise ValidationError("There are no classes left to drop.")
    day = _check_drop(db, held, choices[0] if effective_date is None else effective_date)
    location_id = held.cls.location_id
    kept = _open_days(db, location_id, list(meeting_dates(slot, e.start_date, day - DAY)))
    removing = list(meeting_dates(slot, max(day, e.start_date), until))
    removed = tuple(_open_days(db, location_id, removing))
    applies_now = _applies_now(actor, settings)
    count = "1 class is" if len(removed) == 1 else f"{len(removed)} classes are"
    summary = (
        f"From {_say_date(day)}, {held.student.first_name} leaves {held.cls.name}: "
        f"{count} removed and tuition stops."
    )
    if not applies_now:
        summary += " Staff will review the request first."
    return DropPreview(
        enrollment_id=e.id,
        student_name=held.student.first_name,
        class_name=held.cls.name,
        effective_date=day,
        tuition_stops_on=day,
        last_class=kept[-1] if kept else None,
        removed_dates=removed,
        choices=tuple(choices),
        applies_now=applies_now,
        summary=summary,
    )


def drop_enrollment(
    db: Session, actor: Actor, enrollment_id: object, effective_date: object, *, note: object = ""
) -> ChangeOutcome:
    """Setting allow_drop (parents); with requests_need_approval a pending DROP request."""
    parent_note = clean_note(note)
    with write_transaction(db):
        settings = get_settings(db)
        _require_switch(actor, settings.allow_drop, "Dropping a class")
        held = _held(db, actor, enrollment_id)
        _lock(db, held)
        day = _check_drop(db, held, effective_date)
        first, name = held.student.first_name, held.cls.name
        if not _applies_now(actor, settings):
            request = _record(db, actor, held, RequestKind.DROP, day=day, note=parent_note)
            return ChangeOutcome(
                False,
                request.id,
                f"Your request for {first} to leave {name} from {_say_date(day)} "
                "is waiting for staff.",
            )
        _end(db, actor, held, day, EnrollmentStatus.DROPPED)
        request = _record(
            db, actor, held, RequestKind.DROP, RequestStatus.APPLIED, day=day, note=parent_note
        )
        return ChangeOutcome(True, request.id, f"{first} leaves {name} from {_say_date(day)}.")


def apply_drop_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """The approval step for a drop request (staff; inside decide_request)."""
    require_staff(actor)
    held = _held_for_request(db, actor, request)
    _end(db, actor, held, _check_drop(db, held, request.effective_date), EnrollmentStatus.DROPPED)


def _require_droppable(held: _Held) -> None:
    e = held.enrollment
    if e.status is not EnrollmentStatus.ACTIVE or e.type not in ONGOING_TYPES:
        raise ValidationError("Only a current class place can be dropped.")
    _require_no_end_yet(e)


def _check_drop(db: Session, held: _Held, effective_date: object) -> date:
    _require_droppable(held)
    day = _class_date(db, held, held.cls, held.slot, effective_date)
    _refuse_pending(db, held.enrollment.id)
    return day
