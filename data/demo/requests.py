"""Parent requests (drop, transfer, makeup, absence, cancel waitlist) with their history.

They follow the services' own shapes: a decided request went pending → approved → applied
(or → denied, or → cancelled by the parent); an absence a parent reports is applied at once
(services.makeups.absence_marking) and names its absences and tokens in `details`. Decided
requests match what happened in the enrollments; open (pending) ones are about the current
term, name real class dates, and wait at every location so the staff home page has work.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from data.demo.names import PARENT_NOTES, STAFF_NOTES_APPROVED, STAFF_NOTES_DENIED
from data.demo.plan import DAY, WEEK, Context, EnrollmentPlan, LocationInfo, Slot, utc
from data.models import EnrollmentStatus, EnrollmentType, RequestKind, RequestStatus

PENDING_SHARE = 0.02  # of a location's current enrollments, with at least MIN_PENDING
MIN_PENDING = 3
ACTIVE_PENDING_KINDS = (
    RequestKind.DROP,
    RequestKind.TRANSFER,
    RequestKind.ABSENCE,
    RequestKind.MAKEUP,
)
PENDING, APPROVED, APPLIED = RequestStatus.PENDING, RequestStatus.APPROVED, RequestStatus.APPLIED
DENIED, CANCELLED = RequestStatus.DENIED, RequestStatus.CANCELLED
# The statuses a request went through to reach its own, as services.desk.request_decisions writes.
HISTORY = {
    PENDING: (PENDING,),
    APPROVED: (PENDING, APPROVED),
    APPLIED: (PENDING, APPROVED, APPLIED),
    DENIED: (PENDING, DENIED),
    CANCELLED: (PENDING, CANCELLED),
}


def add_request(
    ctx: Context,
    e: EnrollmentPlan,
    kind: RequestKind,
    created_at: datetime,
    history: tuple[RequestStatus, ...],
    *,
    target_class_id: int | None = None,
    effective: date | None = None,
    details: dict[str, object] | None = None,
    parent: int | None = None,
) -> None:
    """A request about enrollment `e` that went through the statuses in `history`."""
    rng, student = ctx.rng, e.student
    staff = e.slot.location.staff_user_id
    logins = student.family.login_user_ids
    creator = parent or (rng.choice(logins) if logins else None) or staff
    status, at_once = history[-1], history[0] is APPLIED
    staff_decides = APPROVED in history or DENIED in history
    decided_at = min(created_at + timedelta(hours=rng.randint(2, 30)), utc(ctx.yesterday, 23))
    staff_note = ""
    if staff_decides:
        staff_note = rng.choice(STAFF_NOTES_DENIED if status is DENIED else STAFF_NOTES_APPROVED)
    decided_by, decided_on = None, None  # still open
    if at_once:
        decided_on = created_at
    elif len(history) > 1:
        decided_by, decided_on = (staff if staff_decides else creator), decided_at
    request_id = ctx.writer.new_id("parent_requests")
    ctx.writer.add(
        "parent_requests",
        {
            "id": request_id,
            "family_id": student.family.id,
            "student_id": student.id,
            "location_id": e.slot.location.id,
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
            "decided_by_user_id": decided_by,
            "decided_at": decided_on,
        },
    )
    for n, step in enumerate(history):
        by_staff = step in (APPROVED, DENIED) or (step is APPLIED and staff_decides)
        ctx.writer.add(
            "request_events",
            {
                "id": ctx.writer.new_id("request_events"),
                "request_id": request_id,
                "status": step,
                "actor_user_id": staff if by_staff else creator,
                "note": staff_note if step in (APPROVED, DENIED) else "",
                "at": created_at if n == 0 else decided_at + timedelta(minutes=n),
            },
        )


def _before(ctx: Context, day: date, low: int, high: int) -> datetime:
    """Some days before `day` (and never today or later), in the afternoon or evening."""
    when = min(day - timedelta(days=ctx.rng.randint(low, high)), ctx.yesterday)
    return utc(when, ctx.rng.randint(13, 22), ctx.rng.randrange(60))


def _makeup_details(missed: EnrollmentPlan, missed_on: date, day: date) -> dict[str, object]:
    """The makeup request's `details`, as services.makeups.makeup_requests writes them."""
    return {
        "missed_class_id": missed.class_id,
        "missed_class_name": missed.slot.name,
        "missed_date": missed_on.isoformat(),
        "class_date": day.isoformat(),
    }


def _from_history(ctx: Context, e: EnrollmentPlan) -> None:
    """A decided request that matches what happened to enrollment `e`, now and then."""
    rng, r = ctx.rng, ctx.rng.random()
    if e.type is EnrollmentType.MAKEUP and r < 0.1:
        # Booked through a request (when the gym used makeup requests) rather than a token.
        history = HISTORY[APPLIED if e.start < ctx.today else APPROVED]
        add_request(
            ctx,
            e,
            RequestKind.MAKEUP,
            _before(ctx, e.start, 2, 9),
            history,
            target_class_id=e.class_id,
            effective=e.start,
            details={"class_date": e.start.isoformat()},
        )
    if e.type is not EnrollmentType.REGULAR or r >= 0.5 or e.end is None:
        return
    if e.status is EnrollmentStatus.TRANSFERRED and e.moved_to:
        add_request(
            ctx,
            e,
            RequestKind.TRANSFER,
            _before(ctx, e.end, 3, 10),
            HISTORY[APPLIED],
            target_class_id=e.moved_to.class_id,
            effective=e.moved_to.start,
        )
    elif e.status is EnrollmentStatus.DROPPED:
        kind = RequestKind.DROP if e.attends else RequestKind.CANCEL_WAITLIST
        add_request(ctx, e, kind, _before(ctx, e.end, 2, 10), HISTORY[APPLIED], effective=e.end)
    elif e.status is EnrollmentStatus.COMPLETED and r < 0.03:
        kind = rng.choice((RequestKind.DROP, RequestKind.TRANSFER))
        add_refused_drop(
            ctx,
            e,
            e.start + WEEK * rng.randint(1, 6),
            kind,
            HISTORY[DENIED if r < 0.02 else CANCELLED],
        )


def add_refused_drop(
    ctx: Context,
    e: EnrollmentPlan,
    asked_on: date,
    kind: RequestKind,
    history: tuple[RequestStatus, ...],
) -> None:
    """A drop or transfer asked for on `asked_on` that did not happen (denied or withdrawn):
    it named the class's next meeting."""
    later = ctx.sched.meetings(e.slot, asked_on + DAY, e.end or e.term.end)
    add_request(ctx, e, kind, utc(asked_on, 19), history, effective=later[0] if later else None)


def _next_meeting(ctx: Context, slot: Slot, e: EnrollmentPlan) -> date | None:
    days = ctx.sched.meetings(slot, ctx.today + DAY, min(e.term.end, ctx.today + 4 * WEEK))
    return days[0] if days else None


def _other_slot(ctx: Context, e: EnrollmentPlan, *, same_level: bool) -> Slot | None:
    """Another class of the same program (or level) at the same location this term."""
    options = [
        s
        for s in ctx.sched.slots_by_location[e.slot.location.index]
        if s.program == e.slot.program
        and s is not e.slot
        and (s.level is e.slot.level or not same_level)
        and not e.student.busy_in(e.term, s)
    ]
    return ctx.rng.choice(options) if options else None


def add_pending_request(ctx: Context, e: EnrollmentPlan, kind: RequestKind) -> bool:
    """An open request about a current enrollment; False when `kind` does not fit it."""
    rng, today = ctx.rng, ctx.today
    asked = utc(today - timedelta(days=rng.randint(1, 6)), rng.randint(13, 22), rng.randrange(60))
    pending = HISTORY[PENDING]
    if kind is RequestKind.CANCEL_WAITLIST:
        if e.status is not EnrollmentStatus.WAITLISTED:
            return False
        add_request(ctx, e, kind, asked, pending)
        return True
    if e.status is not EnrollmentStatus.ACTIVE:
        return False
    # Transfers move to another class of the program; makeups go to a sister class.
    target = e.slot
    if kind in (RequestKind.TRANSFER, RequestKind.MAKEUP):
        target = _other_slot(ctx, e, same_level=kind is RequestKind.MAKEUP)
    day = _next_meeting(ctx, target, e) if target else None
    missed = ctx.sched.meetings(e.slot, e.start, ctx.yesterday)
    if target is None or day is None or (kind is RequestKind.MAKEUP and not missed):
        return False
    target_id = ctx.sched.class_ids[e.term.index][target.index]
    if kind is RequestKind.TRANSFER:
        add_request(ctx, e, kind, asked, pending, target_class_id=target_id, effective=day)
    elif kind is RequestKind.MAKEUP:
        add_request(
            ctx,
            e,
            kind,
            asked,
            pending,
            target_class_id=target_id,
            effective=day,
            details=_makeup_details(e, missed[-1], day),
        )
    else:
        details = {"class_dates": [day.isoformat()]} if kind is RequestKind.ABSENCE else None
        add_request(ctx, e, kind, asked, pending, effective=day, details=details)
    return True


def _open_requests(ctx: Context, current: list[EnrollmentPlan]) -> None:
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
    current: dict[LocationInfo, list[EnrollmentPlan]] = {loc: [] for loc in ctx.cat.locations}
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
                    current[e.slot.location].append(e)
    for location in ctx.cat.locations:
        _open_requests(ctx, current[location])
