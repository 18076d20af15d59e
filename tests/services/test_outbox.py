"""The outbox listing: admins only, newest first, filtered by state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data.models import OutboxMessage, OutboxStatus, Role
from services.kernel import clock
from services.kernel.errors import AccessDenied, ValidationError
from services.kernel.outbox import enqueue_email, list_outbox
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


def test_enqueue_email_queues_inside_the_callers_transaction(db: Session) -> None:
    loc = f.location(db)
    admin = f.staff(db, "owner@example.com", [loc], role=Role.ADMIN)
    enqueue_email(
        db, to_address=" parent@example.com ", subject="Receipt", body_text="Paid", kind="receipt"
    )
    db.rollback()
    assert list_outbox(db, admin) == []
    enqueue_email(
        db, to_address="parent@example.com", subject="Receipt", body_text="Paid", kind="receipt"
    )
    db.commit()
    [queued] = list_outbox(db, admin)
    assert (queued.to_address, queued.status, queued.kind) == (
        "parent@example.com",
        "queued",
        "receipt",
    )


@pytest.mark.parametrize(("to", "body"), [("", "Body"), ("no-at-sign", "Body"), ("a@b.c", "  ")])
def test_enqueue_email_refuses_a_message_that_cannot_be_sent(
    db: Session, to: str, body: str
) -> None:
    with pytest.raises(ValidationError):
        enqueue_email(db, to_address=to, subject="S", body_text=body, kind="receipt")
    assert not db.new
