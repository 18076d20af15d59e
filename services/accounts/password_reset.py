"""Forgotten passwords: an e-mailed single-use link, valid `RESET_VALID`, that sets a new
password and ends every session of the account.

"Forgot password?" answers the same way whether or not the address has an account, and does
the same work either way: it only checks the address, skips a repeat within `RESEND_AFTER`
and queues a "reset requested" e-mail for the address, without looking the account up. The
sender looks it up when it sends (services.messages.link_mail): an account that may sign in gets a
fresh link; for any other address nothing is sent (so the form cannot be used to send mail
to strangers). A primary guardian can also send the link to a secondary guardian of their
family who can sign in.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from data.models import (
    Guardian,
    GuardianAccess,
    OneTimeToken,
    OneTimeTokenPurpose,
    OutboxMessage,
    User,
)
from data.password_hashing import hash_password
from services.accounts import auth, one_time_tokens, sign_in_throttle
from services.accounts.invitations import locked_secondary_guardian
from services.accounts.passwords import check_new_password, text_or_empty
from services.kernel import audit, clock
from services.kernel.access import Actor, require_primary_guardian
from services.kernel.errors import ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER, RESET_KIND, enqueue_email
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

RESET_VALID = timedelta(minutes=60)
# A second request this soon after the last one sends nothing: the first link still works,
# and the form cannot be used to flood someone's inbox.
RESEND_AFTER = timedelta(minutes=2)
RESET = OneTimeTokenPurpose.PASSWORD_RESET
LINK_PARAMETER = "reset"
RESET_INVALID = (
    "This password reset link is no longer valid. Ask for a new one with "
    '"Forgot your password?" on the sign-in page.'
)


def request_password_reset(db: Session, email: object, *, base_url: str) -> None:
    """Queue a reset e-mail for `email`. Returns nothing and raises nothing (but a setup
    mistake in base_url), and does the same reads and writes whether or not the address has
    an account, so neither the answer nor its timing tells which addresses have one."""
    one_time_tokens.public_address(base_url)  # a setup mistake shows whatever the address
    address = auth.normalise_email(text_or_empty(email))
    if not _plausible_address(address):
        return
    with write_transaction(db):
        if _recently_queued(db, address):
            return
        _queue(db, address)


def send_password_reset_for_guardian(
    db: Session, actor: Actor, guardian_id: int, *, base_url: str
) -> None:
    """The primary guardian sends a secondary guardian of the family (one who can sign in) a
    link to choose a new password. The link goes to that guardian's own sign-in address."""
    require_primary_guardian(actor)
    one_time_tokens.public_address(base_url)  # the link is made when sent; a bad setup shows now
    with write_transaction(db):
        guardian = locked_secondary_guardian(db, actor, guardian_id)
        user = db.get(User, guardian.user_id) if guardian.user_id is not None else None
        if guardian.access is not GuardianAccess.CAN_LOG_IN or user is None or not user.is_active:
            raise ValidationError(
                f"{guardian.first_name} cannot sign in, so there is no password to reset. "
                "Send an invitation instead."
            )
        _queue(db, user.email, family_id=guardian.family_id)
        audit.record(
            db,
            actor,
            "auth.password_reset_sent",
            entity="guardian",
            entity_id=guardian.id,
            details={"guardian": f"{guardian.first_name} {guardian.last_name}"},
        )


def reset_token_valid(db: Session, token: str) -> bool:
    """Whether a reset link still works (the page asks before showing the form)."""
    return _reset(db, token) is not None


def reset_password(db: Session, token: str, password: str, confirm: str) -> None:
    """Set a new password from a reset link. The link works once; every session of the
    account ends, and a sign-in lockout on the address is lifted."""
    found = _reset(db, token)
    if found is None:
        db.rollback()
        raise ValidationError(RESET_INVALID)
    token_id, user_id, email = found[0].id, found[1].id, found[1].email
    db.rollback()  # end the read: hashing takes a moment and must not hold the write lock
    password_hash = hash_password(check_new_password(password, confirm, email=email))
    with write_transaction(db):
        user = db.get(User, user_id, with_for_update=True, populate_existing=True)
        if user is None or not one_time_tokens.consume(db, token_id):
            raise ValidationError(RESET_INVALID)
        user.password_hash = password_hash
        user.password_changed_at = clock.now()
        auth.end_all_sessions(db, user.id)
        sign_in_throttle.lift(db, email)
        audit.record(
            db,
            None,
            "auth.password_reset",
            entity="user",
            entity_id=user.id,
            user_id=user.id,
            family_id=_family_of(db, user.id),
        )


def _queue(db: Session, address: str, *, family_id: int | None = None) -> None:
    """The reset e-mail for `address`, its link left for the sender to create."""
    business = get_settings(db).business_name
    enqueue_email(
        db,
        to_address=address,
        subject=f"Reset your {business} password",
        body_text=(
            f"Someone asked to reset the password of {address} at {business}. "
            f"To choose a new password, open this link:\n\n{LINK_PLACEHOLDER}\n\n"
            "The link works once and expires in 60 minutes. Choosing a new password signs "
            "you out everywhere. If you did not ask for this, ignore this e-mail: your "
            "password stays as it is.\n"
        ),
        kind=RESET_KIND,
        family_id=family_id,
    )


def _plausible_address(address: str) -> bool:
    return (
        0 < len(address) <= 254
        and "@" in address
        and not any(c.isspace() or not c.isprintable() for c in address)
    )


def _reset(db: Session, token: object) -> tuple[OneTimeToken, User] | None:
    row = one_time_tokens.usable(db, RESET, token)
    user = db.get(User, row.user_id) if row is not None and row.user_id is not None else None
    if row is None or user is None or not user.is_active or not auth._may_sign_in(db, user):
        return None
    return row, user


def _recently_queued(db: Session, address: str) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(
                    OutboxMessage.to_address == address,
                    OutboxMessage.kind == RESET_KIND,
                    OutboxMessage.created_at > clock.now() - RESEND_AFTER,
                )
            )
        )
    )


def _family_of(db: Session, user_id: int) -> int | None:
    return db.scalar(select(Guardian.family_id).where(Guardian.user_id == user_id))
