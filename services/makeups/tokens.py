"""Makeup tokens and makeup visits; makeup requests to staff when tokens are off.

A token is AVAILABLE at one location until it expires; booking a makeup flips it to PENDING
with a conditional UPDATE (so it is redeemed at most once, by its family, before expiry, at
its location) while the class row is locked for the seat count; it becomes SPENT once the
makeup's date has passed, and cancelling the makeup before the cutoff returns it. States
are settled lazily when a student's tokens are read.

A token books a class of the same program and level as the class it came from (its source
absence's class). A token with no source absence (a cancelled class, a goodwill token)
matches the program and level of any of the student's current classes at its location.

Settings refuse guardians only (staff acting at the desk are not limited by them):
`makeup_tokens_enabled` for tokens; `makeup_requests_enabled` (with tokens off) for requests;
`makeup_booking_window_days` and `makeup_notice_hours` (the cancel cutoff) apply to everyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Row, Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from data.models import (
    Attendance,
    Enrollment,
    EnrollmentStatus,
    EnrollmentType,
    FutureAbsence,
    GymClass,
    Level,
    Location,
    MakeupToken,
    ParentRequest,
    Program,
    RequestKind,
    Student,
    TokenState,
)
from services.classes.capacity import ONGOING_TYPES, bookings, lock_class, open_seats_on
from services.families.requests import OPEN_STATUSES, clean_note, open_request
from services.kernel import audit, clock
from services.kernel.access import Actor, require_location, require_staff
from services.kernel.errors import FeatureDisabled, NotFound, ValidationError
from services.kernel.lookups import class_with_slot, slot_of
from services.kernel.reach import student_in_reach
from services.kernel.schedule import WEEKDAY_NAMES, WeeklySlot, meeting_dates, meets_on
from services.kernel.settings import PortalSettings, get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id
from services.makeups.absences import (
    class_record_in_reach,
    clock_time,
    long_date,
    meeting_times,
    reaches,
    require_day,
    seen_locations,
    short_day,
)

MAX_WEEKS = 12
FULL, WINDOW, EXPIRED, BOOKED = (
    "class full",
    "outside the booking window",
    "token expired",
    "already booked that day",
)


@dataclass(frozen=True)
class TokenView:
    id: int
    student_id: int
    location_id: int
    location_name: str
    state: str  # available, pending, spent or expired
    issued_on: date
    expires_on: date  # the last day it can be used
    source_note: str  # what it came from
    makeup_enrollment_id: int | None  # pending: the booked makeup
    makeup_class_name: str | None
    makeup_date: date | None
    makeup_start_time: time | None
    spent_on: date | None


@dataclass(frozen=True)
class TokenGroups:
    available_here: tuple[TokenView, ...]  # at the selected location
    available_elsewhere: tuple[TokenView, ...]
    pending: tuple[TokenView, ...]
    expired: tuple[TokenView, ...]
    spent: tuple[TokenView, ...]


@dataclass(frozen=True)
class MakeupOption:
    class_id: int
    class_name: str
    program: str
    level: str
    location_name: str
    class_date: date
    weekday_name: str
    start_time: time  # wall-clock time at the location
    end_time: time
    instructor: str
    open_seats: int
    bookable: bool
    why_not: str | None  # class full, outside the booking window, token expired, ...


@dataclass(frozen=True)
class PastMakeup:
    enrollment_id: int
    class_id: int
    class_name: str
    class_date: date
    start_time: time
    location_name: str
    instructor: str
    attendance: str | None  # the attendance mark once staff recorded it


@dataclass(frozen=True)
class _Busy:
    """One of the student's current enrollments (a makeup visit meets only on `first`)."""

    class_id: int
    class_name: str
    timezone: str
    cls: GymClass
    first: date
    last: date | None
    is_makeup: bool

    def meets(self, day: date) -> bool:
        if self.is_makeup:
            return day == self.first
        in_dates = self.first <= day and (self.last is None or day <= self.last)
        return in_dates and meets_on(slot_of(self.cls, self.timezone), day)


@dataclass(frozen=True)
class _Limits:
    """What bounds a booking: the booking window from today, and the token's expiry."""

    today: date
    window_days: int
    expires_on: date | None

    @property
    def window_end(self) -> date:
        return self.today + timedelta(days=self.window_days)


_booked = aliased(Enrollment, name="booked")
_booked_class = aliased(GymClass, name="booked_class")


# Tokens


def student_tokens(
    db: Session, actor: Actor, student_id: int, location_id: int | None = None
) -> TokenGroups:
    """The student's tokens in five groups; `location_id` is the location selected on the page."""
    require_id(student_id, "student")
    if location_id is not None:
        require_id(location_id, "location")
    _require_tokens(db, actor)
    student = student_in_reach(db, actor, student_id)
    query = (
        _token_query()
        .where(MakeupToken.family_id == student.family_id, MakeupToken.student_id == student.id)
        .order_by(MakeupToken.expires_on, MakeupToken.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(MakeupToken.location_id.in_(places))
    rows = db.execute(query).all()
    if _settle(db, student.family_id, rows):
        rows = db.execute(query).all()
    views = [_view(row) for row in rows]

    def having(state: TokenState) -> list[TokenView]:
        return [v for v in views if v.state == state.value]

    available = having(TokenState.AVAILABLE)
    return TokenGroups(
        available_here=tuple(v for v in available if v.location_id == location_id),
        available_elsewhere=tuple(v for v in available if v.location_id != location_id),
        pending=tuple(having(TokenState.PENDING)),
        expired=tuple(having(TokenState.EXPIRED)),
        spent=tuple(having(TokenState.SPENT)),
    )


def _require_tokens(db: Session, actor: Actor) -> PortalSettings:
    settings = get_settings(db)
    if actor.is_guardian and not settings.makeup_tokens_enabled:
        raise FeatureDisabled("Makeup tokens are switched off.")
    return settings


def _token_query() -> Select[Any]:
    return (
        select(
            MakeupToken.id,
            MakeupToken.family_id,
            MakeupToken.student_id,
            MakeupToken.location_id,
            MakeupToken.state,
            MakeupToken.issued_on,
            MakeupToken.expires_on,
            MakeupToken.source_note,
            MakeupToken.source_absence_id,
            MakeupToken.makeup_enrollment_id,
            MakeupToken.spent_on,
            Location.name.label("location_name"),
            Location.timezone,
            Student.first_name,
            _booked.start_date.label("makeup_date"),
            _booked_class.name.label("makeup_class_name"),
            _booked_class.start_time.label("makeup_start_time"),
        )
        .join(Location, Location.id == MakeupToken.location_id)
        .join(Student, Student.id == MakeupToken.student_id)
        .outerjoin(_booked, _booked.id == MakeupToken.makeup_enrollment_id)
        .outerjoin(_booked_class, _booked_class.id == _booked.class_id)
    )


def _view(row: Row[Any]) -> TokenView:
    return TokenView(
        id=row.id,
        student_id=row.student_id,
        location_id=row.location_id,
        location_name=row.location_name,
        state=row.state.value,
        issued_on=row.issued_on,
        expires_on=row.expires_on,
        source_note=row.source_note,
        makeup_enrollment_id=row.makeup_enrollment_id,
        makeup_class_name=row.makeup_class_name,
        makeup_date=row.makeup_date,
        makeup_start_time=row.makeup_start_time,
        spent_on=row.spent_on,
    )


def _token_view(db: Session, token_id: int) -> TokenView:
    return _view(db.execute(_token_query().where(MakeupToken.id == token_id)).one())


def _effective_state(row: Row[Any], today: date) -> TokenState:
    """The state a token is in today, before `_settle` has written it."""
    if row.state is TokenState.AVAILABLE and row.expires_on < today:
        return TokenState.EXPIRED
    if row.state is TokenState.PENDING and row.makeup_date is not None and row.makeup_date < today:
        return TokenState.SPENT
    return row.state


def _settle(db: Session, family_id: int, rows: Sequence[Row[Any]]) -> bool:
    """Write the states that time has changed (pending → spent once the makeup's date has
    passed, available → expired after the expiry date), each "today" at the token's location.
    Conditional UPDATEs, so a token booked meanwhile is left alone. True if it wrote."""
    moved = [
        (row.id, state)
        for row in rows
        if (state := _effective_state(row, clock.today_in(row.timezone))) is not row.state
    ]
    spend = [token_id for token_id, state in moved if state is TokenState.SPENT]
    expire = [token_id for token_id, state in moved if state is TokenState.EXPIRED]
    if not spend and not expire:
        return False
    makeup_date = (
        select(Enrollment.start_date)
        .where(Enrollment.id == MakeupToken.makeup_enrollment_id)
        .scalar_subquery()
    )
    with write_transaction(db):
        for ids, before, values in (
            (spend, TokenState.PENDING, {"state": TokenState.SPENT, "spent_on": makeup_date}),
            (expire, TokenState.AVAILABLE, {"state": TokenState.EXPIRED}),
        ):
            if ids:
                db.execute(
                    update(MakeupToken)
                    .where(
                        MakeupToken.family_id == family_id,
                        MakeupToken.id.in_(ids),
                        MakeupToken.state == before,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
    return True


def _token_in_reach(db: Session, actor: Actor, token_id: int) -> Row[Any]:
    row = db.execute(_token_query().where(MakeupToken.id == token_id)).one_or_none()
    if row is None or not reaches(actor, row.family_id, row.location_id):
        raise NotFound("makeup token")
    return row


def _require_usable(token: Row[Any], today: date) -> None:
    state = _effective_state(token, today)
    if state is TokenState.PENDING:
        raise ValidationError(
            f"This token is already booked for {token.makeup_class_name} on "
            f"{short_day(token.makeup_date)}."
        )
    if state is TokenState.SPENT:
        raise ValidationError("This token has already been used.")
    if state is TokenState.EXPIRED:
        raise ValidationError(f"This token expired on {long_date(token.expires_on)}.")


# Booking with a token


def makeup_options(
    db: Session, actor: Actor, token_id: int, *, weeks: int | None = None
) -> list[MakeupOption]:
    """Meetings the token can book, soonest first: from tomorrow to the end of the booking
    window or the token's expiry. With `weeks`, the next `weeks` weeks are listed and meetings
    beyond the window or the expiry come back unbookable, saying why."""
    require_id(token_id, "makeup token")
    _require_weeks(weeks)
    settings = _require_tokens(db, actor)
    token = _token_in_reach(db, actor, token_id)
    today = clock.today_in(token.timezone)
    _require_usable(token, today)
    limits = _Limits(today, settings.makeup_booking_window_days, token.expires_on)
    last = today + timedelta(weeks=weeks) if weeks else min(limits.window_end, token.expires_on)
    return _options(
        db,
        token.student_id,
        token.first_name,
        token.location_id,
        _levels_for(db, token, today),
        last,
        limits,
    )


def book_makeup(
    db: Session, actor: Actor, token_id: int, class_id: int, class_date: date
) -> TokenView:
    """Book a makeup visit with a token; the token becomes pending."""
    require_id(token_id, "makeup token")
    require_id(class_id, "class")
    day = require_day(class_date, "date of the class")
    settings = _require_tokens(db, actor)
    with write_transaction(db):
        token = _token_in_reach(db, actor, token_id)
        cls, slot = class_with_slot(db, class_id)
        if cls.location_id != token.location_id:
            raise ValidationError(f"This token can only be used at {token.location_name}.")
        lock_class(db, cls.id)
        today = clock.today_in(token.timezone)
        _require_usable(token, today)
        if (cls.program_id, cls.level_id) not in _levels_for(db, token, today):
            raise ValidationError(
                "A makeup must be in a class of the same program and level as the class "
                "the token came from."
            )
        limits = _Limits(today, settings.makeup_booking_window_days, token.expires_on)
        _require_bookable(db, cls, slot, day, token.student_id, token.first_name, limits)
        enrollment = _add_visit(db, token.student_id, token.first_name, cls, day)
        taken = db.execute(
            update(MakeupToken)
            .where(
                MakeupToken.id == token.id,
                MakeupToken.family_id == token.family_id,
                MakeupToken.location_id == cls.location_id,
                MakeupToken.state == TokenState.AVAILABLE,
                MakeupToken.expires_on >= max(day, today),
            )
            .values(
                state=TokenState.PENDING,
                makeup_enrollment_id=enrollment.id,
                redeemed_at=clock.now(),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise ValidationError(
                "This token was just used for another makeup; refresh the page to see it."
            )
        audit.record(
            db,
            actor,
            "makeup.booked",
            entity="makeup_token",
            entity_id=token.id,
            family_id=token.family_id,
            details={"enrollment_id": enrollment.id, "class_id": cls.id, "date": day.isoformat()},
        )
    return _token_view(db, token.id)


def cancel_makeup(db: Session, actor: Actor, enrollment_id: int) -> TokenView:
    """Cancel a booked makeup before its cutoff (the meeting's start minus the notice hours);
    its token becomes available again."""
    require_id(enrollment_id, "makeup")
    settings = _require_tokens(db, actor)
    with write_transaction(db):
        row = class_record_in_reach(db, actor, Enrollment, enrollment_id, "makeup")
        visit: Enrollment = row.Enrollment
        if visit.type is not EnrollmentType.MAKEUP:
            raise ValidationError("That enrollment is not a makeup visit.")
        if visit.status is not EnrollmentStatus.ACTIVE:
            raise ValidationError("That makeup is already cancelled.")
        token_id = db.scalar(
            select(MakeupToken.id).where(MakeupToken.makeup_enrollment_id == visit.id)
        )
        if token_id is None:
            raise ValidationError(
                "This makeup was arranged by the front desk; please ask them to change it."
            )
        starts, _ = meeting_times(row.GymClass, row.timezone, visit.start_date)
        if clock.now() >= starts - timedelta(hours=settings.makeup_notice_hours):
            raise ValidationError(
                f"A makeup can be cancelled until {settings.makeup_notice_hours} hours before "
                f"class; this one starts {short_day(visit.start_date)} at "
                f"{clock_time(row.GymClass.start_time)}."
            )
        _return_token(db, visit, token_id)
        audit.record(
            db,
            actor,
            "makeup.cancelled",
            entity="makeup_token",
            entity_id=token_id,
            family_id=row.family_id,
            details={"enrollment_id": visit.id},
        )
    return _token_view(db, token_id)


def _return_token(db: Session, visit: Enrollment, token_id: int) -> None:
    """Drop the visit, give its token back and clear an absence reported for it."""
    dropped = db.execute(
        update(Enrollment)
        .where(
            Enrollment.id == visit.id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type == EnrollmentType.MAKEUP,
        )
        .values(status=EnrollmentStatus.DROPPED, end_date=visit.start_date)
        .execution_options(synchronize_session=False)
    ).rowcount
    if dropped != 1:
        raise ValidationError("That makeup is already cancelled.")
    returned = db.execute(
        update(MakeupToken)
        .where(
            MakeupToken.id == token_id,
            MakeupToken.makeup_enrollment_id == visit.id,
            MakeupToken.state == TokenState.PENDING,
        )
        .values(state=TokenState.AVAILABLE, makeup_enrollment_id=None, redeemed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if returned != 1:
        raise ValidationError("This makeup's token has already been used.")
    db.execute(
        update(FutureAbsence)
        .where(FutureAbsence.enrollment_id == visit.id, FutureAbsence.cancelled_at.is_(None))
        .values(cancelled_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _require_weeks(weeks: object) -> None:
    if weeks is None:
        return
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError(f"Choose between 1 and {MAX_WEEKS} weeks.")


def _levels_for(db: Session, token: Row[Any], today: date) -> set[tuple[int, int]]:
    """The (program, level) pairs the token can book: its source class's, else those of the
    student's current classes at the token's location."""
    if token.source_absence_id is not None:
        source = db.execute(
            select(GymClass.program_id, GymClass.level_id)
            .join(FutureAbsence, FutureAbsence.class_id == GymClass.id)
            .where(FutureAbsence.id == token.source_absence_id)
        ).first()
        if source is not None:
            return {(source.program_id, source.level_id)}
    current = db.execute(
        select(GymClass.program_id, GymClass.level_id)
        .join(Enrollment, Enrollment.class_id == GymClass.id)
        .where(
            Enrollment.student_id == token.student_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.type.in_(ONGOING_TYPES),
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today),
            GymClass.location_id == token.location_id,
        )
    ).all()
    if not current:
        raise ValidationError(
            f"{token.first_name} has no current class at {token.location_name} to match a "
            "makeup to; please ask the front desk."
        )
    return {(row.program_id, row.level_id) for row in current}


# Finding and checking makeup meetings (tokens and requests)


def _options(
    db: Session,
    student_id: int,
    first_name: str,
    location_id: int,
    levels: set[tuple[int, int]],
    last: date,
    limits: _Limits,
) -> list[MakeupOption]:
    """Meetings from tomorrow to `last` of the location's classes at those levels, leaving out
    the student's own classes and meetings already started."""
    first = limits.today + timedelta(days=1)
    if last < first:
        return []
    classes = db.execute(
        select(
            GymClass,
            Program.name.label("program"),
            Level.name.label("level"),
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(Program, Program.id == GymClass.program_id)
        .join(Level, Level.id == GymClass.level_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            GymClass.location_id == location_id,
            GymClass.is_active.is_(True),
            GymClass.term_start <= last,
            GymClass.term_end >= first,
            or_(*(and_(GymClass.program_id == p, GymClass.level_id == lv) for p, lv in levels)),
        )
    ).all()
    busy = _schedule(db, student_id, first, last)
    own = {b.class_id for b in busy if not b.is_makeup}
    seats = bookings(
        db, [row.GymClass for row in classes if row.GymClass.id not in own], first, last
    )
    now = clock.now()
    options = []
    for row in classes:
        cls: GymClass = row.GymClass
        if cls.id in own:
            continue
        for day in meeting_dates(slot_of(cls, row.timezone), first, last):
            starts, ends = meeting_times(cls, row.timezone, day)
            if starts <= now:
                continue
            free = seats[cls.id].open_for_visit(day)
            refusal = _why_not(cls, day, (starts, ends), free, busy, limits, first_name)
            options.append(
                MakeupOption(
                    class_id=cls.id,
                    class_name=cls.name,
                    program=row.program,
                    level=row.level,
                    location_name=row.location_name,
                    class_date=day,
                    weekday_name=WEEKDAY_NAMES[day.weekday()],
                    start_time=cls.start_time,
                    end_time=cls.end_time,
                    instructor=cls.instructor_name,
                    open_seats=free,
                    bookable=refusal is None,
                    why_not=refusal[0] if refusal else None,
                )
            )
    return sorted(options, key=lambda o: (o.class_date, o.start_time, o.class_name, o.class_id))


def _require_bookable(
    db: Session,
    cls: GymClass,
    slot: WeeklySlot,
    day: date,
    student_id: int,
    first_name: str,
    limits: _Limits,
    *,
    by_staff: bool = False,
) -> None:
    """Every rule a makeup meeting must pass, with the reason as a sentence. Callers that book
    hold the class lock, so the seat count stands until they commit. Parents book from
    tomorrow on; staff approving a request may book any meeting not yet started."""
    if not cls.is_active or not meets_on(slot, day):
        raise ValidationError(f"{cls.name} does not meet on {short_day(day)}.")
    starts, ends = meeting_times(cls, slot.timezone, day)
    if starts <= clock.now():
        raise ValidationError(f"{cls.name} on {short_day(day)} has already started.")
    if day <= limits.today and not by_staff:
        raise ValidationError("Makeups can be booked from tomorrow on.")
    busy = _schedule(db, student_id, day, day)
    if any(b.class_id == cls.id and not b.is_makeup for b in busy):
        raise ValidationError(f"{first_name} is already in {cls.name}.")
    free = open_seats_on(db, cls, day)
    refusal = _why_not(cls, day, (starts, ends), free, busy, limits, first_name)
    if refusal is not None:
        raise ValidationError(refusal[1])


def _why_not(
    cls: GymClass,
    day: date,
    times: tuple[datetime, datetime],
    free: int,
    busy: Sequence[_Busy],
    limits: _Limits,
    first_name: str,
) -> tuple[str, str] | None:
    """Why a meeting cannot be booked: (a short label for lists, a sentence for errors)."""
    if limits.expires_on is not None and day > limits.expires_on:
        return EXPIRED, f"This token expires on {long_date(limits.expires_on)}, before that class."
    if day > limits.window_end:
        return WINDOW, f"Makeups can be booked up to {limits.window_days} days ahead."
    if any(b.is_makeup and b.class_id == cls.id and b.first == day for b in busy):
        return BOOKED, f"{first_name} already has a makeup in {cls.name} on {short_day(day)}."
    starts, ends = times
    for other in busy:
        if other.meets(day):
            other_starts, other_ends = meeting_times(other.cls, other.timezone, day)
            if other_starts < ends and starts < other_ends:
                return (
                    f"at the same time as {other.class_name}",
                    f"That class is at the same time as {first_name}'s {other.class_name} class.",
                )
    if free <= 0:
        return FULL, f"{cls.name} is full on {short_day(day)}."
    return None


def _schedule(db: Session, student_id: int, first: date, last: date) -> list[_Busy]:
    """The student's active enrollments (any location) that touch [first, last]."""
    rows = db.execute(
        select(
            Enrollment.type,
            Enrollment.start_date,
            Enrollment.end_date,
            GymClass,
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Enrollment.student_id == student_id,
            Enrollment.status == EnrollmentStatus.ACTIVE,
            Enrollment.start_date <= last,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= first),
        )
    ).all()
    return [
        _Busy(
            class_id=row.GymClass.id,
            class_name=row.GymClass.name,
            timezone=row.timezone,
            cls=row.GymClass,
            first=row.start_date,
            last=row.end_date,
            is_makeup=row.type is EnrollmentType.MAKEUP,
        )
        for row in rows
    ]


def _add_visit(
    db: Session, student_id: int, first_name: str, cls: GymClass, day: date
) -> Enrollment:
    visit = Enrollment(
        student_id=student_id,
        class_id=cls.id,
        type=EnrollmentType.MAKEUP,
        status=EnrollmentStatus.ACTIVE,
        start_date=day,
        end_date=day,
        created_at=clock.now(),
    )
    # Worded before the flush: a failed flush expires every loaded object.
    refusal = f"{first_name} already has a makeup in {cls.name} on {short_day(day)}."
    db.add(visit)
    try:
        db.flush()
    except IntegrityError:
        raise ValidationError(refusal) from None
    return visit


# Makeup requests (tokens off)


def makeup_request_options(
    db: Session,
    actor: Actor,
    student_id: int,
    missed_class_id: int,
    missed_date: date,
    *,
    weeks: int | None = None,
) -> list[MakeupOption]:
    """Meetings a makeup request for that missed meeting can ask for: classes of the same
    program and level at the same location, within the booking window (or `weeks`)."""
    require_id(student_id, "student")
    require_id(missed_class_id, "class")
    day = require_day(missed_date, "date of the missed class")
    _require_weeks(weeks)
    settings = _require_requests(db, actor)
    student = student_in_reach(db, actor, student_id)
    missed = _missed_meeting(db, actor, student, missed_class_id, day, settings)
    limits = _Limits(clock.today_in(missed.timezone), settings.makeup_booking_window_days, None)
    last = limits.today + timedelta(weeks=weeks) if weeks else limits.window_end
    cls: GymClass = missed.GymClass
    levels = {(cls.program_id, cls.level_id)}
    return _options(db, student.id, student.first_name, cls.location_id, levels, last, limits)


def request_makeup(
    db: Session,
    actor: Actor,
    student_id: int,
    missed_class_id: int,
    missed_date: date,
    desired_class_id: int,
    desired_date: date,
    note: str,
) -> int:
    """Ask staff for a makeup visit (a pending MAKEUP request); the request's id."""
    require_id(student_id, "student")
    require_id(missed_class_id, "class")
    require_id(desired_class_id, "class")
    missed_day = require_day(missed_date, "date of the missed class")
    desired_day = require_day(desired_date, "date of the makeup")
    parent_note = clean_note(note)
    settings = _require_requests(db, actor)
    with write_transaction(db):
        student = student_in_reach(db, actor, student_id)
        missed = _missed_meeting(db, actor, student, missed_class_id, missed_day, settings)
        missed_cls: GymClass = missed.GymClass
        cls, slot = class_with_slot(db, desired_class_id)
        if cls.location_id != missed_cls.location_id:
            raise ValidationError(
                f"Choose a class at {missed.location_name}, where {student.first_name} "
                "missed class."
            )
        if (cls.program_id, cls.level_id) != (missed_cls.program_id, missed_cls.level_id):
            raise ValidationError("Choose a class of the same program and level as the missed one.")
        limits = _Limits(clock.today_in(slot.timezone), settings.makeup_booking_window_days, None)
        _require_bookable(db, cls, slot, desired_day, student.id, student.first_name, limits)
        details = {
            "missed_class_id": missed_cls.id,
            "missed_class_name": missed_cls.name,
            "missed_date": missed_day.isoformat(),
            "class_date": desired_day.isoformat(),
        }
        _refuse_repeat(db, student, details)
        request = open_request(
            db,
            actor,
            kind=RequestKind.MAKEUP,
            student=student,
            location_id=cls.location_id,
            enrollment_id=missed.id,
            target_class_id=cls.id,
            effective_date=desired_day,
            details=details,
            parent_note=parent_note,
        )
        return request.id


def past_makeups(db: Session, actor: Actor, student_id: int) -> list[PastMakeup]:
    """The student's makeup visits that have ended, newest first (cancelled ones left out)."""
    require_id(student_id, "student")
    settings = get_settings(db)
    if actor.is_guardian and not (
        settings.makeup_tokens_enabled or settings.makeup_requests_enabled
    ):
        raise FeatureDisabled("Makeups are switched off.")
    student = student_in_reach(db, actor, student_id)
    query = (
        select(
            Enrollment.id,
            Enrollment.start_date,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
            Attendance.status.label("attendance"),
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .outerjoin(
            Attendance,
            and_(
                Attendance.student_id == Enrollment.student_id,
                Attendance.class_id == Enrollment.class_id,
                Attendance.class_date == Enrollment.start_date,
            ),
        )
        .where(
            Enrollment.student_id == student.id,
            Enrollment.type == EnrollmentType.MAKEUP,
            Enrollment.status.in_((EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)),
            Enrollment.start_date <= clock.today_in("UTC") + timedelta(days=1),
        )
        .order_by(Enrollment.start_date.desc(), GymClass.start_time.desc(), Enrollment.id)
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    now = clock.now()
    return [
        PastMakeup(
            enrollment_id=row.id,
            class_id=row.GymClass.id,
            class_name=row.GymClass.name,
            class_date=row.start_date,
            start_time=row.GymClass.start_time,
            location_name=row.location_name,
            instructor=row.GymClass.instructor_name,
            attendance=row.attendance.value if row.attendance else None,
        )
        for row in db.execute(query)
        if meeting_times(row.GymClass, row.timezone, row.start_date)[1] <= now
    ]


def apply_makeup_request(db: Session, actor: Actor, request: ParentRequest) -> None:
    """Staff approving a makeup request: add the makeup visit under the class lock. Runs inside
    the deciding service's transaction (services.desk.request_decisions), which commits."""
    require_staff(actor)
    if not isinstance(request, ParentRequest) or request.kind is not RequestKind.MAKEUP:
        raise ValidationError("That is not a makeup request.")
    require_location(actor, request.location_id)
    if request.target_class_id is None or request.effective_date is None:
        raise ValidationError("The request does not name the class and date of the makeup.")
    if lock_class(db, request.target_class_id) is None:
        raise NotFound("class")
    cls, slot = class_with_slot(db, request.target_class_id)
    day = request.effective_date
    student = db.get(Student, request.student_id)
    if student is None:
        raise NotFound("student")
    window = get_settings(db).makeup_booking_window_days
    limits = _Limits(clock.today_in(slot.timezone), window, None)
    _require_bookable(db, cls, slot, day, student.id, student.first_name, limits, by_staff=True)
    visit = _add_visit(db, student.id, student.first_name, cls, day)
    audit.record(
        db,
        actor,
        "makeup.request_applied",
        entity="parent_request",
        entity_id=request.id,
        family_id=student.family_id,
        details={"enrollment_id": visit.id},
    )


def _require_requests(db: Session, actor: Actor) -> PortalSettings:
    settings = get_settings(db)
    if actor.is_guardian and (
        settings.makeup_tokens_enabled or not settings.makeup_requests_enabled
    ):
        raise FeatureDisabled("Makeup requests are switched off.")
    return settings


def _missed_meeting(
    db: Session,
    actor: Actor,
    student: Student,
    class_id: int,
    day: date,
    settings: PortalSettings,
) -> Row[Any]:
    """The enrollment (current or past) that had the student in that class on that day."""
    query = (
        select(
            Enrollment.id,
            GymClass,
            Location.name.label("location_name"),
            Location.timezone,
        )
        .join(GymClass, GymClass.id == Enrollment.class_id)
        .join(Location, Location.id == GymClass.location_id)
        .where(
            Enrollment.student_id == student.id,
            Enrollment.class_id == class_id,
            Enrollment.type.in_(ONGOING_TYPES),
            Enrollment.status != EnrollmentStatus.WAITLISTED,
            Enrollment.start_date <= day,
            or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
        )
        .order_by(Enrollment.start_date.desc())
    )
    places = seen_locations(actor)
    if places is not None:
        query = query.where(GymClass.location_id.in_(places))
    row = db.execute(query).first()
    if row is None:
        raise ValidationError(f"{student.first_name} was not in that class on {short_day(day)}.")
    if not meets_on(slot_of(row.GymClass, row.timezone), day):
        raise ValidationError(f"{row.GymClass.name} does not meet on {short_day(day)}.")
    oldest = clock.today_in(row.timezone) - timedelta(days=settings.makeup_token_expiry_days)
    if day < oldest:
        raise ValidationError(
            "A makeup can be asked for a class missed in the last "
            f"{settings.makeup_token_expiry_days} days."
        )
    return row


def _refuse_repeat(db: Session, student: Student, details: dict[str, Any]) -> None:
    """One open request per missed meeting."""
    open_ones: Iterable[dict[str, Any]] = db.scalars(
        select(ParentRequest.details).where(
            ParentRequest.student_id == student.id,
            ParentRequest.kind == RequestKind.MAKEUP,
            ParentRequest.status.in_(OPEN_STATUSES),
        )
    )
    keys = ("missed_class_id", "missed_date")
    if any(all((d or {}).get(k) == details[k] for k in keys) for d in open_ones):
        raise ValidationError(
            f"{student.first_name} already has an open makeup request for that class."
        )
