"""The admin's Outbox page."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from data.models import AuditEntry, OutboxMessage, OutboxStatus, Role
from services.accounts.password_reset import request_password_reset
from services.kernel import clock
from tests import factories as f
from tests.pages.conftest import signed_in_app, texts
from tests.support.links import invite_sam, outbox_texts, working_tokens_in


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


# Reset and invitation links are made when sent, never shown here (issue 13, item 8)

BASE = "http://localhost:8501"


def _queued_links(db: Session) -> None:
    """A reset for the parent, and an invitation for Sam, as the forms queue them."""
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    invite_sam(db, BASE)


def _everything_shown(at: AppTest) -> list[str]:
    shown = [texts(at), at.dataframe[0].value.to_csv()]
    shown += [str(element.value) for kind in ("text", "code") for element in at.get(kind)]
    return shown


def _admin_outbox(db: Session) -> AppTest:
    f.staff(db, "owner@example.com", [f.location(db)], role=Role.ADMIN)
    db.commit()
    at = signed_in_app(db, "owner@example.com", f.PASSWORD).run()
    at.switch_page("../pages/admin_outbox.py").run()
    assert not at.exception
    return at


def test_the_outbox_page_shows_no_working_link(app_db: Session) -> None:
    _queued_links(app_db)
    at = _admin_outbox(app_db)
    shown: list[str] = []
    for message_id in app_db.scalars(select(OutboxMessage.id)).all():
        at.selectbox(key="outbox.read").set_value(message_id).run()
        assert not at.exception
        shown += _everything_shown(at)
    assert "[link created when sent]" in "\n".join(shown)
    assert working_tokens_in(app_db, shown) == []
    assert working_tokens_in(app_db, outbox_texts(app_db)) == []


def test_an_admin_creates_a_fresh_link_shown_once(app_db: Session) -> None:
    _queued_links(app_db)
    at = _admin_outbox(app_db)
    reset = app_db.scalars(
        select(OutboxMessage.id).where(OutboxMessage.kind == "password_reset")
    ).one()
    at.selectbox(key="outbox.read").set_value(reset).run()
    at.button(key="outbox.fresh_link").click().run()
    assert not at.exception
    [code] = at.get("code")
    link = str(code.value)
    assert link.startswith(f"{BASE}/?reset=")
    assert working_tokens_in(app_db, [link]) == [link.rpartition("=")[2]]
    assert working_tokens_in(app_db, outbox_texts(app_db)) == []  # nor in the audit log
    actions = app_db.scalars(select(AuditEntry.action)).all()
    assert "outbox.fresh_link_created" in actions
    at.run()  # any later run: the link is gone from the page
    assert not at.exception and at.get("code") == []
    assert working_tokens_in(app_db, _everything_shown(at)) == []
