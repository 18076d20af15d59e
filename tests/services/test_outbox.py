"""The outbox listing: admins only, newest first, filtered by state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data.models import OutboxMessage, OutboxStatus, Role
from services import clock
from services.errors import AccessDenied, ValidationError
from services.outbox import list_outbox
from tests import factories as f


def _message(db: Session, to: str, status: OutboxStatus, minutes: int) -> None:
    db.add(
        OutboxMessage(
            to_address=to,
            subject=f"Hello {to}",
            body_text="Body",
            kind="invitation",
            status=status,
            created_at=clock.now() - timedelta(minutes=minutes),
            last_error="SMTP refused" if status is OutboxStatus.FAILED else "",
        )
    )


def test_admins_read_the_outbox_newest_first_and_by_state(db: Session) -> None:
    loc = f.location(db)
    admin = f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    _message(db, "a@example.com", OutboxStatus.SENT, 30)
    _message(db, "b@example.com", OutboxStatus.QUEUED, 10)
    _message(db, "c@example.com", OutboxStatus.FAILED, 20)
    db.commit()
    assert [m.to_address for m in list_outbox(db, admin)] == [
        "b@example.com",
        "c@example.com",
        "a@example.com",
    ]
    failed = list_outbox(db, admin, status="failed")
    assert [(m.to_address, m.last_error) for m in failed] == [("c@example.com", "SMTP refused")]
    with pytest.raises(ValidationError):
        list_outbox(db, admin, status="lost")


def test_only_admins(db: Session) -> None:
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    _, _, account = f.family(db)
    for actor in (desk, f.guardian_actor(db, account)):
        with pytest.raises(AccessDenied):
            list_outbox(db, actor)
