"""Staff accounts, managed by admins: invite by e-mail with a role (front desk, instructor,
admin) and locations, edit, deactivate and reactivate, re-send an invitation, reset a second
factor. Staff have history (audit entries, sessions), so nobody is deleted: a deactivated
account cannot sign in and its sessions end at once.

The invitation is the existing machinery: the account is created with no password, the
e-mail's link is made when it is sent (services.messages.link_mail) and the staff member
chooses a password on the accept page (services.accounts.staff_invitations).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from data.models import Location, Role, User, staff_locations
from services.accounts import one_time_tokens, second_factor
from services.accounts.auth import end_all_sessions, normalise_email
from services.accounts.invitations import INVITATION
from services.accounts.staff_invitations import invitable
from services.kernel import audit, clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import NotFound, ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER, STAFF_INVITATION_KIND, enqueue_email
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction
from services.kernel.validation import require_id, require_int, require_text

PAGE_SIZE = 25
MAX_QUERY_LENGTH = 100
ROLE_LABELS = {Role.STAFF: "Front desk", Role.INSTRUCTOR: "Instructor", Role.ADMIN: "Admin"}
NOT_YOURSELF = "You cannot change your own role or deactivate yourself; ask another admin."


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    display_name: str
    email: str
    role: str  # "staff", "instructor" or "admin"
    location_ids: tuple[int, ...]
    location_names: tuple[str, ...]
    is_active: bool
    invited: bool  # no password chosen yet
    two_factor: bool  # an authenticator is set up


@dataclass(frozen=True)
class StaffPage:
    members: list[StaffMember]
    total: int
    page: int
    pages: int


def list_staff(db: Session, actor: Actor, *, query: str = "", page: int = 0) -> StaffPage:
    """Admin: staff accounts by name, searched by name or e-mail, `PAGE_SIZE` a page."""
    require_admin(actor)
    query = require_text(query, "search", max_length=MAX_QUERY_LENGTH)
    page = require_int(page, "page")
    if page < 0:
        raise ValidationError("Choose a page from 1.")
    where = [User.role.in_(tuple(ROLE_LABELS))]
    if needle := query.strip().lower():
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    total = db.scalar(select(func.count()).select_from(User).where(*where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    users = db.scalars(
        select(User)
        .where(*where)
        .order_by(func.lower(User.display_name), User.id)
        .limit(PAGE_SIZE)
        .offset(min(page, pages - 1) * PAGE_SIZE)
    ).all()
    return StaffPage([_member(db, user) for user in users], total, min(page, pages - 1), pages)


def staff_member(db: Session, actor: Actor, user_id: object) -> StaffMember:
    require_admin(actor)
    return _member(db, _staff_user(db, user_id))


def invite_staff(
    db: Session,
    actor: Actor,
    email: object,
    display_name: object,
    role: object,
    location_ids: Sequence[object],
    *,
    base_url: str,
) -> int:
    """Create a staff account without a password and e-mail its invitation; returns its id."""
    require_admin(actor)
    address = _email(email)
    name = _name(display_name)
    chosen_role = _role(role)
    locations = _locations(db, chosen_role, location_ids)
    one_time_tokens.public_address(base_url)  # the link is made when sent; a bad setup shows now
    with write_transaction(db):
        if db.scalar(select(User.id).where(User.email == address)) is not None:
            raise ValidationError("That e-mail address already has a Cartwheel account.")
        user = User(
            email=address, password_hash=None, role=chosen_role, display_name=name,
            created_at=clock.now(),
        )  # fmt: skip
        db.add(user)
        db.flush()
        _set_locations(db, user.id, locations)
        _queue_invitation(db, actor, user)
        audit.record(
            db, actor, "staff.invited", entity="user", entity_id=user.id,
            details={"email": address, "role": chosen_role.value, "locations": locations},
        )  # fmt: skip
    return user.id


def resend_staff_invitation(db: Session, actor: Actor, user_id: object, *, base_url: str) -> None:
    """A new invitation e-mail; the earlier link stops working when this one is sent."""
    require_admin(actor)
    one_time_tokens.public_address(base_url)
    with write_transaction(db):
        user = _staff_user(db, user_id, lock=True)
        if not invitable(user):
            raise ValidationError(f"{user.display_name} already chose a password or is inactive.")
        _queue_invitation(db, actor, user)
        audit.record(db, actor, "staff.invitation_resent", entity="user", entity_id=user.id)


def update_staff(
    db: Session,
    actor: Actor,
    user_id: object,
    display_name: object,
    role: object,
    location_ids: Sequence[object],
) -> None:
    """Change a staff member's name, role and locations. Their open sessions pick the change
    up at their next page (the Actor is rebuilt on every run)."""
    require_admin(actor)
    name = _name(display_name)
    chosen_role = _role(role)
    locations = _locations(db, chosen_role, location_ids)
    with write_transaction(db):
        user = _staff_user(db, user_id, lock=True)
        if user.id == actor.user_id and chosen_role is not user.role:
            raise ValidationError(NOT_YOURSELF)
        before = _member(db, user)
        user.display_name, user.role = name, chosen_role
        _set_locations(db, user.id, locations)
        audit.record(
            db, actor, "staff.updated", entity="user", entity_id=user.id,
            details={"before": {"name": before.display_name, "role": before.role,
                                "locations": list(before.location_ids)},
                     "after": {"name": name, "role": chosen_role.value, "locations": locations}},
        )  # fmt: skip


def set_staff_active(db: Session, actor: Actor, user_id: object, active: object) -> None:
    """Deactivate (every session ends at once, unused links stop working) or reactivate."""
    require_admin(actor)
    if not isinstance(active, bool):
        raise ValidationError("Choose active or inactive.")
    with write_transaction(db):
        user = _staff_user(db, user_id, lock=True)
        if user.id == actor.user_id:
            raise ValidationError(NOT_YOURSELF)
        if user.is_active == active:
            return
        user.is_active = active
        if not active:
            user.sessions_valid_after = clock.now()
            end_all_sessions(db, user.id)
            one_time_tokens.revoke_unused(db, user_id=user.id)
        action = "staff.reactivated" if active else "staff.deactivated"
        audit.record(db, actor, action, entity="user", entity_id=user.id)


def reset_second_factor(db: Session, actor: Actor, user_id: object) -> None:
    """Forget a staff member's authenticator and recovery codes; they set one up again at
    their next sign-in (their sessions end, so that happens at once)."""
    require_admin(actor)
    with write_transaction(db):
        user = _staff_user(db, user_id, lock=True)
        if user.id == actor.user_id:
            raise ValidationError("Ask another admin to reset your own two-factor sign-in.")
        if user.totp_secret_encrypted is None:
            raise ValidationError(f"{user.display_name} has no two-factor sign-in to reset.")
        second_factor.clear(db, user)
        end_all_sessions(db, user.id)
        audit.record(db, actor, "staff.second_factor_reset", entity="user", entity_id=user.id)


def _staff_user(db: Session, user_id: object, *, lock: bool = False) -> User:
    user = db.get(User, require_id(user_id, "staff member"), with_for_update=lock or None)
    if user is None or user.role not in ROLE_LABELS:
        raise NotFound("staff member")
    return user


def _member(db: Session, user: User) -> StaffMember:
    rows = db.execute(
        select(Location.id, Location.name)
        .join(staff_locations, staff_locations.c.location_id == Location.id)
        .where(staff_locations.c.user_id == user.id)
        .order_by(Location.name, Location.id)
    ).all()
    return StaffMember(
        user.id, user.display_name, user.email, user.role.value,
        tuple(row.id for row in rows), tuple(row.name for row in rows), user.is_active,
        user.password_hash is None, second_factor.enrolled(user),
    )  # fmt: skip


def _name(value: object) -> str:
    name = require_text(value, "name", max_length=120).strip()
    if not name:
        raise ValidationError("Enter the staff member's name.")
    return name


def _email(value: object) -> str:
    address = normalise_email(require_text(value, "e-mail address", max_length=254))
    local, at, domain = address.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise ValidationError("Enter a valid e-mail address, like pat@example.com.")
    return address


def _role(value: object) -> Role:
    for role in ROLE_LABELS:
        if value == role.value:
            return role
    raise ValidationError("Choose a role: front desk, instructor or admin.")


def _locations(db: Session, role: Role, location_ids: Sequence[object]) -> list[int]:
    """The chosen locations, each an active one; staff and instructors need at least one
    (admins reach every location whatever is stored)."""
    if not isinstance(location_ids, (list, tuple)) or len(location_ids) > 500:
        raise ValidationError("Choose the staff member's locations.")
    ids = sorted({require_id(value, "location") for value in location_ids})
    found = set(
        db.scalars(select(Location.id).where(Location.id.in_(ids), Location.is_active.is_(True)))
    )
    if found != set(ids):
        raise NotFound("location")
    if not ids and role is not Role.ADMIN:
        raise ValidationError("Choose at least one location for this staff member.")
    return ids


def _set_locations(db: Session, user_id: int, location_ids: list[int]) -> None:
    db.execute(delete(staff_locations).where(staff_locations.c.user_id == user_id))
    if location_ids:
        db.execute(
            insert(staff_locations), [{"user_id": user_id, "location_id": i} for i in location_ids]
        )


def _queue_invitation(db: Session, actor: Actor, user: User) -> None:
    one_time_tokens.revoke_unused(db, user_id=user.id, purpose=INVITATION)
    business = get_settings(db).business_name
    enqueue_email(
        db,
        to_address=user.email,
        subject=f"{actor.display_name} invited you to {business}'s Cartwheel staff portal",
        body_text=(
            f"Hello {user.display_name},\n\n{actor.display_name} invited you to the staff "
            f"portal of {business} as {ROLE_LABELS[user.role].lower()}. Choose a password "
            f"here:\n\n{LINK_PLACEHOLDER}\n\nThe link works once and expires in 72 hours.\n"
        ),
        kind=STAFF_INVITATION_KIND,
    )
