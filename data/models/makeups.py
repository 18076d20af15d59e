"""Future absences, makeup tokens, parent requests and punch passes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, name_str, text_str, utc_created
from data.models.enums import RequestKind, RequestStatus, TokenState
from data.types import value_enum


class FutureAbsence(Base):
    """One class meeting a student will miss, reported ahead of time."""

    __tablename__ = "future_absences"

    id: Mapped[intpk]
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE", index=False)
    class_id: Mapped[int] = fk("classes.id")
    enrollment_id: Mapped[int | None] = fk("enrollments.id", ondelete="SET NULL")
    class_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[text_str]
    reported_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    reported_at: Mapped[utc_created]
    cancelled_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_future_absences_one_per_meeting",
            "student_id",
            "class_id",
            "class_date",
            unique=True,
            sqlite_where=text("cancelled_at IS NULL"),
            postgresql_where=text("cancelled_at IS NULL"),
        ),
        Index("ix_future_absences_student_date", "student_id", "class_date"),
    )


class MakeupToken(Base):
    """An owed lesson, redeemable at its location until it expires.

    AVAILABLE → PENDING (booked into `makeup_enrollment_id`) → SPENT once the class date
    passes; cancelling the makeup in time returns it to AVAILABLE; unused tokens EXPIRE.
    """

    __tablename__ = "makeup_tokens"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE", index=False)
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE")
    location_id: Mapped[int] = fk("locations.id")
    state: Mapped[TokenState] = mapped_column(value_enum(TokenState, "token_state"))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    source_absence_id: Mapped[int | None] = fk("future_absences.id", ondelete="SET NULL")
    source_note: Mapped[str] = mapped_column(String(300), default="")  # what it came from
    # A makeup enrollment is paid for by at most one token (unique), a token pays one makeup.
    makeup_enrollment_id: Mapped[int | None] = fk(
        "enrollments.id", ondelete="SET NULL", unique=True, index=False
    )
    redeemed_at: Mapped[datetime | None]
    spent_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("ix_makeup_tokens_family_state", "family_id", "state", "location_id"),
        Index("ix_makeup_tokens_location_state_expiry", "location_id", "state", "expires_on"),
        CheckConstraint("expires_on >= issued_on", name="expiry_order"),
        CheckConstraint(
            "state NOT IN ('pending', 'spent') OR makeup_enrollment_id IS NOT NULL",
            name="used_has_enrollment",
        ),
    )


class ParentRequest(Base):
    """A drop, transfer, makeup, absence or waitlist request that staff answer."""

    __tablename__ = "parent_requests"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE", index=False)
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE")
    location_id: Mapped[int] = fk("locations.id", index=False)
    kind: Mapped[RequestKind] = mapped_column(value_enum(RequestKind, "request_kind"))
    status: Mapped[RequestStatus] = mapped_column(value_enum(RequestStatus, "request_status"))
    enrollment_id: Mapped[int | None] = fk("enrollments.id", ondelete="SET NULL")
    target_class_id: Mapped[int | None] = fk("classes.id", index=False)
    effective_date: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    parent_note: Mapped[text_str]
    staff_note: Mapped[text_str]
    created_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    created_at: Mapped[utc_created]
    decided_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_parent_requests_family_created", "family_id", "created_at"),
        Index("ix_parent_requests_location_status", "location_id", "status"),
    )


class RequestEvent(Base):
    """The history of a parent request: every status change with who and when."""

    __tablename__ = "request_events"

    id: Mapped[intpk]
    request_id: Mapped[int] = fk("parent_requests.id", ondelete="CASCADE")
    status: Mapped[RequestStatus] = mapped_column(value_enum(RequestStatus, "request_status"))
    actor_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    note: Mapped[text_str]
    at: Mapped[utc_created]


class PunchPass(Base):
    __tablename__ = "punch_passes"

    id: Mapped[intpk]
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE")
    student_id: Mapped[int | None] = fk("students.id", ondelete="SET NULL", index=False)
    location_id: Mapped[int] = fk("locations.id", index=False)
    name: Mapped[name_str]
    punches_total: Mapped[int]
    punches_used: Mapped[int] = mapped_column(default=0)
    purchased_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    amount_paid_cents: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        CheckConstraint("punches_total > 0", name="total_positive"),
        CheckConstraint("punches_used >= 0 AND punches_used <= punches_total", name="used_range"),
        CheckConstraint("amount_paid_cents >= 0", name="amount_nonnegative"),
    )


class PassRedemption(Base):
    """One punch used for one class meeting."""

    __tablename__ = "pass_redemptions"

    id: Mapped[intpk]
    pass_id: Mapped[int] = fk("punch_passes.id", ondelete="CASCADE", index=False)
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE", index=False)
    class_id: Mapped[int] = fk("classes.id", index=False)
    class_date: Mapped[date] = mapped_column(Date)
    redeemed_at: Mapped[utc_created]
    redeemed_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)

    __table_args__ = (UniqueConstraint("pass_id", "student_id", "class_id", "class_date"),)
