"""The random families: how many children, when each joined and left, who can sign in,
and how the family pays."""

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
    join_date,
    slug,
    years_before,
)
from data.demo.names import (
    BOY_NAMES,
    EMAIL_DOMAINS,
    FAMILY_STAFF_NOTES,
    GIRL_NAMES,
    MEDICAL_NOTES,
    MEN_NAMES,
    SURNAMES,
    WOMEN_NAMES,
)
from data.demo.plan import TERMS, WEEKS_INTO_CURRENT_TERM, Context, FamilyPlan, Payer, utc
from data.models import GuardianAccess

CURRENT = TERMS - 1
PRIMARY_ACCESS = (
    (GuardianAccess.CAN_LOG_IN, 72),
    (GuardianAccess.NO_LOGIN, 20),
    (GuardianAccess.INVITE_SENT, 6),
    (GuardianAccess.INVITE_REVOKED, 2),
)
SECONDARY_ACCESS = (
    (GuardianAccess.NO_LOGIN, 40),
    (GuardianAccess.CAN_LOG_IN, 35),
    (GuardianAccess.INVITE_SENT, 15),
    (GuardianAccess.INVITE_REVOKED, 10),
)


def add_random_families(ctx: Context, families: int, students: int, active: int) -> None:
    """`families` families with `students` students in all, `active` of them current."""
    rng = ctx.rng
    sizes = [1] * families
    extra = students - families
    while extra:
        i = rng.randrange(families)
        if sizes[i] < 4:
            sizes[i] += 1
            extra -= 1
    flags = [[False] * size for size in sizes]
    order = list(range(families))
    rng.shuffle(order)
    remaining = active
    for i in order:
        for j in range(sizes[i]):
            # Now and then an older sibling has stopped while the others carry on.
            if remaining and not (sizes[i] > 1 and j == 0 and rng.random() < 0.15):
                flags[i][j] = True
                remaining -= 1
        if not remaining:
            break
    for i in range(families):
        _random_family(ctx, flags[i])


def _geometric(ctx: Context, mean: float) -> int:
    count = 1
    while ctx.rng.random() > 1 / mean:
        count += 1
    return count


def random_timeline(ctx: Context, active: bool) -> Timeline:
    rng = ctx.rng
    if active:
        if rng.random() < 0.02:
            return Timeline(CURRENT, 0, prospect=True)
        join_term = max(0, CURRENT - _geometric(ctx, 6) + 1)
        if join_term == CURRENT:
            return Timeline(join_term, rng.randint(0, WEEKS_INTO_CURRENT_TERM - 2))
        join_week = rng.randint(1, 8) if join_term and rng.random() < 0.3 else 0
        return Timeline(join_term, join_week)
    leave_term = CURRENT if rng.random() < 0.04 else rng.randrange(CURRENT)
    join_term = max(0, leave_term - _geometric(ctx, 6) + 1)
    join_week = rng.randint(1, 8) if join_term and rng.random() < 0.3 else 0
    earliest = join_week + 2 if join_term == leave_term else 2
    if leave_term == CURRENT:
        join_week = min(join_week, WEEKS_INTO_CURRENT_TERM - 3)
        earliest = join_week + 1 if join_term == leave_term else 1
        return Timeline(
            join_term, join_week, leave_term, rng.randint(earliest, WEEKS_INTO_CURRENT_TERM - 1)
        )
    leave_week = rng.randint(earliest, 14) if rng.random() < 0.3 else None
    return Timeline(join_term, join_week, leave_term, leave_week)


def _birth_date(ctx: Context, joined: date) -> date:
    """Aged 3 or more when starting and 17 or less today."""
    earliest = years_before(ctx.today, 18) + timedelta(days=1)
    latest = years_before(joined, 3)
    mode = min(max(years_before(ctx.today, 8), earliest), latest)
    day = ctx.rng.triangular(earliest.toordinal(), latest.toordinal(), mode.toordinal())
    return date.fromordinal(int(day))


def _random_payer(ctx: Context, active: bool, last_day: date) -> Payer:
    rng = ctx.rng
    payer = Payer(pay_day=1 if rng.random() < 0.65 else rng.randint(2, 12))
    if rng.random() < (0.10 if active else 0.03):
        payer.stops_paying_on = (
            ctx.today - timedelta(days=rng.randint(20, 75))
            if active
            else last_day - timedelta(days=20)
        )
    if active and rng.random() < 0.06:
        payer.credit_cents = rng.choice((1_500, 2_500, 4_000, 5_000, 7_500))
    return payer


def _random_family(ctx: Context, active_flags: list[bool]) -> None:
    rng, cat = ctx.rng, ctx.cat
    timelines = [random_timeline(ctx, flag) for flag in active_flags]
    joined = [join_date(ctx, t) for t in timelines]
    last_day = max(
        ctx.sched.terms[t.leave_term].end if t.leave_term is not None else ctx.today
        for t in timelines
    )
    surname = rng.choice(SURNAMES)
    location = rng.choice(cat.locations)
    created_on = min(joined) - timedelta(days=rng.randint(3, 30))
    family = add_family(
        ctx, surname, location, created_on, _random_payer(ctx, any(active_flags), last_day)
    )
    primary_id, phones = _random_guardians(ctx, family)
    add_address(ctx, family, primary_id if rng.random() < 0.7 else None)
    _random_unassigned_contacts(ctx, family, phones)
    other_location = (
        rng.choice([loc for loc in cat.locations if loc is not location])
        if len(cat.locations) > 1 and len(timelines) > 1 and rng.random() < 0.05
        else None
    )
    for n, (timeline, start) in enumerate(zip(timelines, joined, strict=True)):
        girl = rng.random() < 0.55
        first = rng.choice(GIRL_NAMES if girl else BOY_NAMES)
        last = surname if rng.random() < 0.92 else rng.choice(SURNAMES)
        gender = ("Female" if girl else "Male") if rng.random() < 0.95 else ""
        notes = rng.choice(MEDICAL_NOTES) if rng.random() < 0.12 else ""
        where = other_location if other_location and n == len(timelines) - 1 else location
        add_student(
            ctx, family, first, last, gender, _birth_date(ctx, start), where, timeline, notes
        )
    if rng.random() < 0.05:
        ctx.writer.add(
            "staff_notes",
            {
                "id": ctx.writer.new_id("staff_notes"),
                "family_id": family.id,
                "author_user_id": location.staff_user_id,
                "body": rng.choice(FAMILY_STAFF_NOTES),
                "created_at": utc(created_on + timedelta(days=rng.randint(1, 60)), 18),
            },
        )


def _weighted(ctx: Context, options: tuple[tuple[GuardianAccess, int], ...]) -> GuardianAccess:
    return ctx.rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _phone(ctx: Context, family: FamilyPlan) -> str:
    return f"+1{family.location.place.area_code}555{ctx.rng.randint(0, 9999):04d}"


def _random_guardians(ctx: Context, family: FamilyPlan) -> tuple[int, list[str]]:
    """A primary guardian, and in some families a second one: the primary's id, the phones."""
    rng = ctx.rng
    mother = rng.random() < 0.7
    first = rng.choice(WOMEN_NAMES if mother else MEN_NAMES)
    last = family.surname if rng.random() < 0.9 else rng.choice(SURNAMES)
    domain = rng.choice(EMAIL_DOMAINS)
    primary = GuardianSpec(
        first,
        last,
        is_primary=True,
        may_pay=True,
        access=_weighted(ctx, PRIMARY_ACCESS),
        email=f"{slug(first)}.{slug(last)}{family.id}@{domain}",
        phone=_phone(ctx, family),
    )
    primary_id = add_guardian(
        ctx, family, primary, blasts=rng.random() < 0.9, sms=rng.random() < 0.85
    )
    phones = [primary.phone]
    if rng.random() < 0.4:
        second = rng.choice(MEN_NAMES if mother else WOMEN_NAMES)
        access = _weighted(ctx, SECONDARY_ACCESS)
        phone = _phone(ctx, family)
        if phone not in phones and second != first:
            phones.append(phone)
            add_guardian(
                ctx,
                family,
                GuardianSpec(
                    second,
                    family.surname,
                    is_primary=False,
                    may_pay=access is GuardianAccess.CAN_LOG_IN and rng.random() < 0.5,
                    access=access,
                    email=f"{slug(second)}.{slug(family.surname)}{family.id}@{domain}",
                    phone=phone,
                ),
                blasts=rng.random() < 0.9,
                sms=rng.random() < 0.85,
            )
    return primary_id, phones


def _random_unassigned_contacts(ctx: Context, family: FamilyPlan, phones: list[str]) -> None:
    """Contact details that belong to the family but to no guardian in particular."""
    rng = ctx.rng
    if rng.random() < 0.08:
        add_email(
            ctx,
            family,
            None,
            f"{slug(family.surname)}.family{family.id}@example.net",
            blasts=rng.random() < 0.5,
        )
    if rng.random() < 0.12:
        phone = _phone(ctx, family)
        if phone not in phones:
            add_phone(ctx, family, None, phone, "home", sms=False)
