"""Changing a guardian's sign-in e-mail address: it also changes the account's sign-in address
(`users.email`, unique across all accounts), asks for a recent sign-in
(`services.accounts.reauth.require_recent_sign_in`) and tells the old address by e-mail.
`services.families.contact_changes.update_email` hands the sign-in address over to it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import EmailAddress, Guardian, User
from services.accounts.reauth import require_recent_sign_in
from services.families.contacts import guardian_name
from services.families.editable_contacts import _record
from services.kernel import clock, outbox
from services.kernel.access import Actor
from services.kernel.errors import ValidationError

LOGIN_EMAIL_TAKEN = (
    "That e-mail address is already used to sign in to another account. Choose another one."
)


def _change_login_email(
    db: Session, actor: Actor, row: EmailAddress, guardian: Guardian | None, address: str
) -> None:
    require_recent_sign_in(db, actor)
    assert guardian is not None  # a sign-in address always has a guardian (CHECK constraint)
    old = row.email
    account = db.get(User, guardian.user_id) if guardian.user_id is not None else None
    if account is not None:
        taken = db.scalar(select(User.id).where(User.email == address, User.id != account.id))
        if taken is not None:
            raise ValidationError(LOGIN_EMAIL_TAKEN)
        account.email = address
    row.email = address
    outbox.enqueue_email(
        db,
        to_address=old,
        subject="Your sign-in e-mail address was changed",
        body_text=(
            f"The sign-in e-mail address of {guardian_name(guardian)} was changed from {old} "
            f"to {address} on {clock.now():%Y-%m-%d %H:%M} UTC.\n\n"
            "If you did not expect this, contact the front desk."
        ),
        kind="login_email_changed",
        family_id=row.family_id,
    )
    _record(db, actor, "contact.login_email_changed", row, guardian, old=old, new=address)
