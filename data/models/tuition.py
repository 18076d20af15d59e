"""What the tuition run wrote: one row per class place, month and kind (migration 0012)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created

TUITION_LINE_KINDS = ("charge", "drop_credit", "late_fee")


class TuitionLine(Base):
    """A month's tuition charge of one class place, the credit for meetings a drop took away
    from a charged month, or the late fee on an unpaid charge. The unique (enrollment, period,
    kind) key is claimed before the ledger entry is written, so a re-run, a crash mid-run or
    two runs at once write each at most once. `ledger_entry_id` is NULL when the amount came
    to nothing (a 100 % discount); the row still says the month was done."""

    __tablename__ = "tuition_lines"

    id: Mapped[intpk]
    enrollment_id: Mapped[int] = fk("enrollments.id", ondelete="CASCADE", index=False)
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE", index=False)
    period: Mapped[date] = mapped_column(Date)  # the first day of the month
    kind: Mapped[str] = mapped_column(String(20))
    ledger_entry_id: Mapped[int | None] = fk("ledger_entries.id", index=False, unique=True)
    monthly_cents: Mapped[int]  # the class's monthly tuition when the line was written
    meetings: Mapped[int]  # charge: meetings charged; drop credit: meetings credited
    month_meetings: Mapped[int]
    discount_percent: Mapped[int]
    amount_cents: Mapped[int]
    created_at: Mapped[utc_created]

    __table_args__ = (
        UniqueConstraint("enrollment_id", "period", "kind"),
        CheckConstraint("kind IN ('charge', 'drop_credit', 'late_fee')", name="kind_known"),
        CheckConstraint("amount_cents >= 0", name="amount_nonnegative"),
        CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_range"),
        # The late-fee job looks for charges of a certain age.
        Index("ix_tuition_lines_kind_created", "kind", "created_at"),
        Index("ix_tuition_lines_family_period", "family_id", "period"),
    )
