"""Locations, programs with levels and skills, staff accounts and the business's settings."""

from __future__ import annotations

from datetime import date, timedelta

from data.demo.logins import ADMIN_EMAIL, DEMO_PASSWORD, STAFF_EMAIL
from data.demo.names import MEN_NAMES, PLACES, STREETS, SURNAMES, WOMEN_NAMES
from data.demo.plan import Catalog, Context, LevelInfo, LocationInfo, ProgramInfo, utc
from data.demo.programs import PROGRAMS
from data.models import Role
from data.password_hashing import hash_password

BUSINESS_NAME = "Cartwheel Gymnastics & Swim"
OPENED_DAYS_AGO = 1_300  # before the oldest history (about 3 years and 2 months)
HEAD_OFFICE_STREET = "2150 W Lawrence Ave"  # the first location's street, printed on statements


def add_user(
    ctx: Context, email: str, role: Role, name: str, password_hash: str, created_on: date
) -> int:
    user_id = ctx.writer.new_id("users")
    ctx.writer.add(
        "users",
        {
            "id": user_id,
            "email": email.lower(),
            "password_hash": password_hash,
            "role": role,
            "display_name": name,
            "is_active": True,
            "sessions_valid_after": None,
            "password_changed_at": None,
            "created_at": utc(created_on, 15),
        },
    )
    return user_id


def _opened_on(ctx: Context) -> date:
    return ctx.today - timedelta(days=OPENED_DAYS_AGO)


def build_catalog(ctx: Context) -> Catalog:
    admin_id = add_user(
        ctx, ADMIN_EMAIL, Role.ADMIN, "Alex Morgan", hash_password(DEMO_PASSWORD), _opened_on(ctx)
    )
    locations = tuple(_add_location(ctx, index) for index in range(ctx.scale.locations))
    for location in locations:
        ctx.writer.add("staff_locations", {"user_id": admin_id, "location_id": location.id})
    _add_settings(ctx, locations[0], admin_id)
    programs = tuple(_add_program(ctx, index) for index in range(len(PROGRAMS)))
    return Catalog(locations=locations, programs=programs, admin_user_id=admin_id)


def _add_location(ctx: Context, index: int) -> LocationInfo:
    place = PLACES[index]
    rng, writer = ctx.rng, ctx.writer
    location_id = writer.new_id("locations")
    street = f"{rng.randint(100, 4999)} {rng.choice(STREETS)}" if index else HEAD_OFFICE_STREET
    writer.add(
        "locations",
        {
            "id": location_id,
            "name": place.name,
            "code": place.code,
            "timezone": place.timezone,
            "address_line1": street,
            "city": place.city,
            "region": place.region,
            "postal_code": place.postal_code,
            "country": "US",
            "phone": f"+1{place.area_code}555{100 + index:04d}",
            "is_active": True,
        },
    )
    # The first location's desk account is the documented demo login; the others are locked.
    if index == 0:
        email, password_hash, name = STAFF_EMAIL, hash_password(DEMO_PASSWORD), "Sam Rivera"
    else:
        first = rng.choice(WOMEN_NAMES + MEN_NAMES)
        email = f"frontdesk.{place.code.lower()}@example.com"
        name, password_hash = f"{first} {rng.choice(SURNAMES)}", ctx.locked_password_hash
    staff_id = add_user(ctx, email, Role.STAFF, name, password_hash, _opened_on(ctx))
    writer.add("staff_locations", {"user_id": staff_id, "location_id": location_id})
    return LocationInfo(index=index, id=location_id, place=place, staff_user_id=staff_id)


def _add_program(ctx: Context, index: int) -> ProgramInfo:
    spec, writer = PROGRAMS[index], ctx.writer
    program_id = writer.new_id("programs")
    writer.add("programs", {"id": program_id, "name": spec.name, "description": spec.description})
    levels = []
    for position, (level_name, skills) in enumerate(spec.levels, start=1):
        level_id = writer.new_id("levels")
        writer.add(
            "levels",
            {
                "id": level_id,
                "program_id": program_id,
                "name": level_name,
                "position": position,
            },
        )
        skill_ids = []
        for skill_position, skill in enumerate(skills, start=1):
            skill_id = writer.new_id("skills")
            writer.add(
                "skills",
                {
                    "id": skill_id,
                    "level_id": level_id,
                    "name": skill,
                    "position": skill_position,
                },
            )
            skill_ids.append(skill_id)
        levels.append(LevelInfo(level_id, index, position, level_name, tuple(skill_ids)))
    return ProgramInfo(id=program_id, spec=spec, levels=tuple(levels))


def _add_settings(ctx: Context, home: LocationInfo, admin_id: int) -> None:
    """The business details, and two-factor sign-in off so the four demo logins sign in
    with the password alone; every other setting keeps its default."""
    at = utc(_opened_on(ctx), 16)
    address = (
        f"{HEAD_OFFICE_STREET}, {home.place.city}, {home.place.region} {home.place.postal_code}"
    )
    for key, value in (
        ("business_name", BUSINESS_NAME),
        ("business_address", address),
        ("require_two_factor_for_staff", False),
    ):
        ctx.writer.add(
            "portal_settings",
            {
                "key": key,
                "value": value,
                "updated_at": at,
                "updated_by_user_id": admin_id,
            },
        )
