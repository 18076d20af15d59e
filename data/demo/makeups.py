"""Makeup tokens and the visits they pay for; also how a visit finds a class to join."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from data.demo.attendance import add_attendance
from data.demo.enrollments import new_enrollment, write_enrollment
from data.demo.plan import (
    DAY,
    TOKEN_EXPIRY_DAYS,
    Context,
    EnrollmentPlan,
    LocationInfo,
    Slot,
    StudentPlan,
    utc,
)
from data.models import AttendanceStatus, EnrollmentStatus, EnrollmentType, TokenState

BOOKING_WINDOW_DAYS = 30
OTHER_TOKEN_NOTES = (
    "Class cancelled: coach out sick",
    "Class cancelled: pool maintenance",
    "Goodwill token from the front desk",
    "Class cancelled: snow day",
)


def visit_class(
    ctx: Context, student: StudentPlan, location: LocationInfo, day: date
) -> tuple[Slot, int] | None:
    """A class at `location` on `day` that the student is not already in: (slot, class id)."""
    term = ctx.sched.term_of(day)
    if term is None or day in ctx.sched.closed:
        return None
    options = [
        s
        for s in ctx.sched.slots_by_day.get((location.index, day.weekday()), ())
        if not student.busy_in(term, s)
        and (ctx.sched.class_ids[term.index][s.index], day) not in student.visits
    ]
    if not options:
        return None
    slot = ctx.rng.choice(options)
    class_id = ctx.sched.class_ids[term.index][slot.index]
    student.visits.add((class_id, day))
    return slot, class_id


def book_makeup(
    ctx: Context, student: StudentPlan, location: LocationInfo, first: date, last: date
) -> tuple[EnrollmentPlan, datetime] | None:
    """A makeup visit between `first` and `last` (attended if already past), and when it was
    booked."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    ctx.rng.shuffle(days)
    for day in days:
        found = visit_class(ctx, student, location, day)
        if found is None:
            continue
        slot, _ = found
        term = ctx.sched.term_of(day)
        assert term is not None
        past = day < ctx.today
        status = EnrollmentStatus.COMPLETED if past else EnrollmentStatus.ACTIVE
        makeup = new_enrollment(ctx, student, slot, term, EnrollmentType.MAKEUP, status, day, day)
        booked_on = min(
            max(first - DAY, day - timedelta(days=ctx.rng.randint(1, 10))), ctx.yesterday
        )
        booked = utc(booked_on, 20, ctx.rng.randrange(60))
        write_enrollment(ctx, makeup, created_at=booked)
        if past:
            add_attendance(
                ctx, student, makeup.class_id, slot, day, AttendanceStatus.MAKEUP, makeup.id
            )
        return makeup, booked
    return None


def _likely_state(ctx: Context, student: StudentPlan, expires_on: date) -> TokenState:
    r = ctx.rng.random()
    if expires_on < ctx.today:
        return TokenState.SPENT if r < 0.65 else TokenState.EXPIRED
    if r < 0.3:
        return TokenState.SPENT
    if r < 0.5 and student.is_active:  # only current students book makeups ahead
        return TokenState.PENDING
    return TokenState.AVAILABLE


class IssuedToken(NamedTuple):
    id: int
    state: TokenState


def issue_token(
    ctx: Context,
    student: StudentPlan,
    location: LocationInfo,
    issued_on: date,
    note: str,
    *,
    source_absence_id: int | None = None,
    state: TokenState | None = None,
) -> IssuedToken:
    """A makeup token; without `state` it gets a likely one for its age (and the booking
    that state needs, where one can be found)."""
    today = ctx.today
    expires_on = issued_on + timedelta(days=TOKEN_EXPIRY_DAYS)
    state = state or _likely_state(ctx, student, expires_on)
    booking = None
    if state is TokenState.SPENT:
        booking = book_makeup(
            ctx, student, location, issued_on + DAY, min(expires_on, ctx.yesterday)
        )
    elif state is TokenState.PENDING:
        booking = book_makeup(
            ctx,
            student,
            location,
            today + DAY,
            min(expires_on, today + timedelta(days=BOOKING_WINDOW_DAYS)),
        )
    if state in (TokenState.SPENT, TokenState.PENDING) and booking is None:
        state = TokenState.EXPIRED if expires_on < today else TokenState.AVAILABLE
    makeup, redeemed_at = booking or (None, None)
    token_id = ctx.writer.new_id("makeup_tokens")
    ctx.writer.add(
        "makeup_tokens",
        {
            "id": token_id,
            "family_id": student.family.id,
            "student_id": student.id,
            "location_id": location.id,
            "state": state,
            "issued_on": issued_on,
            "expires_on": expires_on,
            "source_absence_id": source_absence_id,
            "source_note": note,
            "makeup_enrollment_id": makeup.id if makeup else None,
            "redeemed_at": redeemed_at,
            "spent_on": makeup.start if makeup and state is TokenState.SPENT else None,
        },
    )
    return IssuedToken(token_id, state)


def absence_note(slot: Slot, day: date) -> str:
    return f"Absence reported for {slot.name} on {day:%a %b} {day.day}"


def add_other_tokens(ctx: Context) -> None:
    """A few tokens that did not come from an absence (cancelled classes, goodwill)."""
    rng = ctx.rng
    for family in ctx.families:
        for student in family.students:
            if student.is_active and not student.prospect and rng.random() < 0.03:
                issued = ctx.today - timedelta(days=rng.randint(1, 120))
                issue_token(ctx, student, student.location, issued, rng.choice(OTHER_TOKEN_NOTES))
