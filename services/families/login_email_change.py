"""Changing a guardian's sign-in e-mail address: it also changes the account's sign-in address
(`users.email`, unique across all accounts). `services.families.contact_changes.update_email`
hands the sign-in address over to it.

- A guardian (their own, or the primary guardian for a secondary who does not sign in): needs a
  recent sign-in (`services.accounts.reauth.require_recent_sign_in`) and tells the old address
  by e-mail.
- The front desk: only while the guardian has never signed in (no login, invite sent, invite
  revoked): the usual case is a typo made at registration. Once a guardian signs in ("Can Log
  In") the address is theirs: a desk that could change it on a phone call could hand the
  account to whoever called (a password reset then goes to the new address). Invitation links
  already sent stop working (the desk sends a new one), and nothing is sent to the old address,
  which never proved to be the guardian's (telling it would hand the new one to a stranger).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, GuardianAccess, OneTimeTokenPurpose, User
from services.accounts import one_time_tokens
from services.accounts.reauth import require_recent_sign_in
from services.families.contacts import guardian_name
from services.families.editable_contacts import _record
from services.kernel import clock, outbox
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, ValidationError

LOGIN_EMAIL_TAKEN = (
    "That e-mail address is already used to sign in to another account. Choose another one."
)
DESK_KEEPS_OFF = (
    "{name} signs in with this address, so only they can change it (on their Account page). "
    "You can add another address for them instead."
)


def _change_login_email(
    db: Session, actor: Actor, row: EmailAddress, guardian: Guardian | None, address: str
) -> None:
    assert guardian is not None  # a sign-in address always has a guardian (CHECK constraint)
    desk = actor.is_staff
    if desk and guardian.access is GuardianAccess.CAN_LOG_IN:
        raise AccessDenied(DESK_KEEPS_OFF.format(name=guardian_name(guardian)))
    if not desk:
        require_recent_sign_in(db, actor)
    old = row.email
    account = db.get(User, guardian.user_id) if guardian.user_id is not None else None
    if account is not None:
        taken = db.scalar(select(User.id).where(User.email == address, User.id != account.id))
        if taken is not None:
            raise ValidationError(LOGIN_EMAIL_TAKEN)
        account.email = address
    row.email = address
    if desk and account is not None:
        one_time_tokens.revoke_unused(
            db, user_id=account.id, purpose=OneTimeTokenPurpose.INVITATION
        )
    if not desk:
        _tell_old_address(db, row, guardian, old)
    _record(db, actor, "contact.login_email_changed", row, guardian, old=old, new=address)


def _tell_old_address(db: Session, row: EmailAddress, guardian: Guardian, old: str) -> None:
    outbox.enqueue_email(
        db,
        to_address=old,
        subject="Your sign-in e-mail address was changed",
        body_text=(
            f"The sign-in e-mail address of {guardian_name(guardian)} was changed from {old} "
            f"to {row.email} on {clock.now():%Y-%m-%d %H:%M} UTC.\n\n"
            "If you did not expect this, contact the front desk."
        ),
        kind="login_email_changed",
        family_id=row.family_id,
    )
