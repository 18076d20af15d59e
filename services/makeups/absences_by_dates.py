"""Future absences reported by dates: every meeting of a student's current classes and booked
makeup visits that starts within a window (services.makeups.absences_by_class reports by class).

Settings: `future_absences_enabled` governs guardians (staff at the desk may still record a
phoned-in absence); the token policy is in services.makeups.absence_tokens.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from services.families.requests import clean_note
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import FeatureDisabled, ValidationError
from services.kernel.reach import student_in_reach
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.absence_marking import AbsenceOutcome, _mark
from services.makeups.absence_meetings import (
    _enrollment_rows,
    _instant,
    _is_aware,
    _meetings_within,
    _without_closed,
)

MAX_SPAN = timedelta(days=60)
# A form left open a few minutes still means "from now".
START_GRACE = timedelta(minutes=15)
JUST_MARKED = "Those classes were just marked absent; refresh the page to see them."


def report_absence_by_dates(
    db: Session,
    actor: Actor,
    student_id: int,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> AbsenceOutcome:
    """Mark every meeting of the student's current classes and booked makeup visits that starts
    within [starts_at, ends_at]. Aware datetimes are instants; naive ones (straight from date
    and time widgets) are wall-clock times at each class's location."""
    require_id(student_id, "student")
    _require_window(starts_at, ends_at)
    note = clean_note(reason)
    settings = get_settings(db)
    _require_absences(actor, settings)
    with write_transaction(db, conflict=JUST_MARKED):
        student = student_in_reach(db, actor, student_id)
        rows = _enrollment_rows(db, actor, student.id, active_only=True)
        now = clock.now()
        zones = {row.timezone for row in rows} or {"UTC"}
        if any(_instant(starts_at, zone) < now - START_GRACE for zone in zones):
            raise ValidationError("The absence must start in the future.")
        meetings = _without_closed(
            db,
            sorted(
                (m for row in rows for m in _meetings_within(row, starts_at, ends_at, now)),
                key=lambda m: (m.starts_at, m.class_name, m.class_id),
            ),
        )
        if not meetings:
            raise ValidationError(f"{student.first_name} has no classes in that period.")
        return _mark(db, actor, student, meetings, note, settings)


def _require_absences(actor: Actor, settings: PortalSettings) -> None:
    if actor.is_guardian and not settings.future_absences_enabled:
        raise FeatureDisabled("Reporting absences ahead of time is switched off.")


def _require_window(starts_at: object, ends_at: object) -> None:
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise ValidationError("Choose when the absence starts and ends (date and time).")
    if _is_aware(starts_at) != _is_aware(ends_at):
        raise ValidationError("The start and the end must be given the same way.")
    if ends_at <= starts_at:
        raise ValidationError("The end of the absence must be after its start.")
    if ends_at - starts_at > MAX_SPAN:
        raise ValidationError(
            f"An absence can cover at most {MAX_SPAN.days} days; "
            "report a longer one to the front desk."
        )
