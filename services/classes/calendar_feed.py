"""A private iCalendar feed per student: the next eight weeks of class meetings, booked makeup
visits and reported absences, for a parent's phone calendar.

The link holds `<student id>.<signature>`, or `<student id>.<link version>.<signature>` once
the link was reset (services.kernel.signing, purpose "ical"); whoever has it can read the feed, so
it is shown only to the family and staff. Links do not expire. "Reset this link"
(services.families.code_resets) adds one to the student's `calendar_link_version`, so the old link
answers 404 at once; changing the app secret still replaces them all.

Choices (RFC 5545): times are UTC (`DTSTART:…Z`), which every client converts to local time
and which needs no VTIMEZONE block. A meeting the student will miss stays in the feed with
"(absent)" in its summary and as free time (TRANSP:TRANSPARENT) rather than as
STATUS:CANCELLED, because several calendar apps silently drop cancelled events from
subscriptions and the parent should see that the absence is on record. Each meeting has a
stable UID (`enrollment-<id>-<date>@cartwheel`), so a refresh updates rather than duplicates.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Student,
)
from services.classes.attendance import enrollment_rows, last_day
from services.kernel import clock, signing
from services.kernel.access import Actor
from services.kernel.closure_days import closed_days
from services.kernel.lookups import slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import meeting_dates, meeting_end, meeting_start
from services.kernel.settings import get_settings

PURPOSE = "ical"
HORIZON_DAYS = 56  # eight weeks from today, today included
MAX_LINE_OCTETS = 75
PRODID = "-//Cartwheel//Student calendar//EN"
REFRESH = "PT6H"
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class _Meeting:
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    absent: bool


def student_calendar_url_token(db: Session, actor: Actor, student_id: int) -> str:
    """The private token for `/calendar/<token>.ics` of a student the actor may reach."""
    return link_token_for(student_in_reach(db, actor, student_id))


def link_token_for(student: Student) -> str:
    """Version 1 keeps the form of the links handed out before resets existed."""
    version = student.calendar_link_version
    payload = str(student.id) if version == 1 else f"{student.id}.{version}"
    return signing.sign(PURPOSE, payload)


def calendar_ics(db: Session, token: str) -> str | None:
    """The student's feed as iCalendar text, or None for a bad token or a student who has
    left. The token is the only credential: there is no signed-in actor here."""
    student = _link_holder(db, signing.verify(PURPOSE, token))
    if student is None or not student.is_active:
        return None
    meetings = _meetings(db, student)
    business = get_settings(db).business_name
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'{student.first_name} – {business}')}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    stamp = _utc(clock.now())
    for meeting in meetings:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{meeting.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(meeting.start)}",
            f"DTEND:{_utc(meeting.end)}",
            f"SUMMARY:{escape_text(meeting.summary)}",
            f"LOCATION:{escape_text(meeting.location)}",
            f"DESCRIPTION:{escape_text(meeting.description)}",
            "STATUS:CONFIRMED",
            f"TRANSP:{'TRANSPARENT' if meeting.absent else 'OPAQUE'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and newline escaped; other control
    characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(c for c in value if c == "\n" or unicodedata.category(c) != "Cc")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a UTF-8 character;
    each continuation starts with a space (RFC 5545 section 3.1)."""
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _link_holder(db: Session, payload: str | None) -> Student | None:
    """The student of a genuine link that was not reset since it was given out."""
    parts = (payload or "").split(".")
    if len(parts) > 2 or not all(part.isascii() and part.isdecimal() for part in parts):
        return None
    numbers = [int(part) for part in parts]
    if not all(0 < number <= MAX_ID for number in numbers):
        return None
    student = db.get(Student, numbers[0])
    version = numbers[1] if len(numbers) == 2 else 1
    if student is None or student.calendar_link_version != version:
        return None
    return student


def _meetings(db: Session, student: Student) -> list[_Meeting]:
    """Two queries: the student's active places and makeup visits that can still meet within
    the horizon, and their reported absences. Each location's own today starts its window."""
    utc_today = clock.today_in("UTC")
    earliest, latest = utc_today - timedelta(days=1), utc_today + timedelta(days=HORIZON_DAYS)
    absent = {
        (row.class_id, row.class_date)
        for row in db.execute(
            select(FutureAbsence.class_id, FutureAbsence.class_date).where(
                FutureAbsence.student_id == student.id,
                FutureAbsence.class_date.between(earliest, latest),
                FutureAbsence.cancelled_at.is_(None),
            )
        )
    }
    rows = enrollment_rows(
        db,
        Enrollment.student_id == student.id,
        Enrollment.status == EnrollmentStatus.ACTIVE,
        GymClass.is_active.is_(True),
        Enrollment.start_date <= latest,
        or_(Enrollment.end_date.is_(None), Enrollment.end_date >= earliest),
        or_(Enrollment.type != EnrollmentType.MAKEUP, Enrollment.start_date >= earliest),
    )
    closed = closed_days(db, {row.GymClass.location_id for row in rows}, earliest, latest)
    meetings = []
    for row in rows:
        enrollment: Enrollment = row.Enrollment
        today = clock.today_in(row.timezone)
        last = min(today + timedelta(days=HORIZON_DAYS - 1), last_day(enrollment) or latest)
        slot = slot_of(row.GymClass, row.timezone)
        for day in meeting_dates(slot, max(today, enrollment.start_date), last):
            if closed.closed(row.GymClass.location_id, day):
                continue
            meetings.append(_meeting(student, row, day, (enrollment.class_id, day) in absent))
    return sorted(meetings, key=lambda m: (m.start, m.uid))


def _meeting(student: Student, row: Row[Any], day: date, absent: bool) -> _Meeting:
    cls: GymClass = row.GymClass
    slot = slot_of(cls, row.timezone)
    makeup = row.Enrollment.type is EnrollmentType.MAKEUP
    summary = f"{student.first_name}: {'Makeup – ' if makeup else ''}{cls.name}"
    details = [f"{row.program} – {row.level}"]
    if cls.instructor_name:
        details.append(f"Instructor: {cls.instructor_name}")
    if makeup:
        details.append("Makeup class.")
    if absent:
        details.append("You reported that the student will be absent.")
    return _Meeting(
        uid=f"enrollment-{row.Enrollment.id}-{day:%Y%m%d}@cartwheel",
        start=meeting_start(slot, day),
        end=meeting_end(slot, day),
        summary=f"{summary} (absent)" if absent else summary,
        location=", ".join(p for p in (row.location_name, row.address_line1, row.city) if p),
        description="\n".join(details),
        absent=absent,
    )
