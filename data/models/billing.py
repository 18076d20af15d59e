"""The ledger (append-only entries and allocations), payment methods and payment attempts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created
from data.models.enums import LedgerKind, PaymentAttemptStatus, PaymentMethodType
from data.types import value_enum


class LedgerEntry(Base):
    """One charge, payment, refund, credit or adjustment. Never updated; corrected by reversal.

    `amount_cents` is always positive; `is_debit` says whether it adds to what the family
    owes (charges, refunds, debit adjustments) or takes from it (payments, credits).
    """

    __tablename__ = "ledger_entries"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", index=False)
    location_id: Mapped[int] = fk("locations.id", index=False)
    student_id: Mapped[int | None] = fk("students.id", ondelete="SET NULL", index=False)
    kind: Mapped[LedgerKind] = mapped_column(value_enum(LedgerKind, "ledger_kind"))
    is_debit: Mapped[bool]
    amount_cents: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    posted_at: Mapped[datetime]
    service_date: Mapped[date | None] = mapped_column(Date)  # the period a charge is for
    external_ref: Mapped[str | None] = mapped_column(String(120))  # gateway id, cheque no.
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), unique=True
    )
    # A payment is recorded at most once per attempt.
    payment_attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_attempts.id"), unique=True
    )
    created_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(
            "(kind IN ('charge', 'refund') AND is_debit)"
            " OR (kind IN ('payment', 'credit') AND NOT is_debit)"
            " OR kind = 'adjustment'",
            name="direction_matches_kind",
        ),
        Index("ix_ledger_entries_family_posted", "family_id", "posted_at"),
        Index("ix_ledger_entries_family_location", "family_id", "location_id", "posted_at"),
        # The money view: a location's entries of one side by posting time (issue 16).
        Index(
            "ix_ledger_entries_location_side_posted",
            "location_id",
            "is_debit",
            "posted_at",
            "family_id",
            "amount_cents",
            "kind",
        ),
        Index(
            "uq_ledger_entries_external_ref",
            "kind",
            "external_ref",
            unique=True,
            sqlite_where=text("external_ref IS NOT NULL"),
            postgresql_where=text("external_ref IS NOT NULL"),
        ),
    )


class LedgerAllocation(Base):
    """Part of a credit-side entry (payment, credit) applied to a debit-side entry (charge)."""

    __tablename__ = "ledger_allocations"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id")
    from_entry_id: Mapped[int] = fk("ledger_entries.id", index=False)
    to_entry_id: Mapped[int] = fk("ledger_entries.id", index=False)
    amount_cents: Mapped[int]
    created_at: Mapped[utc_created]

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("from_entry_id <> to_entry_id", name="distinct_entries"),
        # An entry's allocated cents from the index alone (the money view sums them for
        # every entry of the ledger; issue 16).
        Index("ix_ledger_allocations_to_entry", "to_entry_id", "family_id", "amount_cents"),
        Index("ix_ledger_allocations_from_entry", "from_entry_id", "family_id", "amount_cents"),
    )


class PaymentMethod(Base):
    """A saved card or bank account. Only the gateway's ids and display facts are kept."""

    __tablename__ = "payment_methods"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    guardian_id: Mapped[int] = fk("guardians.id", ondelete="CASCADE")
    gateway: Mapped[str] = mapped_column(String(20), default="stripe")
    gateway_method_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[PaymentMethodType] = mapped_column(
        value_enum(PaymentMethodType, "payment_method_type")
    )
    brand: Mapped[str] = mapped_column(String(32), default="")
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int | None]
    exp_year: Mapped[int | None]
    is_primary: Mapped[bool] = mapped_column(default=False)
    recurring_authorized: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[utc_created]

    __table_args__ = (
        Index(
            "uq_payment_methods_one_primary_per_guardian",
            "guardian_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
        CheckConstraint("length(last4) = 4", name="last4_length"),
        CheckConstraint("exp_month IS NULL OR exp_month BETWEEN 1 AND 12", name="exp_month"),
    )


class PaymentAttempt(Base):
    """Written and committed before the gateway is called, so no retry can charge twice."""

    __tablename__ = "payment_attempts"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id")
    user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    payment_method_id: Mapped[int | None] = fk(
        "payment_methods.id", ondelete="SET NULL", index=False
    )
    location_id: Mapped[int] = fk("locations.id", index=False)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[PaymentAttemptStatus] = mapped_column(
        value_enum(PaymentAttemptStatus, "payment_attempt_status")
    )
    gateway_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[utc_created]
    updated_at: Mapped[datetime]
    # Autopay (issue 16): the billing period ("2026-12") and try (1 on the billing day, then
    # each retry) an automatic attempt belongs to; None for a guardian's own payment.
    autopay_period: Mapped[str | None] = mapped_column(String(7))
    autopay_try: Mapped[int | None]
    # When the guardian was told this automatic attempt failed (at most once).
    failure_notified_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        Index("ix_payment_attempts_status", "status", "created_at"),
        Index("ix_payment_attempts_autopay", "autopay_period", "family_id"),
    )


class CardExpiryNotice(Base):
    """An e-mail telling a guardian their autopay card will have expired by a billing run:
    one per card and run, whichever process sends it first."""

    __tablename__ = "card_expiry_notices"

    id: Mapped[intpk]
    payment_method_id: Mapped[int] = fk("payment_methods.id", ondelete="CASCADE", index=False)
    run_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[utc_created]

    __table_args__ = (UniqueConstraint("payment_method_id", "run_on"),)


class GatewayEvent(Base):
    """A webhook event id, recorded once so each event is applied at most once."""

    __tablename__ = "gateway_events"

    id: Mapped[intpk]
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[utc_created]
    processed_at: Mapped[datetime | None]
