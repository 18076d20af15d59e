"""The owner's all-locations money figures, computed by a scheduled job (issue 17).

Aged receivables and money by month over every location scan the whole ledger (seconds at
the franchise scale), so the Money page's "All locations" reads the newest snapshot instead
(services/billing/money_snapshot.py). Each snapshot holds one row per location: its aged
receivables, and its money by month for every month of the longest period the page offers.
Cents are BIGINT: a location's sums over years of history can pass 2^31 cents.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from data.models.base import Base, intpk


def _cents() -> Mapped[int]:
    return mapped_column(BigInteger, default=0)


def _part_of_snapshot() -> Mapped[int]:
    return mapped_column(ForeignKey("money_snapshots.id", ondelete="CASCADE"), primary_key=True)


def _at_location() -> Mapped[int]:
    return mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)


class MoneySnapshot(Base):
    """One computation: its figures are exact for the database as it was at `taken_at`."""

    __tablename__ = "money_snapshots"

    id: Mapped[intpk]
    taken_at: Mapped[datetime]
    # Today in the business time zone at `taken_at`: the day ages count from, and the last
    # of the months kept.
    as_of: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_money_snapshots_taken_at", "taken_at"),)


class MoneySnapshotReceivables(Base):
    """A location's open amounts by age bucket (services.billing.receivables.BUCKETS)."""

    __tablename__ = "money_snapshot_receivables"

    snapshot_id: Mapped[int] = _part_of_snapshot()
    location_id: Mapped[int] = _at_location()
    current_cents: Mapped[int] = _cents()
    days_31_60_cents: Mapped[int] = _cents()
    days_61_90_cents: Mapped[int] = _cents()
    over_90_cents: Mapped[int] = _cents()
    unapplied_credit_cents: Mapped[int] = _cents()


class MoneySnapshotMonth(Base):
    """A location's sums for one month (services.billing.money_by_month.SERIES)."""

    __tablename__ = "money_snapshot_months"

    snapshot_id: Mapped[int] = _part_of_snapshot()
    location_id: Mapped[int] = _at_location()
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    charges_cents: Mapped[int] = _cents()
    payments_cents: Mapped[int] = _cents()
    credits_cents: Mapped[int] = _cents()
    refunds_cents: Mapped[int] = _cents()
    adjustments_cents: Mapped[int] = _cents()
