"""The first-run setup link: while no administrator exists, the server prints a one-time link
(`/?setup=<token>`) at start; whoever opens it sets the business up and becomes its owner
(services/backoffice/first_run.py).

The token is made like an invitation's (random, only its hash stored, spent by a conditional
UPDATE) but belongs to nobody: no account exists yet. It stays valid until it is used or the
server starts again, which revokes every earlier setup link and prints a new one, so only the
link in the latest start-up output works. Nothing here takes an actor: before setup there is
nobody to be; the printed link is the proof of access to the server's output.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import OneTimeToken, OneTimeTokenPurpose, Role, User
from services.accounts import one_time_tokens
from services.kernel import audit
from services.kernel.transactions import write_transaction

SETUP = OneTimeTokenPurpose.SETUP
LINK_PARAMETER = "setup"
# "Valid until used": a restart replaces it, so it needs no short expiry of its own.
SETUP_VALID = timedelta(days=3650)
NOT_SET_UP = "This portal is not set up yet."
SETUP_INVALID = (
    "This setup link is no longer valid. It works once, and a restart of the server replaces "
    "it: use the link the server printed last."
)
ALREADY_SET_UP = "This portal is already set up. Sign in instead."


def admin_exists(db: Session) -> bool:
    """Whether any administrator account exists (active or not: setup happens once)."""
    return db.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1)) is not None


def portal_needs_setup(db: Session) -> bool:
    """True until the first administrator exists. No actor: the signed-out sign-in page asks."""
    return not admin_exists(db)


def issue_setup_link(db: Session, *, base_url: str) -> str | None:
    """At server start: None when an administrator exists; otherwise revoke every earlier
    setup link and return a new one to print (the token itself is kept nowhere)."""
    address = one_time_tokens.public_address(base_url)
    with write_transaction(db):
        earlier = one_time_tokens.lock_unused(db, SETUP)
        if admin_exists(db):
            one_time_tokens.revoke_ids(db, earlier)
            return None
        one_time_tokens.revoke_ids(db, earlier)
        token, token_id = one_time_tokens.issue(db, SETUP, SETUP_VALID, user_id=None)
        audit.record(
            db,
            None,
            "setup.link_issued",
            entity="one_time_token",
            entity_id=token_id,
            details={"replaced": len(earlier)},
        )
    return one_time_tokens.link(address, LINK_PARAMETER, token)


def setup_link_valid(db: Session, token: str) -> bool:
    """Whether a setup link still opens the setup page: unused, not replaced, and no
    administrator yet."""
    return usable_setup_token(db, token) is not None and not admin_exists(db)


def usable_setup_token(db: Session, token: object) -> OneTimeToken | None:
    """The setup token's row while it can still be used, else None (for first_run)."""
    return one_time_tokens.usable(db, SETUP, token)
