"""Closure days (holidays, weather) and what each cancelled meeting gave its student."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, fk, intpk, utc_created


class Closure(Base):
    """Days [first_day, last_day] on which no class meets at one location (or at all of them,
    `location_id` NULL). A removed closure keeps its row with `removed_at` set."""

    __tablename__ = "closures"

    id: Mapped[intpk]
    location_id: Mapped[int | None] = fk("locations.id", index=False)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[utc_created]
    created_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)
    removed_at: Mapped[datetime | None]
    removed_by_user_id: Mapped[int | None] = fk("users.id", ondelete="SET NULL", index=False)

    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="day_order"),
        Index("ix_closures_days", "last_day", "first_day"),
    )


class ClosureRemedy(Base):
    """One cancelled meeting of one student: what it gave (a token, a credit or nothing). The
    unique key makes every meeting's remedy happen once, however often or concurrently a
    closure is applied, and whichever of two overlapping closures gets there first."""

    __tablename__ = "closure_remedies"

    id: Mapped[intpk]
    closure_id: Mapped[int] = fk("closures.id")
    student_id: Mapped[int] = fk("students.id", ondelete="CASCADE", index=False)
    family_id: Mapped[int] = fk("families.id", ondelete="CASCADE", index=False)
    class_id: Mapped[int] = fk("classes.id", index=False)
    class_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # token, credit or none
    token_id: Mapped[int | None] = fk("makeup_tokens.id", ondelete="SET NULL", index=False)
    ledger_entry_id: Mapped[int | None] = fk("ledger_entries.id", index=False)
    created_at: Mapped[utc_created]

    __table_args__ = (
        UniqueConstraint("student_id", "class_id", "class_date"),
        CheckConstraint("kind IN ('token', 'credit', 'none')", name="kind_known"),
    )
