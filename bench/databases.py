"""The demo databases the benchmarks run on, built once and kept in bench/.cache/.

A cached SQLite file is named after what made it: the scale, the seed, the demo's "today"
and a hash of the generator's source (data/demo/*.py), so a change to the generator builds
a new one. The benchmarks pin the clock to `BENCH_NOW` (on `BENCH_TODAY`), so a database
built on another day still looks the same to them. Newer migrations are applied on reuse.
PostgreSQL databases are built fresh in a throwaway cluster for each run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete

from data.db import make_engine
from data.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GENERATOR = ROOT / "data" / "demo"
SEED = 7
BENCH_TODAY = date(2026, 11, 24)  # a Tuesday; the demo places its data around it
BENCH_NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 4 pm in Chicago: classes are on
SCALES = ("small", "large", "franchise")


@dataclass(frozen=True)
class BenchDatabase:
    scale: str
    url: str
    backend: str  # "sqlite" or "postgresql"
    built_now: bool  # False: reused from the cache
    build_seconds: float  # of the build that made it (then, if reused)
    size_bytes: int  # the SQLite file; 0 for PostgreSQL
    rows: int  # rows the generator wrote
    built_on: str  # ISO date the build ran


def generator_version() -> str:
    """A short hash of the generator's source: the same code makes the same database."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cache_path(scale: str, seed: int = SEED) -> Path:
    return CACHE / f"{scale}-seed{seed}-{BENCH_TODAY.isoformat()}-{generator_version()}.db"


def _meta_path(db_path: Path) -> Path:
    return db_path.with_suffix(".json")


def sqlite_database(scale: str, seed: int = SEED, *, log=print) -> BenchDatabase:  # type: ignore[no-untyped-def]
    """The cached SQLite demo database at `scale`, built first if missing."""
    path = cache_path(scale, seed)
    meta = _meta_path(path)
    if path.exists() and meta.exists():
        info = json.loads(meta.read_text())
        url = f"sqlite:///{path}"
        upgrade(url)  # migrations newer than the build (indexes, say)
        reset_bench_rows(url)
        ensure_money_snapshot(url)
        return BenchDatabase(**{**info, "url": url, "built_now": False})
    CACHE.mkdir(parents=True, exist_ok=True)
    for stale in CACHE.glob(f"{scale}-seed{seed}-*"):
        stale.unlink()  # another generator version's file: gigabytes at the franchise scale
    building = path.with_name(path.name + ".building")
    for leftover in (building, Path(f"{building}-journal"), Path(f"{building}-wal")):
        leftover.unlink(missing_ok=True)
    log(f"building the {scale} demo database (seed {seed}) in {building.name} ...")
    info = _build(f"sqlite:///{building}", scale, seed)
    ensure_money_snapshot(f"sqlite:///{building}")
    building.rename(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    info = {**info, "size_bytes": path.stat().st_size}
    meta.write_text(json.dumps(info, indent=2) + "\n")
    log(f"built the {scale} database in {info['build_seconds']:.0f} s")
    return BenchDatabase(**{**info, "url": f"sqlite:///{path}", "built_now": True})


def postgres_database(cluster, scale: str, seed: int = SEED, *, log=print) -> BenchDatabase:  # type: ignore[no-untyped-def]
    """A new database at `scale` in the throwaway cluster (tests.support.postgres)."""
    url = cluster.create_database(f"bench_{scale}")
    log(f"building the {scale} demo database on PostgreSQL ...")
    info = _build(url, scale, seed)
    ensure_money_snapshot(url)
    return BenchDatabase(**{**info, "url": url, "built_now": True})


def ensure_money_snapshot(url: str) -> None:
    """The Money page's all-locations figures as the scheduled job leaves them (the bench's
    servers run no jobs), computed as of BENCH_NOW once per database and kept with it: the
    page is timed as an owner sees it, and no benchmark writes the snapshot."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from data.models import MoneySnapshot
    from services.billing.money_snapshot import compute_money_snapshot
    from services.kernel import clock
    from services.kernel.access import scheduler_actor

    engine = make_engine(url)
    try:
        with Session(engine) as db, clock.frozen_at(BENCH_NOW):
            taken = db.scalar(select(MoneySnapshot.taken_at))
            db.rollback()
            if taken != BENCH_NOW:
                compute_money_snapshot(db, scheduler_actor())
    finally:
        engine.dispose()


def _build(url: str, scale: str, seed: int) -> dict[str, object]:
    from data.demo import build_demo

    started = time.perf_counter()
    report = build_demo(url, scale=scale, seed=seed, today=BENCH_TODAY)
    return {
        "scale": scale,
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "build_seconds": round(time.perf_counter() - started, 1),
        "size_bytes": 0,
        "rows": sum(report.counts.values()),
        "built_on": date.today().isoformat(),
        "url": "",
        "built_now": True,
    }


def reset_bench_rows(url: str) -> None:
    """Remove what earlier benchmark runs wrote (sign-ins and their audit entries, throttles):
    the generator writes none of these, so the database is as built again."""
    from bench.tuition import remove_tuition_rows
    from data.models import AuditEntry, SignInSession, SignInThrottle

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for model in (AuditEntry, SignInSession, SignInThrottle):
                conn.execute(delete(model))
        remove_tuition_rows(engine)  # a run stopped between posting and cleaning up
    finally:
        engine.dispose()


def as_dict(db: BenchDatabase) -> dict[str, object]:
    out = asdict(db)
    out.pop("url")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.databases", description="Build (or reuse) the cached demo databases."
    )
    parser.add_argument("--scales", default=",".join(SCALES))
    args = parser.parse_args(argv)
    for scale in args.scales.split(","):
        db = sqlite_database(scale.strip())
        print(json.dumps(as_dict(db)))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
