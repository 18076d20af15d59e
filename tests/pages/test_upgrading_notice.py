"""While the database is not at the code's schema (an upgrade before `python -m data.migrate`),
every page shows a short "being upgraded" notice instead of error screens."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.orm import Session

from components.shell import UPGRADING
from data.migrate import alembic_config, upgrade
from tests import factories as f
from tests.pages.conftest import new_app, signed_in_app, texts


def test_pages_say_upgrading_while_the_schema_is_behind(app_db: Session) -> None:
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = signed_in_app(app_db, "p@example.com", f.PASSWORD)
    url = str(app_db.get_bind().url)
    command.downgrade(alembic_config(url), "-1")
    at.run()
    assert not at.exception
    assert texts(at) == UPGRADING
    upgrade(url)  # the owner migrates: the same browser session carries on
    at.run()
    assert not at.exception
    assert UPGRADING not in texts(at)


def test_an_unmigrated_database_shows_the_notice_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTWHEEL_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = new_app().run()
    assert not at.exception
    assert texts(at) == UPGRADING
    assert not at.error
