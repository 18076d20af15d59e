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
from data.demo.history import add_absence
from data.demo.ledger import family_ledger
from data.demo.logins import DEMO_PASSWORD, DEMO_SURNAME, PRIMARY_EMAIL, SECONDARY_EMAIL
from data.demo.makeups import OTHER_TOKEN_NOTES, absence_note, issue_token
from data.demo.passes import add_pass
from data.demo.plan import DAY, TERMS, Chain, Context, EnrollmentPlan, FamilyPlan, Payer, utc
from data.demo.programs import PROGRAMS
from data.demo.requests import add_pending_request, add_request
from data.models import (
    AttendanceStatus,
    EnrollmentStatus,
    GuardianAccess,
    RequestKind,
    RequestStatus,
    TokenState,
)
from services.passwords import hash_password

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
    area = north.place.area_code
    maria = add_guardian(
        ctx,
        family,
        GuardianSpec(
            "Maria",
            DEMO_SURNAME,
            is_primary=True,
            may_pay=True,
            access=GuardianAccess.CAN_LOG_IN,
            email=PRIMARY_EMAIL,
            phone=f"+1{area}5550142",
            password_hash=hash_password(DEMO_PASSWORD),
        ),
    )
    add_guardian(
        ctx,
        family,
        GuardianSpec(
            "Carlos",
            DEMO_SURNAME,
            is_primary=False,
            may_pay=False,
            access=GuardianAccess.CAN_LOG_IN,
            email=SECONDARY_EMAIL,
            phone=f"+1{area}5550143",
            password_hash=hash_password(DEMO_PASSWORD),
        ),
    )
    rosa = add_guardian(
        ctx,
        family,
        GuardianSpec(
            "Rosa",
            "Martinez",
            is_primary=False,
            may_pay=False,
            access=GuardianAccess.NO_LOGIN,
            email="rosa.martinez@example.net",
            phone=f"+1{area}5550144",
        ),
        blasts=False,
        sms=False,
    )
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
        absence_id = add_absence(ctx, e, ahead[-1], reported)
        issue_token(
            ctx,
            student,
            location,
            reported,
            absence_note(e.slot, ahead[-1]),
            source_absence_id=absence_id,
            state=TokenState.AVAILABLE,
        )
        for state, days_ago in (
            (TokenState.PENDING, 12),
            (TokenState.SPENT, 40),
            (TokenState.EXPIRED, 95),
        ):
            note = OTHER_TOKEN_NOTES[days_ago % len(OTHER_TOKEN_NOTES)]
            got = issue_token(
                ctx, student, location, today - timedelta(days=days_ago), note, state=state
            )
            if got is not state:
                raise RuntimeError(f"no class found for the demo family's {state} token")
    mateo_ahead = ctx.sched.meetings(mateo.slot, today + DAY, mateo.term.end)
    add_absence(ctx, mateo, mateo_ahead[0], ctx.yesterday, cancelled=True)
    _requests(ctx, sofia, mateo, lucia)
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


def _requests(
    ctx: Context, sofia: EnrollmentPlan, mateo: EnrollmentPlan, lucia: EnrollmentPlan
) -> None:
    for e, kind in ((mateo, RequestKind.TRANSFER), (lucia, RequestKind.ABSENCE)):
        if not add_pending_request(ctx, e, kind):
            raise RuntimeError(f"could not open the demo family's {kind} request")
    today = ctx.today
    excused = [
        day for day, status in (sofia.forced or {}).items() if status is AttendanceStatus.EXCUSED
    ]
    for day in excused:
        add_request(
            ctx,
            sofia,
            RequestKind.ABSENCE,
            RequestStatus.APPLIED,
            utc(day - 2 * DAY, 19, 30),
            effective=day,
            details={"class_date": day.isoformat()},
        )
    asked = today - timedelta(days=20)
    add_request(
        ctx,
        lucia,
        RequestKind.DROP,
        RequestStatus.DENIED,
        utc(asked, 20, 15),
        effective=asked + timedelta(days=7),
    )
    asked = today - timedelta(days=50)
    add_request(
        ctx,
        mateo,
        RequestKind.DROP,
        RequestStatus.CANCELLED,
        utc(asked, 18, 45),
        effective=asked + timedelta(days=10),
    )
