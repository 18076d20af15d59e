"""Punch passes (active, used up, expired) and the punches used, each a checked-in visit."""

from __future__ import annotations

from datetime import date, timedelta

from data.demo.attendance import add_attendance, marked_at
from data.demo.makeups import visit_class
from data.demo.plan import Context, FamilyPlan, LocationInfo, Purchase, StudentPlan
from data.models import AttendanceStatus

PASS_TYPES = (
    ("10-visit Open Gym pass", 10, 18_000),
    ("5-class Swim pass", 5, 11_500),
    ("8-class Ninja pass", 8, 15_200),
)
PASS_CHANCE = 0.04
PASS_VALID_DAYS = 180


def add_pass(
    ctx: Context,
    family: FamilyPlan,
    student: StudentPlan,
    location: LocationInfo,
    pass_type: int,
    purchased_on: date,
    punches: int,
    *,
    expires: bool = True,
) -> None:
    """A pass bought on `purchased_on` with up to `punches` punches used since."""
    name, total, price = PASS_TYPES[pass_type]
    expires_on = purchased_on + timedelta(days=PASS_VALID_DAYS) if expires else None
    last = min(expires_on or ctx.yesterday, ctx.yesterday)
    pass_id = ctx.writer.new_id("punch_passes")
    visits = []
    for _ in range(min(punches, total) * 4):
        if len(visits) == min(punches, total) or last < purchased_on:
            break
        day = purchased_on + timedelta(days=ctx.rng.randrange((last - purchased_on).days + 1))
        found = visit_class(ctx, student, location, day)
        if found:
            visits.append((day, *found))
    used = len(visits)
    ctx.writer.add(
        "punch_passes",
        {
            "id": pass_id,
            "family_id": family.id,
            "student_id": student.id,
            "location_id": location.id,
            "name": name,
            "punches_total": total,
            "punches_used": used,
            "purchased_on": purchased_on,
            "expires_on": expires_on,
            "amount_paid_cents": price,
            "is_active": used < total and (expires_on is None or expires_on >= ctx.today),
        },
    )
    for day, slot, class_id in visits:
        ctx.writer.add(
            "pass_redemptions",
            {
                "id": ctx.writer.new_id("pass_redemptions"),
                "pass_id": pass_id,
                "student_id": student.id,
                "class_id": class_id,
                "class_date": day,
                "redeemed_at": marked_at(slot, day) - timedelta(hours=1),
                "redeemed_by_user_id": location.staff_user_id,
            },
        )
        add_attendance(ctx, student, class_id, slot, day, AttendanceStatus.PRESENT, None)
    family.purchases.append(Purchase(purchased_on, location, student.id, price, name))


def add_passes(ctx: Context) -> None:
    rng = ctx.rng
    for family in ctx.families:
        if family.is_showcase or rng.random() >= PASS_CHANCE:
            continue
        student = rng.choice(family.students)
        pass_type = rng.randrange(len(PASS_TYPES))
        bought = ctx.today - timedelta(days=rng.randint(10, 540))
        add_pass(
            ctx,
            family,
            student,
            student.location,
            pass_type,
            bought,
            rng.randint(0, PASS_TYPES[pass_type][1]),
            expires=rng.random() < 0.8,
        )
