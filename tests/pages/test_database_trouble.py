"""A busy database shows a short "try again" notice, not Streamlit's error screen
(issue 13, item 22)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import SignInSession
from services.kernel.errors import BUSY
from tests import factories as f
from tests.pages.conftest import new_app
from tests.support.sqlite_locks import short_busy_timeout, write_lock_held


def _database_file(db: Session) -> Path:
    return Path(str(db.get_bind().url.database))


def test_signing_in_while_another_writer_holds_the_lock_says_busy(
    app_db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sign_in begins its write itself, so the driver's "database is locked" reaches the
    router; the page says busy and keeps the form."""
    short_busy_timeout(monkeypatch)
    f.family(app_db, email="p@example.com")
    app_db.commit()
    at = new_app().run()
    at.text_input[0].input("p@example.com")
    at.text_input[1].input(f.PASSWORD)
    with write_lock_held(_database_file(app_db)):
        at = at.button[0].click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [BUSY]
    assert [t.label for t in at.text_input] == ["E-mail", "Password"]
    assert app_db.scalar(select(func.count()).select_from(SignInSession)) == 0
    at = at.button[0].click().run()  # the lock is gone: the same click now signs in
    assert not at.exception
    assert not at.warning
    app_db.commit()  # a fresh snapshot
    assert app_db.scalar(select(func.count()).select_from(SignInSession)) == 1


def _page_that_meets_busy() -> None:
    from components.database_trouble import database_trouble_shown
    from services.kernel.errors import Busy

    with database_trouble_shown():
        raise Busy()


def _page_with_a_bug() -> None:
    from components.database_trouble import database_trouble_shown

    with database_trouble_shown():
        raise KeyError("a bug, not the database")


def test_busy_from_a_service_shows_its_message() -> None:
    at = AppTest.from_function(_page_that_meets_busy).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [BUSY]


def test_other_errors_still_reach_streamlits_error_handling() -> None:
    at = AppTest.from_function(_page_with_a_bug).run()
    assert at.exception  # bugs are not dressed up as "busy"
