"""The bench's databases carry the Money page's all-locations snapshot as of BENCH_NOW
(issue 17): computed once when a database is prepared, never again on reuse."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.databases import BENCH_NOW, ensure_money_snapshot
from data.models import LedgerKind, MoneySnapshot, MoneySnapshotReceivables
from tests import factories as f


def test_the_snapshot_is_computed_once_as_of_bench_now(db: Session, db_url: str) -> None:
    north = f.location(db, "Northside")
    rivera, _, _ = f.family(db, "Rivera")
    f.posted(db, rivera, north, LedgerKind.CHARGE, 1_200, BENCH_NOW)
    db.commit()
    ensure_money_snapshot(db_url)
    [snapshot] = db.scalars(select(MoneySnapshot)).all()
    assert snapshot.taken_at == BENCH_NOW
    [owed] = db.scalars(select(MoneySnapshotReceivables)).all()
    assert owed.current_cents == 1_200
    db.rollback()
    ensure_money_snapshot(db_url)  # reused: kept as it was
    assert db.scalars(select(MoneySnapshot.id)).all() == [snapshot.id]
