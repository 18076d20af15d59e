"""The all-locations money figures, computed by a scheduled job and read in milliseconds.

Aged receivables and money by month over every location read the whole ledger (about 10 s
at 50 locations), too slow for a page. The job `money_snapshot` computes them location by
location with the live reports' own queries (`receivables`, `money_by_month`), all inside
one read transaction, so every figure is exact for the database as it was at one instant
(`taken_at`) and the totals are still the sum of the families' balances then. It then
replaces the snapshot in one write transaction: a reader sees the old one or the new one,
never half of one. One location's figures stay live on the page (docs/decisions.md, "All
locations from a snapshot a scheduled job computes").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from data.models import MoneySnapshot, MoneySnapshotMonth, MoneySnapshotReceivables
from services.billing.money_by_month import (
    PERIODS,
    SERIES,
    MoneyByMonth,
    MonthFigures,
    money_by_month,
    month_starts,
)
from services.billing.money_report_scope import report_locations
from services.billing.receivables import (
    AgedReceivables,
    LocationReceivables,
    aged_receivables,
    receivables_total,
)
from services.kernel import clock
from services.kernel.access import Actor, require_admin
from services.kernel.errors import ValidationError
from services.kernel.settings import get_settings
from services.kernel.transactions import write_transaction

MONTHS = max(PERIODS)  # every shorter period is its last months
BUCKET_COLUMNS = ("current_cents", "days_31_60_cents", "days_61_90_cents", "over_90_cents")


@dataclass(frozen=True)
class MoneySnapshotView:
    """The newest snapshot as the live reports' shapes, so the page draws both alike."""

    taken_at: datetime
    time_zone: str  # the business's, for "as of 14:15"
    receivables: AgedReceivables
    months: MoneyByMonth  # MONTHS months, oldest first


def compute_money_snapshot(db: Session, actor: Actor) -> dict[str, int]:
    """Admin (or the scheduler): compute every location's figures and replace the snapshot.
    Each statement reads one location; all of them read the same moment of the database."""
    require_admin(actor)
    read = _read_figures(db, actor)
    if read.crossed_midnight():  # ages and months would mix two days: read again
        read = _read_figures(db, actor)
    with write_transaction(db):
        snapshot = MoneySnapshot(taken_at=read.taken_at, as_of=read.as_of)
        db.add(snapshot)
        db.flush()
        for owed, months in read.figures:
            db.add(_receivables_row(snapshot.id, owed))
            db.add_all(_month_rows(snapshot.id, owed.location_id, months))
        # Every older snapshot goes (their rows by cascade), in the same transaction.
        db.execute(delete(MoneySnapshot).where(MoneySnapshot.id != snapshot.id))
    return {"locations": len(read.figures)}


@dataclass(frozen=True)
class _Read:
    taken_at: datetime
    finished_at: datetime
    as_of: date
    zones: frozenset[str]  # the business's and every location's
    figures: list[tuple[LocationReceivables, MoneyByMonth]]

    def crossed_midnight(self) -> bool:
        """Whether a day ended in one of the zones while the figures were read (each report
        takes "today" from the clock when it runs)."""
        return any(
            self.taken_at.astimezone(ZoneInfo(z)).date()
            != self.finished_at.astimezone(ZoneInfo(z)).date()
            for z in self.zones
        )


def _read_figures(db: Session, actor: Actor) -> _Read:
    """Every location's live figures, in one read transaction (REPEATABLE READ on
    PostgreSQL; on SQLite one BEGIN, which WAL keeps at the moment of its first read)."""
    if db.in_transaction():
        db.commit()
    if db.get_bind().dialect.name == "postgresql":
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    places = report_locations(db, actor)
    taken_at = clock.now()
    time_zone = get_settings(db).time_zone
    figures = [
        (aged_receivables(db, actor, p.id).locations[0], money_by_month(db, actor, MONTHS, p.id))
        for p in places
    ]
    db.commit()  # end the long read before the write takes its lock
    return _Read(
        taken_at,
        clock.now(),
        taken_at.astimezone(ZoneInfo(time_zone)).date(),
        frozenset({time_zone, *(p.timezone for p in places)}),
        figures,
    )


def latest_money_snapshot(db: Session, actor: Actor) -> MoneySnapshotView | None:
    """Administrators: the newest snapshot, over the locations there are now (a location
    added since had nothing then); None before the first one."""
    places = report_locations(db, actor)
    snapshot = db.scalars(
        select(MoneySnapshot).order_by(MoneySnapshot.taken_at.desc(), MoneySnapshot.id.desc())
    ).first()
    if snapshot is None:
        return None
    settings = get_settings(db)
    owed = {
        row.location_id: row
        for row in db.scalars(
            select(MoneySnapshotReceivables).where(
                MoneySnapshotReceivables.snapshot_id == snapshot.id
            )
        )
    }
    rows = tuple(
        LocationReceivables(
            place.id,
            place.label,
            tuple(getattr(owed[place.id], c) if place.id in owed else 0 for c in BUCKET_COLUMNS),
            owed[place.id].unapplied_credit_cents if place.id in owed else 0,
        )
        for place in places
    )
    receivables = AgedReceivables(snapshot.as_of, settings.currency, rows, receivables_total(rows))
    months = MoneyByMonth(settings.currency, "All locations", _month_sums(db, snapshot))
    return MoneySnapshotView(snapshot.taken_at, settings.time_zone, receivables, months)


def snapshot_months(view: MoneySnapshotView, months: int) -> MoneyByMonth:
    """The last `months` months (12, 24 or 36) of the snapshot's money by month."""
    if isinstance(months, bool) or not isinstance(months, int) or months not in PERIODS:
        raise ValidationError("Choose a period of 12, 24 or 36 months.")
    report = view.months
    return MoneyByMonth(report.currency, report.scope, report.months[-months:])


def _month_sums(db: Session, snapshot: MoneySnapshot) -> tuple[MonthFigures, ...]:
    """Every month of the snapshot, summed over its locations in SQL (a few hundred rows)."""
    columns = [getattr(MoneySnapshotMonth, field) for field in SERIES]
    sums = {
        row[0]: row[1:]
        for row in db.execute(
            select(MoneySnapshotMonth.month, *(func.sum(c) for c in columns))
            .where(MoneySnapshotMonth.snapshot_id == snapshot.id)
            .group_by(MoneySnapshotMonth.month)
        )
    }
    starts = month_starts(snapshot.as_of, MONTHS)[:-1]  # as money_by_month counted them
    zero = (0,) * len(SERIES)
    return tuple(
        MonthFigures(start, **dict(zip(SERIES, map(int, sums.get(start, zero)), strict=True)))
        for start in starts
    )


def _receivables_row(snapshot_id: int, owed: LocationReceivables) -> MoneySnapshotReceivables:
    return MoneySnapshotReceivables(
        snapshot_id=snapshot_id,
        location_id=owed.location_id,
        unapplied_credit_cents=owed.unapplied_credit_cents,
        **dict(zip(BUCKET_COLUMNS, owed.bucket_cents, strict=True)),
    )


def _month_rows(
    snapshot_id: int, location_id: int | None, report: MoneyByMonth
) -> list[MoneySnapshotMonth]:
    """The months with any money (an empty month is read back as zeros)."""
    return [
        MoneySnapshotMonth(
            snapshot_id=snapshot_id,
            location_id=location_id,
            month=m.month,
            **{field: getattr(m, field) for field in SERIES},
        )
        for m in report.months
        if any(getattr(m, field) for field in SERIES)
    ]
