"""Reporting absences by class: the meetings on one date of the chosen enrollments.

A report of several classes records every class that can be marked and names each one left
out with its reason (decision "Absences by class: record what can be, name what is skipped",
docs/decisions.md); it is refused only when none can be marked, and the refusal
gives every reason. Booked makeup visits are not reported here: they are cancelled on the
Makeups tab, which also returns their token.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from data.models import EnrollmentType
from services.families.requests import clean_note
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import NotFound, ValidationError
from services.kernel.reach import student_in_reach
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.absence_marking import AbsenceOutcome, _mark
from services.makeups.absence_meetings import _enrollment_rows, _meeting_on, _open
from services.makeups.absences_by_dates import JUST_MARKED, _require_absences
from services.makeups.wording import require_day, short_day

MAX_ENROLLMENTS = 20


def report_absence_by_enrollment(
    db: Session,
    actor: Actor,
    student_id: int,
    enrollment_ids: list[int],
    class_date: date,
    reason: str,
) -> AbsenceOutcome:
    """Mark the meetings on `class_date` of the chosen regular or trial enrollments; the
    outcome's `skipped` (and its message) names each chosen class that was not marked."""
    require_id(student_id, "student")
    ids = _require_ids(enrollment_ids)
    day = require_day(class_date, "date of the class")
    note = clean_note(reason)
    settings = get_settings(db)
    _require_absences(actor, settings)
    with write_transaction(db, conflict=JUST_MARKED):
        student = student_in_reach(db, actor, student_id)
        rows = {row.id: row for row in _enrollment_rows(db, actor, student.id, ids=ids)}
        now = clock.now()
        meetings, skipped = [], []
        for enrollment_id in ids:
            row = rows.get(enrollment_id)
            if row is None:  # another family's id answers like a missing one
                raise NotFound("enrollment")
            try:
                if row.type is EnrollmentType.MAKEUP:
                    raise ValidationError(
                        f"{student.first_name}'s makeup in {row.GymClass.name} on "
                        f"{short_day(row.start_date)} is not reported here: cancel it on the "
                        "Makeups tab."
                    )
                meetings.append(_open(db, _meeting_on(row, student, day, now)))
            except ValidationError as refused:
                skipped.append(refused.message)
        if not meetings:
            raise ValidationError(" ".join(skipped))
        try:
            outcome = _mark(db, actor, student, meetings, note, settings)
        except ValidationError as refused:  # every markable one was already marked
            raise ValidationError(" ".join([refused.message, *skipped])) from None
    if not skipped:
        return outcome
    return replace(
        outcome,
        skipped=tuple(skipped),
        message=f"{outcome.message} Not marked: {' '.join(skipped)}",
    )


def _require_ids(values: object) -> list[int]:
    if not isinstance(values, list | tuple) or not values:
        raise ValidationError("Choose at least one class.")
    if len(values) > MAX_ENROLLMENTS:
        raise ValidationError(f"Choose at most {MAX_ENROLLMENTS} classes at a time.")
    return list(dict.fromkeys(require_id(value, "enrollment") for value in values))
