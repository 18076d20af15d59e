"""What a closure owes: the meetings it cancels, the students on their rosters, and for each
student and meeting one remedy (a makeup token, a ledger credit or nothing), claimed through
the unique (student, class, date) key of `closure_remedies` so it is issued exactly once.

Decisions (docs/decisions.md):
- A regular or trial student gets what the `closure_remedy` setting says. A makeup visit or
  a punch-pass drop-in was paid with a token or a punch, so it is always given back as a
  makeup token.
- A credit is the class's monthly tuition divided by its meetings that month (the closed ones
  included), rounded half up to the cent; a free class gives nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data.models import (
    Closure,
    ClosureRemedy,
    GymClass,
    LedgerEntry,
    LedgerKind,
    Location,
    MakeupToken,
    Student,
    TokenState,
)
from services.desk.rosters import DROP_IN, roster_lines
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.lookups import slot_of
from services.kernel.schedule import WeeklySlot, meeting_dates
from services.kernel.settings import get_settings
from services.makeups.wording import short_day

PAID_VISITS = frozenset({"makeup", DROP_IN})


@dataclass(frozen=True)
class Remedy:
    """One student's cancelled meeting and what it gave, for the family's e-mail."""

    family_id: int
    student_name: str
    class_name: str
    day: date
    kind: str  # token, credit or none
    amount_cents: int


@dataclass(frozen=True)
class _Meeting:
    cls: GymClass
    slot: WeeklySlot
    day: date


def cancelled_meetings(db: Session, closure: Closure) -> list[_Meeting]:
    """The meetings of active classes the closure's days cancel, by day and start time."""
    query = (
        select(GymClass, Location.timezone)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            GymClass.is_active.is_(True),
            GymClass.term_start <= closure.last_day,
            GymClass.term_end >= closure.first_day,
        )
    )
    if closure.location_id is not None:
        query = query.where(GymClass.location_id == closure.location_id)
    meetings = []
    for cls, timezone in db.execute(query):
        slot = slot_of(cls, timezone)
        meetings.extend(
            _Meeting(cls, slot, day)
            for day in meeting_dates(slot, closure.first_day, closure.last_day)
        )
    return sorted(meetings, key=lambda m: (m.day, m.cls.start_time, m.cls.id))


def issue_remedies(
    db: Session, actor: Actor, closure: Closure, meetings: list[_Meeting]
) -> list[Remedy]:
    """Claim and issue the remedy of every student on the cancelled meetings' rosters; a
    meeting already claimed (by this closure earlier, another one, or a concurrent run) is
    skipped. Returns only what this call issued. In the caller's transaction."""
    setting = get_settings(db).closure_remedy
    by_day: dict[date, list[_Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_day[meeting.day].append(meeting)
    issued = []
    for day, day_meetings in by_day.items():
        rosters = roster_lines(db, [m.cls.id for m in day_meetings], day)
        for meeting in day_meetings:
            for line in rosters.get(meeting.cls.id, ()):
                kind = "token" if line.enrollment_type in PAID_VISITS else setting
                remedy = _issue(db, actor, closure, meeting, line.student_id, kind)
                if remedy is not None:
                    issued.append(remedy)
    return issued


def _issue(
    db: Session, actor: Actor, closure: Closure, meeting: _Meeting, student_id: int, kind: str
) -> Remedy | None:
    student = db.get(Student, student_id)
    if student is None:
        return None
    amount = meeting_share(meeting.cls, meeting.slot, meeting.day) if kind == "credit" else 0
    if kind == "credit" and amount == 0:
        kind = "none"
    remedy_id = _claim(db, closure, meeting, student, kind)
    if remedy_id is None:
        return None
    what = f"{meeting.cls.name} on {short_day(meeting.day)} {meeting.day.year}"
    note = f"Closed ({closure.reason}): {what}"[:300]
    if kind == "token":
        token = _token(db, student, meeting, note)
        db.execute(
            update(ClosureRemedy).where(ClosureRemedy.id == remedy_id).values(token_id=token.id)
        )
    elif kind == "credit":
        entry = _credit(db, actor, student, meeting, amount, note)
        db.execute(
            update(ClosureRemedy)
            .where(ClosureRemedy.id == remedy_id)
            .values(ledger_entry_id=entry.id)
        )
    return Remedy(
        student.family_id, student.first_name, meeting.cls.name, meeting.day, kind, amount
    )


def _claim(
    db: Session, closure: Closure, meeting: _Meeting, student: Student, kind: str
) -> int | None:
    """Insert the remedy's row unless the meeting already has one for the student: the id,
    or None. ON CONFLICT DO NOTHING waits for a concurrent claim and then yields to it."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(ClosureRemedy)
        .values(
            closure_id=closure.id,
            student_id=student.id,
            family_id=student.family_id,
            class_id=meeting.cls.id,
            class_date=meeting.day,
            kind=kind,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["student_id", "class_id", "class_date"])
        .returning(ClosureRemedy.id)
    )
    return db.scalar(statement)


def meeting_share(cls: GymClass, slot: WeeklySlot, day: date) -> int:
    """The class's monthly tuition over its meetings in `day`'s month, rounded half up."""
    first = day.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    count = sum(1 for _ in meeting_dates(slot, first, last))
    return (2 * cls.tuition_cents + count) // (2 * count) if count else 0


def _token(db: Session, student: Student, meeting: _Meeting, note: str) -> MakeupToken:
    issued = clock.today_in(meeting.slot.timezone)
    token = MakeupToken(
        family_id=student.family_id,
        student_id=student.id,
        location_id=meeting.cls.location_id,
        state=TokenState.AVAILABLE,
        issued_on=issued,
        expires_on=issued + timedelta(days=get_settings(db).makeup_token_expiry_days),
        source_note=note,
    )
    db.add(token)
    db.flush()
    return token


def _credit(
    db: Session, actor: Actor, student: Student, meeting: _Meeting, amount: int, note: str
) -> LedgerEntry:
    entry = LedgerEntry(
        family_id=student.family_id,
        location_id=meeting.cls.location_id,
        student_id=student.id,
        kind=LedgerKind.CREDIT,
        is_debit=False,
        amount_cents=amount,
        description=note,
        posted_at=clock.now(),
        service_date=meeting.day,
        created_by_user_id=actor.user_row_id,
    )
    db.add(entry)
    db.flush()
    return entry
