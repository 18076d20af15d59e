"""The demo family, chosen by hand so every screen has something to show.

The Garcia family: Maria (primary, primary@example.com) and Carlos (secondary,
secondary@example.com, may not pay), grandmother Rosa (no sign-in); Sofia and Mateo at the
first location, Lucia at the second. It is built with the same steps as every other family
and then given: a class today where possible, absences, makeup tokens in every state at both
locations, an upcoming absence, open and decided requests, punch passes, an outstanding
balance and an unapplied account credit.
"""

from __future__ import annotations

from datetime import date, timedelta

from data.demo.families import (
    GuardianSpec,
    Timeline,
    add_address,
    add_email,
    add_family,
    add_guardian,
    add_phone,
    add_student,
    years_before,
)
from data.demo.history import report_absence
from data.demo.ledger import family_ledger
from data.demo.logins import DEMO_PASSWORD, DEMO_SURNAME, PRIMARY_EMAIL, SECONDARY_EMAIL
from data.demo.makeups import OTHER_TOKEN_NOTES, issue_token
from data.demo.passes import add_pass
from data.demo.plan import DAY, TERMS, Chain, Context, EnrollmentPlan, FamilyPlan, Payer
from data.demo.programs import PROGRAMS
from data.demo.requests import CANCELLED, DENIED, HISTORY, add_pending_request, add_refused_drop
from data.models import (
    AttendanceStatus,
    EnrollmentStatus,
    GuardianAccess,
    RequestKind,
    TokenState,
)
from data.password_hashing import hash_password

JOINED_TERMS_AGO = 3
PROGRAM = {spec.name: index for index, spec in enumerate(PROGRAMS)}


def _last_paid_day(today: date) -> date:
    """Payments stop before this month's charges (last month's too on the 1st, when this
    month's are not posted yet), so the family owes something."""
    first = today.replace(day=1)
    if today.day == 1:
        first = (first - DAY).replace(day=1)
    return first - DAY


def add_showcase_family(ctx: Context) -> FamilyPlan:
    north, river = ctx.cat.locations[0], ctx.cat.locations[1]
    today, joined = ctx.today, TERMS - 1 - JOINED_TERMS_AGO
    family = add_family(
        ctx,
        DEMO_SURNAME,
        north,
        ctx.sched.terms[joined].start - timedelta(days=20),
        Payer(pay_day=1, stops_paying_on=_last_paid_day(today)),
        is_showcase=True,
    )
    area, login = north.place.area_code, GuardianAccess.CAN_LOG_IN
    guardian_ids = []
    for first, last, primary, access, email, line in (
        ("Maria", DEMO_SURNAME, True, login, PRIMARY_EMAIL, "0142"),
        ("Carlos", DEMO_SURNAME, False, login, SECONDARY_EMAIL, "0143"),
        ("Rosa", "Martinez", False, GuardianAccess.NO_LOGIN, "rosa.martinez@example.net", "0144"),
    ):
        # Only the two demo sign-ins get a password anybody knows (hashed one by one).
        password_hash = hash_password(DEMO_PASSWORD) if access is login else None
        spec = GuardianSpec(
            first, last, primary, primary, access, email, f"+1{area}555{line}", password_hash
        )
        signs_in = access is login
        guardian_ids.append(add_guardian(ctx, family, spec, blasts=signs_in, sms=signs_in))
    maria, _, rosa = guardian_ids
    add_address(ctx, family, maria)
    add_address(ctx, family, rosa)
    add_email(ctx, family, None, "garcia.family@example.net", blasts=False)
    add_phone(ctx, family, None, f"+1{area}5550100", "home", sms=False)
    weekday = today.weekday()
    for first, gender, age_days, location, program, notes in (
        ("Sofia", "Female", 9 * 365 + 100, north, "Recreational Gymnastics", ""),
        ("Mateo", "Male", 7 * 365 + 200, north, "Ninja", "Peanut allergy: EpiPen in backpack"),
        ("Lucia", "Female", 12 * 365 + 30, river, "Swim", ""),
    ):
        birth = years_before(today, 0) - timedelta(days=age_days)
        student = add_student(
            ctx, family, first, DEMO_SURNAME, gender, birth, location, Timeline(joined, 0), notes
        )
        student.chains.append(
            Chain(
                student,
                want_program=PROGRAM[program],
                want_weekday=weekday if first == "Sofia" else None,
            )
        )
    return family


def _current(family: FamilyPlan, n: int) -> EnrollmentPlan:
    """Student n's current regular enrollment."""
    chain = family.students[n].chains[0]
    current = chain.enrollments[-1]
    if current.status is not EnrollmentStatus.ACTIVE:
        raise RuntimeError("the demo family was not given its classes; is the schedule full?")
    return current


def shape_history(ctx: Context, family: FamilyPlan) -> None:
    """Choose some past meetings' attendance (runs before attendance is generated)."""
    absent, excused = AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
    for n, marks in enumerate(({-3: absent, -5: excused}, {-2: excused, -6: absent}, {-4: absent})):
        e = _current(family, n)
        days = ctx.sched.meetings(e.slot, e.start, ctx.yesterday)
        e.forced = {days[i]: status for i, status in marks.items() if len(days) >= -i}


def add_showcase_extras(ctx: Context, family: FamilyPlan) -> None:
    """Tokens, absences, requests, passes and the ledger (after the generic history)."""
    today = ctx.today
    sofia, mateo, lucia = (_current(family, n) for n in range(3))
    for e in (sofia, lucia):
        student, location = e.student, e.slot.location
        ahead = ctx.sched.meetings(e.slot, today + DAY, e.term.end)
        reported = ctx.yesterday - timedelta(days=2)
        report_absence(ctx, e, ahead[-1], reported, token=True, token_state=TokenState.AVAILABLE)
        for state, days_ago in (
            (TokenState.PENDING, 12),
            (TokenState.SPENT, 40),
            (TokenState.EXPIRED, 95),
        ):
            note = OTHER_TOKEN_NOTES[days_ago % len(OTHER_TOKEN_NOTES)]
            got = issue_token(
                ctx, student, location, today - timedelta(days=days_ago), note, state=state
            )
            if got.state is not state:
                raise RuntimeError(f"no class found for the demo family's {state} token")
    mateo_ahead = ctx.sched.meetings(mateo.slot, today + DAY, mateo.term.end)
    report_absence(ctx, mateo, mateo_ahead[0], ctx.yesterday, token=False, cancelled=True)
    _requests(ctx, mateo, lucia)
    add_pass(ctx, family, sofia.student, sofia.slot.location, 0, today - timedelta(days=45), 4)
    add_pass(ctx, family, lucia.student, lucia.slot.location, 1, today - timedelta(days=300), 3)
    ledger = family_ledger(ctx, family)
    ledger.refunded_credit(
        sofia.slot.location,
        4_750,
        today - timedelta(days=75),
        sofia.student.id,
        "Credit: class cancelled for a gym meet",
    )
    ledger.account_credit(lucia.slot.location, 3_000, ctx.yesterday - timedelta(days=3))
    ledger.write()


def _requests(ctx: Context, mateo: EnrollmentPlan, lucia: EnrollmentPlan) -> None:
    """Open requests (the excused and upcoming absences made their own applied ones)."""
    for e, kind in ((mateo, RequestKind.TRANSFER), (lucia, RequestKind.ABSENCE)):
        if not add_pending_request(ctx, e, kind):
            raise RuntimeError(f"could not open the demo family's {kind} request")
    # A drop the gym said no to, and one the parent called off.
    for e, status, days_ago in ((lucia, DENIED, 20), (mateo, CANCELLED, 50)):
        asked = ctx.today - timedelta(days=days_ago)
        add_refused_drop(ctx, e, max(asked, e.start), RequestKind.DROP, HISTORY[status])
