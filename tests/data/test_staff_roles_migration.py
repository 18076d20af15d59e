"""Migration 0006 (issue 15): the role CHECK constraint admits 'instructor' and nothing else
new, on SQLite (altered in batch mode) and PostgreSQL; down and up again keeps the users."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from data.migrate import alembic_config

INSERT = (
    "INSERT INTO users (email, role, display_name, is_active, created_at) "
    "VALUES (:email, :role, 'X', true, CURRENT_TIMESTAMP)"
)


def test_role_constraint_admits_instructor_only(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"email": "coach@example.com", "role": "instructor"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(INSERT), {"email": "boss@example.com", "role": "owner"})


def test_downgrade_and_upgrade_keep_staff(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'roles.db'}"
    command.upgrade(alembic_config(url), "0005")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"email": "desk@example.com", "role": "staff"})
        with pytest.raises(IntegrityError), conn.begin_nested():
            conn.execute(text(INSERT), {"email": "coach@example.com", "role": "instructor"})
    command.upgrade(alembic_config(url), "0006")
    with engine.begin() as conn:
        conn.execute(text(INSERT), {"email": "coach@example.com", "role": "instructor"})
    command.downgrade(alembic_config(url), "0005")
    with engine.connect() as conn:
        roles = dict(conn.execute(text("SELECT email, role FROM users")).all())
    assert roles == {"desk@example.com": "staff", "coach@example.com": "staff"}
    engine.dispose()
