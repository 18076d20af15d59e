"""The admin's Outbox page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import OutboxMessage, OutboxStatus, Role
from services import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts


def test_outbox_lists_and_shows_a_message(app_db: Session) -> None:
    loc = f.location(app_db)
    f.staff(app_db, "owner@example.com", [loc], role=Role.ADMIN)
    app_db.add(
        OutboxMessage(
            to_address="a@example.com",
            subject="Your invitation",
            body_text="Click the link to join.",
            kind="invitation",
            status=OutboxStatus.QUEUED,
            created_at=clock.now(),
        )
    )
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_outbox.py").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Subject"]) == ["Your invitation"]
    assert "Click the link to join." in [t.value for t in at.get("text")]


def test_empty_outbox(app_db: Session) -> None:
    loc = f.location(app_db)
    f.staff(app_db, "owner@example.com", [loc], role=Role.ADMIN)
    app_db.commit()
    at = signed_in_app(app_db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_outbox.py").run()
    assert not at.exception
    assert "No messages yet." in texts(at)
