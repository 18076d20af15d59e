"""Portal settings, the audit log and the e-mail/SMS outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created
from data.models.enums import OutboxStatus
from data.types import value_enum


class PortalSetting(Base):
    """One stored setting value; names, types and defaults live in services/kernel/settings.py."""

    __tablename__ = "portal_settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[intpk]
    at: Mapped[utc_created]
    actor_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    family_id: Mapped[int | None] = fk("families.id", ondelete="SET NULL", index=False)
    action: Mapped[str] = mapped_column(String(80))  # e.g. "setting.changed", "auth.sign_in"
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_log_family_at", "family_id", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
    )


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[intpk]
    channel: Mapped[str] = mapped_column(String(10), default="email")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Reset and invitation bodies hold services.kernel.outbox.LINK_PLACEHOLDER, never the link.
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))  # invitation, password_reset, receipt
    family_id: Mapped[int | None] = fk("families.id", ondelete="SET NULL", index=False)
    status: Mapped[OutboxStatus] = mapped_column(
        value_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[utc_created]
    sent_at: Mapped[datetime | None]
    # No sender picks the message up before this: a sender's lease while it sends, then the
    # retry back-off after a failure (services/messages/mailer.py). NULL until the first attempt.
    next_attempt_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_outbox_status_created", "status", "created_at"),
        # the reset form's repeat check and the sender's "replaced by a newer message" check
        Index("ix_outbox_to_address_kind_created", "to_address", "kind", "created_at"),
    )
