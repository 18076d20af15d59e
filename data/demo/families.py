"""Families: guardians (with sign-in state), contact details, addresses and students."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from data.demo.catalog import add_user
from data.demo.names import STREETS
from data.demo.plan import WEEK, Context, FamilyPlan, LocationInfo, Payer, StudentPlan, utc
from data.models import GuardianAccess, OneTimeTokenPurpose, Role

INVITATION_DAYS = 7


@dataclass(frozen=True)
class GuardianSpec:
    first_name: str
    last_name: str
    is_primary: bool
    may_pay: bool
    access: GuardianAccess
    email: str
    phone: str
    password_hash: str | None = None  # None: the shared hash nobody knows the password of


@dataclass(frozen=True)
class Timeline:
    join_term: int
    join_week: int
    leave_term: int | None = None
    leave_week: int | None = None
    prospect: bool = False


def slug(text: str) -> str:
    """ASCII letters and digits only, for e-mail addresses ("Muñoz" → "munoz")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_family(
    ctx: Context,
    surname: str,
    location: LocationInfo,
    created_on: date,
    payer: Payer,
    *,
    is_showcase: bool = False,
) -> FamilyPlan:
    family_id = ctx.writer.new_id("families")
    ctx.writer.add(
        "families",
        {
            "id": family_id,
            "name": f"{surname} family",
            "created_at": utc(created_on, 16),
        },
    )
    family = FamilyPlan(family_id, surname, location, created_on, payer, is_showcase=is_showcase)
    ctx.families.append(family)
    return family


def add_guardian(
    ctx: Context, family: FamilyPlan, spec: GuardianSpec, *, blasts: bool = True, sms: bool = True
) -> int:
    writer, created = ctx.writer, utc(family.created_on, 16, 5)
    user_id = None
    if spec.access is GuardianAccess.CAN_LOG_IN:
        user_id = add_user(
            ctx,
            spec.email,
            Role.GUARDIAN,
            f"{spec.first_name} {spec.last_name}",
            spec.password_hash or ctx.locked_password_hash,
            family.created_on,
        )
        family.login_user_ids.append(user_id)
    guardian_id = writer.new_id("guardians")
    writer.add(
        "guardians",
        {
            "id": guardian_id,
            "family_id": family.id,
            "first_name": spec.first_name,
            "last_name": spec.last_name,
            "is_primary": spec.is_primary,
            "may_pay": spec.may_pay,
            "access": spec.access,
            "user_id": user_id,
            "gateway_customer_id": None,
            "created_at": created,
        },
    )
    add_email(ctx, family, guardian_id, spec.email, is_login=user_id is not None, blasts=blasts)
    add_phone(ctx, family, guardian_id, spec.phone, "mobile", sms=sms)
    if spec.access in (GuardianAccess.INVITE_SENT, GuardianAccess.INVITE_REVOKED):
        _add_invitation(ctx, guardian_id, revoked=spec.access is GuardianAccess.INVITE_REVOKED)
    return guardian_id


def add_email(
    ctx: Context,
    family: FamilyPlan,
    guardian_id: int | None,
    email: str,
    *,
    is_login: bool = False,
    blasts: bool = True,
) -> None:
    ctx.writer.add(
        "email_addresses",
        {
            "id": ctx.writer.new_id("email_addresses"),
            "family_id": family.id,
            "guardian_id": guardian_id,
            "email": email.lower(),
            "is_login": is_login,
            "blasts_opt_in": blasts,
            "created_at": utc(family.created_on, 16, 6),
        },
    )


def add_phone(
    ctx: Context,
    family: FamilyPlan,
    guardian_id: int | None,
    e164: str,
    label: str,
    *,
    sms: bool = True,
) -> None:
    ctx.writer.add(
        "phone_numbers",
        {
            "id": ctx.writer.new_id("phone_numbers"),
            "family_id": family.id,
            "guardian_id": guardian_id,
            "e164": e164,
            "label": label,
            "sms_opt_in": sms,
            "created_at": utc(family.created_on, 16, 6),
        },
    )


def add_address(ctx: Context, family: FamilyPlan, guardian_id: int | None) -> None:
    rng, place = ctx.rng, family.location.place
    ctx.writer.add(
        "addresses",
        {
            "id": ctx.writer.new_id("addresses"),
            "family_id": family.id,
            "guardian_id": guardian_id,
            "line1": f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
            "line2": f"Apt {rng.randint(1, 24)}{rng.choice('ABCD')}" if rng.random() < 0.15 else "",
            "city": place.city,
            "region": place.region,
            "postal_code": place.postal_code,
            "country": "US",
            "created_at": utc(family.created_on, 16, 7),
        },
    )


def _add_invitation(ctx: Context, guardian_id: int, *, revoked: bool) -> None:
    sent_on = ctx.today - timedelta(
        days=ctx.rng.randint(20, 60) if revoked else ctx.rng.randint(1, INVITATION_DAYS - 2)
    )
    sent = utc(sent_on, 17)
    ctx.writer.add(
        "one_time_tokens",
        {
            "id": ctx.writer.new_id("one_time_tokens"),
            "purpose": OneTimeTokenPurpose.INVITATION,
            "token_hash": ctx.hex_token(),
            "user_id": None,
            "guardian_id": guardian_id,
            "created_by_user_id": ctx.cat.admin_user_id,
            "created_at": sent,
            "expires_at": sent + timedelta(days=INVITATION_DAYS),
            "used_at": None,
            "revoked_at": sent + timedelta(days=2) if revoked else None,
        },
    )


def add_student(
    ctx: Context,
    family: FamilyPlan,
    first_name: str,
    last_name: str,
    gender: str,
    birth_date: date,
    location: LocationInfo,
    timeline: Timeline,
    medical_notes: str = "",
) -> StudentPlan:
    student_id = ctx.writer.new_id("students")
    is_active = timeline.leave_term is None
    ctx.writer.add(
        "students",
        {
            "id": student_id,
            "family_id": family.id,
            "first_name": first_name,
            "last_name": last_name,
            "birth_date": birth_date,
            "gender": gender,
            "medical_notes": medical_notes,
            "is_active": is_active,
            "created_at": utc(family.created_on, 16, 10),
        },
    )
    student = StudentPlan(
        id=student_id,
        family=family,
        first_name=first_name,
        birth_date=birth_date,
        location=location,
        is_active=is_active,
        join_term=timeline.join_term,
        join_week=timeline.join_week,
        leave_term=timeline.leave_term,
        leave_week=timeline.leave_week,
        prospect=timeline.prospect,
    )
    family.students.append(student)
    return student


def join_date(ctx: Context, timeline: Timeline) -> date:
    if timeline.prospect:
        return ctx.today + WEEK
    return ctx.sched.terms[timeline.join_term].start + timeline.join_week * WEEK
