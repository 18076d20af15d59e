"""A staff member's side of an invitation: opening the e-mailed link and choosing a password.

The admin invites (services.backoffice.staff): the account exists with no password, and the
e-mail's link is made when it is sent (services.messages.link_mail, kind
`STAFF_INVITATION_KIND`). The token is an ordinary invitation token (purpose "invitation")
with no guardian: a guardian's link never opens a staff invitation or the reverse. The link
works once and only while the account is active and has no password yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from data.models import OneTimeToken, User
from data.password_hashing import hash_password
from services.accounts import one_time_tokens
from services.accounts.invitations import INVITATION
from services.accounts.passwords import check_new_password
from services.accounts.second_factor import STAFF_ROLES
from services.kernel import audit, clock
from services.kernel.errors import ValidationError
from services.kernel.transactions import write_transaction

STAFF_INVITATION_VALID = timedelta(hours=72)
LINK_PARAMETER = "staff_invitation"
STAFF_INVITATION_INVALID = (
    "This invitation link is no longer valid. Ask the gym's administrator to send a new one."
)


@dataclass(frozen=True)
class StaffInvitationDetails:
    display_name: str
    email: str
    role: str


def invitable(user: User | None) -> bool:
    """A staff account still waiting for its first password."""
    return (
        user is not None
        and user.role in STAFF_ROLES
        and user.is_active
        and user.password_hash is None
    )


def staff_invitation_details(db: Session, token: object) -> StaffInvitationDetails | None:
    """The invitation a link carries, or None for anything unusable. No actor: the token is
    the proof."""
    found = _invitation(db, token)
    if found is None:
        return None
    user = found[1]
    return StaffInvitationDetails(user.display_name, user.email, user.role.value)


def accept_staff_invitation(db: Session, token: object, password: object, confirm: object) -> int:
    """Set the invited staff member's password (the link works once); returns their user id."""
    found = _invitation(db, token)
    if found is None:
        db.rollback()
        raise ValidationError(STAFF_INVITATION_INVALID)
    token_id, user_id, email = found[0].id, found[1].id, found[1].email
    db.rollback()  # hashing takes a moment and must not hold the write lock
    password_hash = hash_password(check_new_password(password, confirm, email=email))
    with write_transaction(db):
        user = db.get(User, user_id, with_for_update=True, populate_existing=True)
        if not invitable(user) or not one_time_tokens.consume(db, token_id):
            raise ValidationError(STAFF_INVITATION_INVALID)
        assert user is not None  # invitable checked it
        user.password_hash = password_hash
        user.password_changed_at = clock.now()
        audit.record(
            db,
            None,
            "staff.invitation_accepted",
            entity="user",
            entity_id=user.id,
            user_id=user.id,
        )
    return user_id


def _invitation(db: Session, token: object) -> tuple[OneTimeToken, User] | None:
    row = one_time_tokens.usable(db, INVITATION, token)
    if row is None or row.guardian_id is not None or row.user_id is None:
        return None
    user = db.get(User, row.user_id)
    return (row, user) if invitable(user) and user is not None else None
