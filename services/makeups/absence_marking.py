"""Marking meetings absent: one FutureAbsence row per meeting not marked yet (its seat can then
be lent to a makeup), the tokens those absences earn (services.makeups.absence_tokens), the
report's entry in the request tracker (an APPLIED absence request), the audit record, and the
sentences that tell the page what happened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data.models import (
    FutureAbsence,
    MakeupToken,
    ParentRequest,
    RequestKind,
    RequestStatus,
    Student,
)
from services.families.requests import open_request
from services.kernel import audit, clock
from services.kernel.access import Actor
from services.kernel.errors import ValidationError
from services.kernel.schedule import WEEKDAY_NAMES
from services.kernel.settings import PortalSettings
from services.makeups.absence_meetings import _Meeting
from services.makeups.absence_tokens import _no_token_reason, _token_values
from services.makeups.wording import MONTHS, join_words, long_date, short_day


@dataclass(frozen=True)
class MarkedMeeting:
    absence_id: int
    enrollment_id: int | None
    class_id: int
    class_name: str
    class_date: date
    start_time: time  # wall-clock time at the location
    location_id: int
    location_name: str
    is_makeup_visit: bool
    token_id: int | None  # the makeup token this absence earned
    token_expires_on: date | None
    no_token_reason: str | None  # why no token was earned; None when one was, or tokens are off


@dataclass(frozen=True)
class MeetingRef:
    class_id: int
    class_name: str
    class_date: date


@dataclass(frozen=True)
class AbsenceOutcome:
    student_id: int
    marked: tuple[MarkedMeeting, ...]
    already_reported: tuple[MeetingRef, ...]  # skipped: marked absent before
    token_ids: tuple[int, ...]  # for the absence → makeup shortcut (makeup_visits.makeup_options)
    request_id: int  # the absence's entry in the request tracker
    message: str  # a plain sentence or two for the page
    skipped: tuple[str, ...] = ()  # why each chosen class was not marked (by class only)


def _mark(
    db: Session,
    actor: Actor,
    student: Student,
    meetings: list[_Meeting],
    reason: str,
    settings: PortalSettings,
) -> AbsenceOutcome:
    """Record the absences and their tokens with a tracker entry; describe the outcome (the
    caller's transaction commits)."""
    marked, repeats = _record(
        db, student, meetings, reason, settings, reported_by=actor.user_id, at=clock.now()
    )
    request = _track(db, actor, student, marked, reason)
    _audit(db, actor, student, marked, "absence.reported")
    return AbsenceOutcome(
        student_id=student.id,
        marked=marked,
        already_reported=repeats,
        token_ids=tuple(m.token_id for m in marked if m.token_id is not None),
        request_id=request.id,
        message=_message(actor, student, marked, repeats, settings),
    )


def _record(
    db: Session,
    student: Student,
    meetings: list[_Meeting],
    reason: str,
    settings: PortalSettings,
    *,
    reported_by: int | None,
    at: datetime,
) -> tuple[tuple[MarkedMeeting, ...], tuple[MeetingRef, ...]]:
    """Add an absence per meeting not marked yet, and the tokens earned by reporting `at`."""
    unique: dict[tuple[int, date], _Meeting] = {}
    for m in meetings:
        unique.setdefault((m.class_id, m.day), m)
    meetings = list(unique.values())
    existing = {
        (row.class_id, row.class_date)
        for row in db.execute(
            select(FutureAbsence.class_id, FutureAbsence.class_date).where(
                FutureAbsence.student_id == student.id,
                FutureAbsence.cancelled_at.is_(None),
                FutureAbsence.class_date.in_({m.day for m in meetings}),
            )
        )
    }
    fresh = [m for m in meetings if (m.class_id, m.day) not in existing]
    if not fresh:
        raise ValidationError(
            f"{_meetings_phrase(student, [m.day for m in meetings])} "
            f"{'is' if len(meetings) == 1 else 'are'} already marked absent."
        )
    # Core INSERT … RETURNING: one statement for any number of rows on both databases.
    absence_ids = {
        (row.class_id, row.class_date): row.id
        for row in db.execute(
            insert(FutureAbsence).returning(
                FutureAbsence.id, FutureAbsence.class_id, FutureAbsence.class_date
            ),
            [
                {
                    "student_id": student.id,
                    "class_id": m.class_id,
                    "enrollment_id": m.enrollment_id,
                    "class_date": m.day,
                    "reason": reason,
                    "reported_by_user_id": reported_by,
                    "reported_at": at,
                }
                for m in fresh
            ],
        )
    }
    excuses = {m: _no_token_reason(m, settings, at) for m in fresh}
    earned = {
        absence_ids[(m.class_id, m.day)]: _token_values(student, m, settings)
        for m in fresh
        if settings.makeup_tokens_enabled and excuses[m] is None
    }
    token_ids = {}
    if earned:
        token_ids = {
            row.source_absence_id: row.id
            for row in db.execute(
                insert(MakeupToken).returning(MakeupToken.id, MakeupToken.source_absence_id),
                [{**values, "source_absence_id": key} for key, values in earned.items()],
            )
        }
    marked = []
    for m in fresh:
        absence_id = absence_ids[(m.class_id, m.day)]
        marked.append(
            MarkedMeeting(
                absence_id=absence_id,
                enrollment_id=m.enrollment_id,
                class_id=m.class_id,
                class_name=m.class_name,
                class_date=m.day,
                start_time=m.start_time,
                location_id=m.location_id,
                location_name=m.location_name,
                is_makeup_visit=m.is_makeup_visit,
                token_id=token_ids.get(absence_id),
                token_expires_on=earned[absence_id]["expires_on"] if absence_id in earned else None,
                no_token_reason=excuses[m],
            )
        )
    repeats = tuple(
        MeetingRef(m.class_id, m.class_name, m.day)
        for m in meetings
        if (m.class_id, m.day) in existing
    )
    return tuple(marked), repeats


def _audit(
    db: Session, actor: Actor, student: Student, marked: Sequence[MarkedMeeting], action: str
) -> None:
    audit.record(
        db,
        actor,
        action,
        entity="student",
        entity_id=student.id,
        family_id=student.family_id,
        details={
            "absence_ids": [m.absence_id for m in marked],
            "token_ids": [m.token_id for m in marked if m.token_id is not None],
        },
    )


def _track(
    db: Session, actor: Actor, student: Student, marked: Sequence[MarkedMeeting], reason: str
) -> ParentRequest:
    """The report's entry in the request tracker: applied at once."""
    first = marked[0]
    single_class = len({m.class_id for m in marked}) == 1
    return open_request(
        db,
        actor,
        kind=RequestKind.ABSENCE,
        student=student,
        location_id=first.location_id,
        enrollment_id=first.enrollment_id if len(marked) == 1 else None,
        target_class_id=first.class_id if single_class else None,
        effective_date=first.class_date,
        details={
            "absence_ids": [m.absence_id for m in marked],
            "class_dates": sorted({m.class_date.isoformat() for m in marked}),
            "token_ids": [m.token_id for m in marked if m.token_id is not None],
        },
        parent_note=reason,
        status=RequestStatus.APPLIED,
    )


def _meetings_phrase(student: Student, days: Sequence[date]) -> str:
    """'Maya's Tuesday 24 Nov class', 'Maya's classes on Tue 1 Dec and Thu 3 Dec', ..."""
    unique = sorted(set(days))
    name = f"{student.first_name}'s"
    if len(days) == 1:
        day = unique[0]
        return f"{name} {WEEKDAY_NAMES[day.weekday()]} {day.day} {MONTHS[day.month - 1]} class"
    if len(unique) <= 4:
        return f"{name} classes on {join_words([short_day(d) for d in unique])}"
    return f"{name} {len(days)} classes from {short_day(unique[0])} to {short_day(unique[-1])}"


def _message(
    actor: Actor,
    student: Student,
    marked: Sequence[MarkedMeeting],
    repeats: Sequence[MeetingRef],
    settings: PortalSettings,
) -> str:
    verb = "is" if len(marked) == 1 else "are"
    sentences = [
        f"{_meetings_phrase(student, [m.class_date for m in marked])} {verb} marked absent."
    ]
    groups: dict[tuple[str, date], int] = defaultdict(int)
    for m in marked:
        if m.token_expires_on is not None:
            groups[(m.location_name, m.token_expires_on)] += 1
    if groups:
        earned = sum(groups.values())
        who = "You earned" if actor.is_guardian else "The family earned"
        count = f"{earned} makeup token{'s' if earned > 1 else ''}"
        if len(groups) == 1:
            ((place, until),) = groups
            sentences.append(f"{who} {count}, usable at {place} until {long_date(until)}.")
        else:
            parts = [
                f"{n} at {place} until {long_date(until)}" for (place, until), n in groups.items()
            ]
            sentences.append(f"{who} {count}: {join_words(parts)}.")
    late = [m.class_date for m in marked if m.token_id is None and not m.is_makeup_visit]
    if settings.makeup_tokens_enabled and late:
        sentences.append(
            f"No makeup token for {join_words([short_day(d) for d in sorted(set(late))])}: "
            f"an absence earns one only when reported at least {settings.makeup_notice_hours} "
            "hours before class."
        )
    if settings.makeup_tokens_enabled and any(m.is_makeup_visit for m in marked):
        sentences.append(
            "A makeup visit does not earn a new token; to get its token back, cancel the makeup "
            "instead."
        )
    if repeats:
        days = sorted({r.class_date for r in repeats})
        verb = "was" if len(repeats) == 1 else "were"
        sentences.append(
            f"{join_words([short_day(d) for d in days])} {verb} already marked absent."
        )
    return " ".join(sentences)
