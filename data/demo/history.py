"""Attendance for every past class meeting, and absences reported ahead (past and upcoming).

Meetings from today on are left unmarked, so today's rosters are open for check-in.
"""

from __future__ import annotations

from datetime import date, timedelta

from data.demo.attendance import add_attendance
from data.demo.makeups import absence_note, add_other_tokens, issue_token
from data.demo.names import ABSENCE_REASONS
from data.demo.plan import DAY, Context, EnrollmentPlan, utc
from data.demo.requests import add_request
from data.models import (
    AttendanceStatus,
    EnrollmentStatus,
    EnrollmentType,
    RequestKind,
    RequestStatus,
    TokenState,
)

PRESENT_SHARE = 0.875
ABSENT_SHARE = 0.07  # the rest of the meetings were excused: reported ahead
TOKEN_CHANCE = 0.5  # an excused absence earns a makeup token this often
UPCOMING_ABSENCE_CHANCE = 0.08


def report_absence(
    ctx: Context,
    e: EnrollmentPlan,
    day: date,
    reported_on: date,
    *,
    token: bool,
    cancelled: bool = False,
    token_state: TokenState | None = None,
) -> None:
    """A future absence for `day`, with the makeup token it earned when `token` is set.

    A guardian who can sign in reports it in the portal, which also lists it in the request
    tracker as an absence applied at once (as services.makeups.absence_marking does);
    otherwise the desk took the call.
    """
    rng, logins = ctx.rng, e.student.family.login_user_ids
    parent = rng.choice(logins) if logins else None
    reported_at = utc(reported_on, rng.randint(12, 20), rng.randrange(60))
    absence_id = ctx.writer.new_id("future_absences")
    ctx.writer.add(
        "future_absences",
        {
            "id": absence_id,
            "student_id": e.student.id,
            "class_id": e.class_id,
            "enrollment_id": e.id,
            "class_date": day,
            "reason": rng.choice(ABSENCE_REASONS),
            "reported_by_user_id": parent or e.slot.location.staff_user_id,
            "reported_at": reported_at,
            "cancelled_at": reported_at + timedelta(hours=3) if cancelled else None,
        },
    )
    token_ids = []
    if token and not cancelled:
        note = absence_note(e.slot, day)
        issued = issue_token(
            ctx,
            e.student,
            e.slot.location,
            reported_on,
            note,
            source_absence_id=absence_id,
            state=token_state,
        )
        token_ids.append(issued.id)
    if parent is not None:
        details = {
            "absence_ids": [absence_id],
            "class_dates": [day.isoformat()],
            "token_ids": token_ids,
        }
        applied, withdrawn = RequestStatus.APPLIED, RequestStatus.CANCELLED
        history = (applied, withdrawn) if cancelled else (applied,)
        add_request(
            ctx,
            e,
            RequestKind.ABSENCE,
            reported_at,
            history,
            target_class_id=e.class_id,
            effective=day,
            details=details,
            parent=parent,
        )


def _excused(ctx: Context, e: EnrollmentPlan, day: date) -> None:
    reported_on = min(day - timedelta(days=ctx.rng.randint(1, 10)), ctx.yesterday)
    report_absence(ctx, e, day, reported_on, token=ctx.rng.random() < TOKEN_CHANCE)


def _attend(ctx: Context, e: EnrollmentPlan) -> None:
    rng, forced = ctx.rng, e.forced or {}
    last = min(e.end or e.term.end, ctx.yesterday)
    for day in ctx.sched.meetings(e.slot, e.start, last):
        status = forced.get(day)
        if status is None:
            r = rng.random()
            status = (
                AttendanceStatus.PRESENT
                if r < PRESENT_SHARE
                else AttendanceStatus.ABSENT
                if r < PRESENT_SHARE + ABSENT_SHARE
                else AttendanceStatus.EXCUSED
            )
        if status is AttendanceStatus.EXCUSED:
            _excused(ctx, e, day)
        add_attendance(ctx, e.student, e.class_id, e.slot, day, status, e.id)


def _maybe_upcoming_absence(ctx: Context, e: EnrollmentPlan) -> None:
    rng = ctx.rng
    # The demo family's upcoming absences are chosen by hand (data/demo/showcase.py).
    if rng.random() >= UPCOMING_ABSENCE_CHANCE or e.student.family.is_showcase:
        return
    days = ctx.sched.meetings(
        e.slot, ctx.today + DAY, min(e.term.end, ctx.today + timedelta(days=28))
    )
    if days:
        day, reported_on = rng.choice(days), ctx.yesterday - timedelta(days=rng.randint(0, 5))
        report_absence(
            ctx, e, day, reported_on, cancelled=rng.random() < 0.2, token=rng.random() < 0.6
        )


def add_history(ctx: Context) -> None:
    for family in ctx.families:
        for student in family.students:
            # Makeups booked along the way are appended; they are attended where booked.
            for e in list(student.enrollments):
                if not e.attends or e.type is EnrollmentType.MAKEUP:
                    continue
                _attend(ctx, e)
                if e.status is EnrollmentStatus.ACTIVE and e.type is EnrollmentType.REGULAR:
                    _maybe_upcoming_absence(ctx, e)
    add_other_tokens(ctx)
