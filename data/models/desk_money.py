"""Money at the desk: refunds of card payments (one row per refund, written before Stripe is
asked) and the request key of each entry the desk records (so a double-click records once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created
from data.models.enums import CardRefundStatus
from data.types import value_enum


class CardRefund(Base):
    """A refund of one card payment (its payment attempt).

    The desk's refunds are committed as `pending` with their idempotency key before Stripe is
    called; a refund Stripe reports that Cartwheel did not start (the Stripe dashboard) gets a
    row when the webhook reports it. The sum of a payment's pending and succeeded rows is what
    it can no longer refund.
    """

    __tablename__ = "card_refunds"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", index=False)
    payment_attempt_id: Mapped[int] = fk("payment_attempts.id")
    amount_cents: Mapped[int]
    status: Mapped[CardRefundStatus] = mapped_column(
        value_enum(CardRefundStatus, "card_refund_status")
    )
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    gateway_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    error_message: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    created_at: Mapped[utc_created]
    updated_at: Mapped[datetime]

    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)


class DeskEntryRequest(Base):
    """The form submission that recorded a desk entry: a second submission of the same form
    (a double-click, a rerun) finds it and records nothing more."""

    __tablename__ = "desk_entry_requests"

    id: Mapped[intpk]
    request_key: Mapped[str] = mapped_column(String(64), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    created_at: Mapped[utc_created]
