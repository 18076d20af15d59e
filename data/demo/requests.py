"""Parent requests (drop, transfer, makeup, absence, cancel waitlist) with their history.

Decided requests follow what happened in the enrollments; open (pending) ones ask about the
current term, several at every location, so the staff home page has work waiting.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from data.demo.names import PARENT_NOTES, STAFF_NOTES_APPROVED, STAFF_NOTES_DENIED
from data.demo.plan import DAY, WEEK, Context, EnrollmentPlan, LocationInfo, utc
from data.models import EnrollmentStatus, EnrollmentType, RequestKind, RequestStatus

PENDING_SHARE = 0.02  # of a location's current enrollments, with at least MIN_PENDING
MIN_PENDING = 3
ACTIVE_PENDING_KINDS = (
    RequestKind.DROP,
    RequestKind.TRANSFER,
    RequestKind.ABSENCE,
    RequestKind.MAKEUP,
)


def add_request(
    ctx: Context,
    e: EnrollmentPlan,
    kind: RequestKind,
    status: RequestStatus,
    created_at: datetime,
    *,
    target_class_id: int | None = None,
    effective: date | None = None,
    details: dict[str, object] | None = None,
) -> int:
    """A request about enrollment `e`, with one event per status it went through."""
    rng, student = ctx.rng, e.student
    location = e.slot.location
    logins = student.family.login_user_ids
    parent = rng.choice(logins) if logins else None
    creator = parent or location.staff_user_id
    decided = status is not RequestStatus.PENDING
    decided_at = min(created_at + timedelta(hours=rng.randint(2, 30)), utc(ctx.yesterday, 23))
    decider = parent if status is RequestStatus.CANCELLED else location.staff_user_id
    staff_note = (
        rng.choice(STAFF_NOTES_DENIED)
        if status is RequestStatus.DENIED
        else rng.choice(STAFF_NOTES_APPROVED)
        if decided
        else ""
    )
    request_id = ctx.writer.new_id("parent_requests")
    ctx.writer.add(
        "parent_requests",
        {
            "id": request_id,
            "family_id": student.family.id,
            "student_id": student.id,
            "location_id": location.id,
            "kind": kind,
            "status": status,
            "enrollment_id": e.id,
            "target_class_id": target_class_id,
            "effective_date": effective,
            "details": details or {},
            "parent_note": rng.choice(PARENT_NOTES),
            "staff_note": staff_note,
            "created_by_user_id": creator,
            "created_at": created_at,
            "decided_by_user_id": decider if decided else None,
            "decided_at": decided_at if decided else None,
        },
    )
    steps = [(RequestStatus.PENDING, creator, created_at, "")]
    if status in (RequestStatus.APPROVED, RequestStatus.APPLIED):
        steps.append((RequestStatus.APPROVED, decider, decided_at, staff_note))
    if status is RequestStatus.APPLIED:
        steps.append((RequestStatus.APPLIED, None, decided_at + timedelta(minutes=1), ""))
    elif status in (RequestStatus.DENIED, RequestStatus.CANCELLED):
        steps.append((status, decider, decided_at, staff_note))
    for step, actor, at, note in steps:
        ctx.writer.add(
            "request_events",
            {
                "id": ctx.writer.new_id("request_events"),
                "request_id": request_id,
                "status": step,
                "actor_user_id": actor,
                "note": note,
                "at": at,
            },
        )
    return request_id


def _before(ctx: Context, day: date, low: int, high: int) -> datetime:
    """Some days before `day` (and never today or later), in the afternoon or evening."""
    when = min(day - timedelta(days=ctx.rng.randint(low, high)), ctx.yesterday)
    return utc(when, ctx.rng.randint(13, 22), ctx.rng.randrange(60))


def _class_date(day: date) -> dict[str, object]:
    return {"class_date": day.isoformat()}


def _from_history(ctx: Context, e: EnrollmentPlan) -> None:
    """A decided request that matches what happened to enrollment `e`, now and then."""
    rng, r = ctx.rng, ctx.rng.random()
    applied = RequestStatus.APPLIED
    if e.type is EnrollmentType.MAKEUP and r < 0.2:
        status = applied if e.start < ctx.today else RequestStatus.APPROVED
        add_request(
            ctx,
            e,
            RequestKind.MAKEUP,
            status,
            _before(ctx, e.start, 2, 9),
            target_class_id=e.class_id,
            effective=e.start,
            details=_class_date(e.start),
        )
    elif e.type is not EnrollmentType.REGULAR or r >= 0.5:
        return
    elif e.status is EnrollmentStatus.TRANSFERRED and e.end and e.moved_to:
        add_request(
            ctx,
            e,
            RequestKind.TRANSFER,
            applied,
            _before(ctx, e.end, 3, 10),
            target_class_id=e.moved_to.class_id,
            effective=e.end + DAY,
        )
    elif e.status is EnrollmentStatus.DROPPED and e.end:
        kind = RequestKind.DROP if e.attends else RequestKind.CANCEL_WAITLIST
        add_request(ctx, e, kind, applied, _before(ctx, e.end, 2, 10), effective=e.end)
    elif e.status is EnrollmentStatus.COMPLETED and e.end and r < 0.03:
        status = RequestStatus.DENIED if r < 0.02 else RequestStatus.CANCELLED
        kind = rng.choice((RequestKind.DROP, RequestKind.TRANSFER))
        asked = e.start + WEEK * rng.randint(1, 6)
        add_request(ctx, e, kind, status, _before(ctx, asked, 0, 0), effective=asked + WEEK)


def _next_meeting(ctx: Context, e: EnrollmentPlan, after: date) -> date | None:
    days = ctx.sched.meetings(e.slot, after, e.term.end)
    return days[0] if days else None


def add_pending_request(ctx: Context, e: EnrollmentPlan, kind: RequestKind) -> bool:
    """An open request about a current enrollment; False when `kind` does not fit it."""
    rng, today = ctx.rng, ctx.today
    asked = utc(today - timedelta(days=rng.randint(1, 6)), rng.randint(13, 22), rng.randrange(60))
    pending = RequestStatus.PENDING
    if kind is RequestKind.CANCEL_WAITLIST:
        if e.status is not EnrollmentStatus.WAITLISTED:
            return False
        add_request(ctx, e, kind, pending, asked)
        return True
    if e.status is not EnrollmentStatus.ACTIVE:
        return False
    day = _next_meeting(ctx, e, today + DAY)
    if day is None:
        return False
    if kind in (RequestKind.TRANSFER, RequestKind.MAKEUP):
        target = _other_class(ctx, e)
        if target is None:
            return False
        add_request(
            ctx,
            e,
            kind,
            pending,
            asked,
            target_class_id=target,
            effective=day,
            details=_class_date(day) if kind is RequestKind.MAKEUP else None,
        )
    else:
        add_request(
            ctx,
            e,
            kind,
            pending,
            asked,
            effective=day,
            details=_class_date(day) if kind is RequestKind.ABSENCE else None,
        )
    return True


def _other_class(ctx: Context, e: EnrollmentPlan) -> int | None:
    """Another class of the same program at the same location this term: its id."""
    options = [
        s
        for s in ctx.sched.slots
        if s.location is e.slot.location
        and s.program == e.slot.program
        and not e.student.busy_in(e.term, s)
    ]
    if not options:
        return None
    return ctx.sched.class_ids[e.term.index][ctx.rng.choice(options).index]


def _open_requests(ctx: Context, location: LocationInfo, current: list[EnrollmentPlan]) -> None:
    wanted = max(MIN_PENDING, round(len(current) * PENDING_SHARE))
    order = list(current)
    ctx.rng.shuffle(order)
    made = 0
    for e in order:
        if made == wanted:
            break
        kind = (
            RequestKind.CANCEL_WAITLIST
            if e.status is EnrollmentStatus.WAITLISTED
            else ACTIVE_PENDING_KINDS[made % len(ACTIVE_PENDING_KINDS)]
        )
        if add_pending_request(ctx, e, kind) or add_pending_request(ctx, e, RequestKind.DROP):
            made += 1


def add_requests(ctx: Context) -> None:
    current: dict[int, list[EnrollmentPlan]] = {loc.index: [] for loc in ctx.cat.locations}
    for family in ctx.families:
        if family.is_showcase:
            continue  # the demo family's requests are chosen in data/demo/showcase.py
        for student in family.students:
            for e in student.enrollments:
                _from_history(ctx, e)
                if (
                    e.term is ctx.sched.current
                    and e.type is EnrollmentType.REGULAR
                    and (e.status in (EnrollmentStatus.ACTIVE, EnrollmentStatus.WAITLISTED))
                ):
                    current[e.slot.location.index].append(e)
    for location in ctx.cat.locations:
        _open_requests(ctx, location, current[location.index])
