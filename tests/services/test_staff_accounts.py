"""Creating the first administrator from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Role, User
from services.accounts import auth
from services.accounts.staff_accounts import bootstrap_admin
from services.kernel.errors import ValidationError
from tests import factories as f


def test_first_admin_gets_every_location_and_can_sign_in(db: Session) -> None:
    north, south = f.location(db, "North"), f.location(db, "South")
    f.portal_settings(db, require_two_factor_for_staff=False)  # password alone, as the demo
    db.commit()
    bootstrap_admin(db, " Owner@Example.com ", "Pat Owner", "a-long-owner-secret")
    result = auth.sign_in(db, "owner@example.com", "a-long-owner-secret")
    actor = auth.actor_for_session(db, result.session_id)
    assert actor.is_admin and actor.location_ids == {north.id, south.id}


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "a-long-owner-secret", "valid e-mail"),
        ("owner@example.com", "short", "at least 8"),
        ("owner@example.com", "password123", "too common"),
    ],
)
def test_bad_input_creates_nothing(db: Session, email: str, password: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        bootstrap_admin(db, email, "Pat", password)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_only_the_first_admin(db: Session) -> None:
    bootstrap_admin(db, "owner@example.com", "Pat", "a-long-owner-secret")
    with pytest.raises(ValidationError, match="already exists"):
        bootstrap_admin(db, "second@example.com", "Sam", "another-long-secret")
    assert db.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN)) == 1
