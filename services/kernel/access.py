"""Who is asking: the Actor, built only from a valid sign-in session, and the scoping rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from data.models import Role
from services.kernel.errors import AccessDenied, NotFound


@dataclass(frozen=True)
class Actor:
    """The signed-in person as every service function sees them.

    Built by services.accounts.auth from the session row; never from a widget or a query parameter.
    """

    user_id: int
    role: Role
    display_name: str = ""
    family_id: int | None = None  # guardians only
    guardian_id: int | None = None  # guardians only
    is_primary: bool = False
    may_pay: bool = False
    location_ids: frozenset[int] = field(default_factory=frozenset)  # staff only; admin: all
    session_id: int | None = None

    @property
    def user_row_id(self) -> int | None:
        """The users row to record as the author of a write; None for the scheduler."""
        return self.user_id or None

    @property
    def is_scheduler(self) -> bool:
        return self.user_id == SCHEDULER_USER_ID

    @property
    def is_guardian(self) -> bool:
        return self.role is Role.GUARDIAN

    @property
    def is_staff(self) -> bool:
        """Staff or admin."""
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        """Instructors are not `is_staff`: they see only their own classes, not the desk."""
        return self.role is Role.INSTRUCTOR


SCHEDULER_USER_ID = 0  # no users row has id 0 (ids start at 1)


def scheduler_actor() -> Actor:
    """Who scheduled jobs act as: an administrator of every location with no user row.

    Never built from a sign-in; audit entries and ledger rows it writes name no user."""
    return Actor(user_id=SCHEDULER_USER_ID, role=Role.ADMIN, display_name="Scheduled job")


def require_guardian(actor: Actor) -> int:
    """The actor's family id; refuses anyone who is not a guardian of a family."""
    if not actor.is_guardian or actor.family_id is None:
        raise AccessDenied("This page is for parents and guardians.")
    return actor.family_id


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise AccessDenied("This is for staff only.")


def require_teaching_staff(actor: Actor) -> None:
    """Staff, admins and instructors (who reach only the classes they teach)."""
    if not (actor.is_staff or actor.is_instructor):
        raise AccessDenied("This is for staff only.")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AccessDenied("Only an administrator can do this.")


def require_primary_guardian(actor: Actor) -> int:
    family_id = require_guardian(actor)
    if not actor.is_primary:
        raise AccessDenied("Only the primary guardian can do this.")
    return family_id


def can_see_location(actor: Actor, location_id: int) -> bool:
    """Staff see their own locations, admins all; guardians are scoped by family instead."""
    if actor.is_admin:
        return True
    return actor.is_staff and location_id in actor.location_ids


def require_location(actor: Actor, location_id: int) -> None:
    """Staff-side check; an unseen location answers exactly like a missing one."""
    require_staff(actor)
    if not can_see_location(actor, location_id):
        raise NotFound("location")


def require_family(actor: Actor, family_id: int) -> None:
    """A guardian may reach only their own family; another family answers like a missing one.

    Staff reach any family (location-scoped checks for staff happen where a location is
    involved, e.g. rosters).
    """
    if actor.is_staff:
        return
    if actor.family_id != family_id:
        raise NotFound("family")
