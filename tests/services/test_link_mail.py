"""Reset and invitation links are made when sent and kept nowhere; an admin can make a fresh
one to hand over (issue 13, item 8). The SMTP side is in test_mailer."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEntry, OutboxMessage, OutboxStatus, Role
from services.accounts.invitations import invitation_details
from services.accounts.password_reset import request_password_reset, reset_token_valid
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.errors import AccessDenied, NotFound, ValidationError
from services.kernel.outbox import LINK_PLACEHOLDER, MAX_ATTEMPTS, enqueue_email
from services.messages.link_mail import NothingToSend, create_fresh_link
from tests import factories as f
from tests.support.links import invite_sam, outbox_texts, sent_token, working_tokens_in

BASE = "https://portal.example.com"


def _admin(db: Session) -> Actor:
    return f.staff(db, "owner@example.com", [], Role.ADMIN)


def _message_to(db: Session, address: str) -> OutboxMessage:
    return db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).one()


def test_no_working_token_rests_in_the_outbox_or_the_audit_log(db: Session) -> None:
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    invite_sam(db, BASE)
    texts = outbox_texts(db)
    assert sum(LINK_PLACEHOLDER in t for t in texts) == 2
    assert working_tokens_in(db, texts) == []
    # Even after the sender made both links (they went only into the e-mails):
    sent = [
        sent_token(db, "p@example.com", "password_reset", BASE),
        sent_token(db, "sam@example.com", "invitation", BASE),
    ]
    assert working_tokens_in(db, sent) == sorted(sent)  # the scan does find a live token
    assert working_tokens_in(db, outbox_texts(db)) == []


def test_an_admin_makes_a_fresh_reset_link_audited_and_kept_nowhere(db: Session) -> None:
    admin = _admin(db)
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    message = _message_to(db, "p@example.com")
    link = create_fresh_link(db, admin, message.id, base_url=BASE)
    assert link.startswith(f"{BASE}/?reset=")
    token = link.rpartition("=")[2]
    assert reset_token_valid(db, token)
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "outbox.fresh_link_created")
    ).one()
    assert (entry.actor_user_id, entry.entity, entry.entity_id) == (
        admin.user_id,
        "outbox",
        str(message.id),
    )
    assert working_tokens_in(db, outbox_texts(db)) == []  # not in the audit entry either
    db.refresh(message)
    # The e-mail is not sent any more: it would replace the link the admin handed over.
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert "created a fresh link" in message.last_error


def test_an_admin_makes_a_fresh_invitation_link(db: Session) -> None:
    admin = _admin(db)
    invite_sam(db, BASE)
    link = create_fresh_link(db, admin, _message_to(db, "sam@example.com").id, base_url=BASE)
    details = invitation_details(db, link.rpartition("=")[2])
    assert details is not None and details.email == "sam@example.com"


def test_a_fresh_link_replaces_earlier_ones(db: Session) -> None:
    admin = _admin(db)
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    earlier = sent_token(db, "p@example.com", "password_reset", BASE)
    create_fresh_link(db, admin, _message_to(db, "p@example.com").id, base_url=BASE)
    assert not reset_token_valid(db, earlier)


def test_only_an_admin_makes_a_fresh_link(db: Session) -> None:
    loc = f.location(db)
    desk = f.staff(db, "desk@example.com", [loc])
    _, _, account = f.family(db, email="p@example.com")
    parent = f.signed_in(db, account)
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    message_id = _message_to(db, "p@example.com").id
    for actor in (desk, parent):
        with pytest.raises(AccessDenied):
            create_fresh_link(db, actor, message_id, base_url=BASE)
    fresh = select(AuditEntry).where(AuditEntry.action == "outbox.fresh_link_created")
    assert db.scalars(fresh).all() == []


@pytest.mark.parametrize("message_id", [None, "1", 1.0, True])
def test_a_fresh_link_needs_a_real_message_id(db: Session, message_id: object) -> None:
    with pytest.raises(ValidationError):
        create_fresh_link(db, _admin(db), message_id, base_url=BASE)


def test_fresh_link_refusals(db: Session) -> None:
    admin = _admin(db)
    with pytest.raises(NotFound):
        create_fresh_link(db, admin, 999_999, base_url=BASE)
    with pytest.raises(NotFound):
        create_fresh_link(db, admin, -1, base_url=BASE)
    receipt = enqueue_email(
        db, to_address="p@example.com", subject="Receipt", body_text="Paid", kind="receipt"
    )
    db.commit()
    with pytest.raises(ValidationError, match="Only password reset and invitation"):
        create_fresh_link(db, admin, receipt.id, base_url=BASE)
    request_password_reset(db, "nobody@example.com", base_url=BASE)
    with pytest.raises(NothingToSend, match="No account signs in"):
        create_fresh_link(db, admin, _message_to(db, "nobody@example.com").id, base_url=BASE)
    f.family(db, email="p@example.com")
    db.commit()
    request_password_reset(db, "p@example.com", base_url=BASE)
    reset = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "password_reset")
        .where(OutboxMessage.to_address == "p@example.com")
    ).one()
    reset.status, reset.sent_at = OutboxStatus.SENT, clock.now()
    db.commit()
    with pytest.raises(ValidationError, match="was sent with its own link"):
        create_fresh_link(db, admin, reset.id, base_url=BASE)
    with pytest.raises(ValidationError, match="CARTWHEEL_BASE_URL"):
        create_fresh_link(db, admin, _message_to(db, "nobody@example.com").id, base_url="ftp:x")
