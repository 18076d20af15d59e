"""Future absences: class meetings a student will miss, reported ahead of time.

Every marked meeting gets one FutureAbsence row (its seat can then be lent to a makeup). With
makeup tokens on, a regular or trial meeting reported at least `makeup_notice_hours` before it
starts earns one makeup token at the class's location; makeup visits earn none (cancelling the
makeup returns its token instead). Each report is also an APPLIED absence request, so the
request tracker lists it; cancelling notes it there. Pending absence requests (made through
staff) are approved by `apply_absence_request`, registered with services.desk.request_decisions.

Settings: `future_absences_enabled` governs guardians (staff at the desk may still record a
phoned-in absence); `makeup_tokens_enabled`, `makeup_notice_hours` and
`makeup_token_expiry_days` decide the tokens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from data.models import (
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Location,
    MakeupToken,
    ParentRequest,
    RequestKind,
    RequestStatus,
    Student,
    TokenState,
)
from services.families.requests import add_event, clean_note, open_request
from services.kernel import audit, clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import (
    WEEKDAY_NAMES,
    meeting_dates,
    meeting_end,
    meeting_start,
    meets_on,
)
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id

MAX_SPAN = timedelta(days=60)
# A form left open a few minutes still means "from now".
START_GRACE = timedelta(minutes=15)
JUST_MARKED = "Those classes were just marked absent; refresh the page to see them."
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
USED_STATES = (TokenState.PENDING, TokenState.SPENT)


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
    token_ids: tuple[int, ...]  # for the absence → makeup shortcut (makeups.makeup_options)
    request_id: int  # the absence's entry in the request tracker
    message: str  # a plain sentence or two for the page
    skipped: tuple[str, ...] = ()  # why each chosen class was not marked (by class only)


@dataclass(frozen=True)
class AbsenceView:
    id: int
    student_id: int
    class_id: int
    class_name: str
    class_date: date
    weekday_name: str
    start_time: time
    end_time: time
    location_name: str
    is_makeup_visit: bool
    reason: str
    token_id: int | None  # the token this absence earned, if any
    token_state: str | None
    can_cancel: bool
    why_not: str | None  # why it cannot be cancelled


@dataclass(frozen=True)
class _Meeting:
    enrollment_id: int
    is_makeup_visit: bool
    class_id: int
    class_name: str
    location_id: int
    location_name: str
    timezone: str
    day: date
    start_time: time
    starts_at: datetime  # UTC


# Shared with services.makeups.tokens: access, input checks and wording.


def reaches(actor: Actor, family_id: int, location_id: int) -> bool:
    """A guardian reaches their family's records; staff those at their locations; admins all."""
    if actor.is_admin:
        return True
    if actor.is_staff:
        return location_id in actor.location_ids
    return actor.family_id is not None and actor.family_id == family_id


def class_record_in_reach(
    db: Session,
    actor: Actor,
    model: type[FutureAbsence] | type[Enrollment],
    record_id: int,
    what: str,
) -> Row[Any]:
    """An absence or enrollment (fresh from the database) with its family id, class and time
    zone, if the actor reaches it; anything else answers like a missing record."""
    row = db.execute(
        select(model, Student.family_id, GymClass, Location.timezone)
        .join(Student, Student.id == model.student_id)
        .join(GymClass, GymClass.id == model.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(model.id == record_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or not reaches(actor, row.family_id, row.GymClass.location_id):
        raise NotFound(what)
    return row


def seen_locations(actor: Actor) -> frozenset[int] | None:
    """The locations a staff member's lists are limited to; None when there is no such limit."""
    return actor.location_ids if actor.is_staff and not actor.is_admin else None


def require_day(value: object, what: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(f"Choose the {what}.")
    return value


def short_day(day: date) -> str:
    """'Tue 1 Dec', in fixed English (strftime follows the server's locale)."""
    return f"{WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1]}"


def long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def clock_time(moment: time) -> str:
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def meeting_times(cls: GymClass, timezone: str, day: date) -> tuple[datetime, datetime]:
    """A meeting's start and end as UTC instants."""
    slot = slot_of(cls, timezone)
    return meeting_start(slot, day), meeting_end(slot, day)


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# Reporting


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
        meetings = sorted(
            (m for row in rows for m in _meetings_within(row, starts_at, ends_at, now)),
            key=lambda m: (m.starts_at, m.class_name, m.class_id),
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


def _is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _instant(moment: datetime, timezone: str) -> datetime:
    """An aware instant; a naive value is read as wall-clock time in `timezone`."""
    return moment if _is_aware(moment) else moment.replace(tzinfo=ZoneInfo(timezone))


def _enrollment_rows(
    db: Session,
    actor: Actor,
    student_id: int,
    *,
    active_only: bool = False,
    ids: Iterable[int] = (),
) -> Sequence[Row[Any]]:
    query = (
        select(
            Enrollment.id,
            Enrollment.type,
            Enrollment.status,
            Enrollment.start_date,
            Enrollment.end_date,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(Enrollment.student_id == student_id)
    )
    if active_only:
        query = query.where(
            Enrollment.status == EnrollmentStatus.ACTIVE, GymClass.is_active.is_(True)
        )
    else:
        query = query.where(Enrollment.id.in_(list(ids)))
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    return db.execute(query).all()


def _meeting(row: Row[Any], day: date) -> _Meeting:
    cls: GymClass = row.GymClass
    return _Meeting(
        enrollment_id=row.id,
        is_makeup_visit=row.type is EnrollmentType.MAKEUP,
        class_id=cls.id,
        class_name=cls.name,
        location_id=cls.location_id,
        location_name=row.location_name,
        timezone=row.timezone,
        day=day,
        start_time=cls.start_time,
        starts_at=meeting_start(slot_of(cls, row.timezone), day),
    )


def _meetings_within(
    row: Row[Any], starts_at: datetime, ends_at: datetime, now: datetime
) -> Iterator[_Meeting]:
    """Meetings of one enrollment that start in the window and have not started yet."""
    zone = row.timezone
    low, high = _instant(starts_at, zone), _instant(ends_at, zone)
    if row.type is EnrollmentType.MAKEUP:
        days: Iterable[date] = (row.start_date,)
    else:
        first = max(row.start_date, low.astimezone(ZoneInfo(zone)).date())
        last = high.astimezone(ZoneInfo(zone)).date()
        if row.end_date is not None:
            last = min(last, row.end_date)
        days = meeting_dates(slot_of(row.GymClass, zone), first, last)
    for day in days:
        meeting = _meeting(row, day)
        if low <= meeting.starts_at <= high and meeting.starts_at > now:
            yield meeting


def _meeting_on(row: Row[Any] | None, student: Student, day: date, now: datetime) -> _Meeting:
    """The enrollment's meeting on `day`, or a refusal saying why there is none to mark."""
    if row is None:
        raise NotFound("enrollment")
    name = row.GymClass.name
    if row.status is not EnrollmentStatus.ACTIVE or not row.GymClass.is_active:
        raise ValidationError(f"{student.first_name} is no longer in {name}.")
    if row.type is EnrollmentType.MAKEUP:
        if day != row.start_date:
            raise ValidationError(
                f"{student.first_name}'s makeup in {name} is on {short_day(row.start_date)}."
            )
    elif not meets_on(slot_of(row.GymClass, row.timezone), day):
        raise ValidationError(f"{name} does not meet on {short_day(day)}.")
    elif day < row.start_date or (row.end_date is not None and day > row.end_date):
        raise ValidationError(f"{student.first_name} is not in {name} on {short_day(day)}.")
    meeting = _meeting(row, day)
    if meeting.starts_at <= now:
        raise ValidationError(f"{name} on {short_day(day)} has already started.")
    return meeting


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


def _no_token_reason(
    meeting: _Meeting, settings: PortalSettings, reported_at: datetime
) -> str | None:
    if not settings.makeup_tokens_enabled:
        return None
    if meeting.is_makeup_visit:
        return "a makeup visit does not earn a token"
    if meeting.starts_at - reported_at < timedelta(hours=settings.makeup_notice_hours):
        return f"reported less than {settings.makeup_notice_hours} hours before class"
    return None


def _token_values(student: Student, meeting: _Meeting, settings: PortalSettings) -> dict[str, Any]:
    """The columns of the token an absence from `meeting` earns (issued today at the class's
    location)."""
    issued = clock.today_in(meeting.timezone)
    return {
        "family_id": student.family_id,
        "student_id": student.id,
        "location_id": meeting.location_id,
        "state": TokenState.AVAILABLE,
        "issued_on": issued,
        "expires_on": issued + timedelta(days=settings.makeup_token_expiry_days),
        "source_note": (
            f"Absence from {meeting.class_name} on {short_day(meeting.day)} {meeting.day.year}"
        )[:300],
    }


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


# Listing and cancelling


def future_absences(db: Session, actor: Actor, student_id: int) -> list[AbsenceView]:
    """The student's scheduled absences whose meeting has not started, soonest first."""
    require_id(student_id, "student")
    _require_absences(actor, get_settings(db))
    student = student_in_reach(db, actor, student_id)
    booked = aliased(Enrollment)
    query = (
        select(
            FutureAbsence.id,
            FutureAbsence.class_date,
            FutureAbsence.reason,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
            Enrollment.type.label("enrollment_type"),
            MakeupToken.id.label("token_id"),
            MakeupToken.state.label("token_state"),
            booked.start_date.label("makeup_date"),
        )
        .join(GymClass, GymClass.id == FutureAbsence.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .outerjoin(Enrollment, Enrollment.id == FutureAbsence.enrollment_id)
        .outerjoin(MakeupToken, MakeupToken.source_absence_id == FutureAbsence.id)
        .outerjoin(booked, booked.id == MakeupToken.makeup_enrollment_id)
        .where(
            FutureAbsence.student_id == student.id,
            FutureAbsence.cancelled_at.is_(None),
            # Narrowed in SQL around UTC's today; each meeting's own start decides below.
            FutureAbsence.class_date >= clock.today_in("UTC") - timedelta(days=1),
        )
        .order_by(FutureAbsence.class_date, GymClass.start_time, FutureAbsence.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    now = clock.now()
    views = []
    for row in db.execute(query):
        slot = slot_of(row.GymClass, row.timezone)
        if meeting_start(slot, row.class_date) <= now:
            continue
        why_not = _token_in_use(row.token_state, row.makeup_date)
        views.append(
            AbsenceView(
                id=row.id,
                student_id=student.id,
                class_id=row.GymClass.id,
                class_name=row.GymClass.name,
                class_date=row.class_date,
                weekday_name=WEEKDAY_NAMES[row.class_date.weekday()],
                start_time=slot.start_time,
                end_time=slot.end_time,
                location_name=row.location_name,
                is_makeup_visit=row.enrollment_type is EnrollmentType.MAKEUP,
                reason=row.reason,
                token_id=row.token_id,
                token_state=row.token_state.value if row.token_state else None,
                can_cancel=why_not is None,
                why_not=why_not,
            )
        )
    return views


def cancel_absence(db: Session, actor: Actor, absence_id: int) -> None:
    """Take back an absence before its meeting starts. A token it earned is withdrawn (deleted:
    it was never owed; the audit log keeps the facts) unless it is already booked or used."""
    require_id(absence_id, "absence")
    _require_absences(actor, get_settings(db))
    with write_transaction(db):
        row = class_record_in_reach(db, actor, FutureAbsence, absence_id, "absence")
        absence: FutureAbsence = row.FutureAbsence
        name, day = row.GymClass.name, absence.class_date
        if absence.cancelled_at is not None:
            raise ValidationError("That absence was already cancelled.")
        if meeting_start(slot_of(row.GymClass, row.timezone), day) <= clock.now():
            raise ValidationError(
                f"{name} on {short_day(day)} has already started; its absence stays on record."
            )
        token_id = _withdraw_token(db, absence.id)
        cancelled = db.execute(
            update(FutureAbsence)
            .where(FutureAbsence.id == absence.id, FutureAbsence.cancelled_at.is_(None))
            .values(cancelled_at=clock.now())
            .execution_options(synchronize_session=False)
        ).rowcount
        if cancelled != 1:
            raise ValidationError("That absence was already cancelled.")
        _untrack(db, actor, absence, f"{name} on {short_day(day)} will not be missed after all.")
        audit.record(
            db,
            actor,
            "absence.cancelled",
            entity="future_absence",
            entity_id=absence.id,
            family_id=row.family_id,
            details={"withdrawn_token_id": token_id},
        )


def _token_in_use(state: TokenState | None, makeup_date: date | None) -> str | None:
    if state is TokenState.PENDING and makeup_date is not None:
        return f"Its makeup token is booked for {short_day(makeup_date)}; cancel that makeup first."
    if state in USED_STATES:
        return "Its makeup token has already been used."
    return None


def _withdraw_token(db: Session, absence_id: int) -> int | None:
    """Delete the unused token the absence earned; refuse when it is booked or spent."""
    booked = aliased(Enrollment)
    token = db.execute(
        select(MakeupToken.id, MakeupToken.state, booked.start_date)
        .outerjoin(booked, booked.id == MakeupToken.makeup_enrollment_id)
        .where(MakeupToken.source_absence_id == absence_id)
    ).first()
    if token is None:
        return None
    in_use = _token_in_use(token.state, token.start_date)
    if in_use:
        raise ValidationError(f"This absence cannot be cancelled. {in_use}")
    deleted = db.execute(
        delete(MakeupToken)
        .where(
            MakeupToken.id == token.id,
            MakeupToken.state.in_((TokenState.AVAILABLE, TokenState.EXPIRED)),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if deleted != 1:
        raise ValidationError(
            "The makeup token from this absence was just booked; cancel that makeup first."
        )
    return token.id


def _untrack(db: Session, actor: Actor, absence: FutureAbsence, note: str) -> None:
    """Note the cancellation on the report's tracker entry; cancel it once nothing is left."""
    candidates = db.scalars(
        select(ParentRequest)
        .where(
            ParentRequest.student_id == absence.student_id,
            ParentRequest.kind == RequestKind.ABSENCE,
            ParentRequest.status == RequestStatus.APPLIED,
            ParentRequest.effective_date <= absence.class_date,
            ParentRequest.effective_date >= absence.class_date - MAX_SPAN - timedelta(days=1),
        )
        .execution_options(populate_existing=True)
    )
    request = next(
        (r for r in candidates if absence.id in (r.details or {}).get("absence_ids", [])), None
    )
    if request is None:
        return
    remaining = db.scalar(
        select(func.count())
        .select_from(FutureAbsence)
        .where(
            FutureAbsence.id.in_(request.details["absence_ids"]),
            FutureAbsence.cancelled_at.is_(None),
        )
    )
    status = RequestStatus.APPLIED if remaining else RequestStatus.CANCELLED
    request.status = status
    add_event(db, actor, request, status, note)


# Staff approving a parent's absence request (services.desk.request_decisions)


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
    meeting = _meeting_on(rows[0] if rows else None, student, request.effective_date, clock.now())
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
