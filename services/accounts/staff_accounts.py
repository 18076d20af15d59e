"""Staff and admin accounts. The first admin is created from the command line on the server:

.venv/bin/python -m scripts.create_admin owner@example.com "Pat Owner"
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.db import begin_write
from data.models import Location, OneTimeTokenPurpose, Role, User, staff_locations
from data.password_hashing import hash_password
from services.accounts import one_time_tokens
from services.accounts.auth import normalise_email
from services.accounts.passwords import check_password_rules
from services.kernel import audit, clock
from services.kernel.errors import ValidationError
from services.kernel.validation import require_text


def bootstrap_admin(db: Session, email: str, display_name: str, password: str) -> int:
    """Create the first admin (all locations). Refused once any admin exists: later accounts
    are made by an admin in the app. There is no Actor yet, which is why this is the one
    function without one; only someone with shell access to the server can run it."""
    for value, what in ((email, "e-mail address"), (display_name, "name"), (password, "password")):
        require_text(value, what)
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationError("Enter a valid e-mail address.")
    check_password_rules(password, email=email)
    begin_write(db)
    # Under the setup links' row locks, so a setup from the printed link cannot run at the
    # same moment (services/backoffice/first_run.py); the links stop working either way.
    one_time_tokens.revoke_ids(db, one_time_tokens.lock_unused(db, OneTimeTokenPurpose.SETUP))
    if db.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)):
        db.rollback()
        raise ValidationError("An administrator already exists; add staff from the app.")
    if db.scalar(select(User.id).where(User.email == email)):
        db.rollback()
        raise ValidationError("That e-mail already has an account.")
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=Role.ADMIN,
        display_name=display_name.strip()[:120],
        created_at=clock.now(),
    )
    db.add(user)
    db.flush()
    for location_id in db.scalars(select(Location.id)):
        db.execute(staff_locations.insert().values(user_id=user.id, location_id=location_id))
    audit.record(
        db, None, "account.admin_bootstrapped", entity="user", entity_id=user.id, user_id=user.id
    )
    db.commit()
    return user.id
