"""`python -m bench [--scales small,large,franchise]`: the whole benchmark in one run.

1. the demo databases (cached SQLite files; PostgreSQL built fresh in a throwaway cluster),
2. calibration, 3. service functions, 4. pages through AppTest (SQLite at every scale,
PostgreSQL at the scales in --pg-scales), 5. the server under load (SQLite, the largest
scale asked for), 6. in Chromium at each SQLite scale, and the server on the real clock
(SQLite at the largest scale, PostgreSQL at the largest of --pg-scales). Writes
bench/results/latest.json, a dated copy and latest.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = ROOT / "bench" / ".cache" / "logs"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="small,large,franchise")
    parser.add_argument(
        "--pg-scales",
        default="small,large",
        help="scales also measured on PostgreSQL (each is built fresh: the franchise scale "
        "would take longer than the whole run)",
    )
    parser.add_argument("--no-server", action="store_true", help="skip the server under load")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    parser.add_argument("--browser-reps", type=int, default=20, help="repetitions per step")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    os.environ.setdefault("CARTWHEEL_SECRET_KEY", secrets.token_hex(32))
    os.environ.pop("CARTWHEEL_FROZEN_NOW", None)  # the benchmark pins the clock itself
    for key in [k for k in os.environ if k.startswith("CARTWHEEL_STRIPE_")]:
        del os.environ[key]  # Billing shows "not configured", as on a fresh install
    os.chdir(ROOT)  # .streamlit/config.toml applies to AppTest as to `streamlit run`
    # Imported after the environment is set: the app reads it at import time.
    from bench import calibration, pages, report, server_load, services
    from bench.databases import as_dict, postgres_database, sqlite_database

    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    pg_scales = [] if args.no_postgres else [s for s in args.pg_scales.split(",") if s in scales]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": _machine(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scales": scales,
        "pg_scales": pg_scales,
        "databases": {},
        "calibration": {},
        "services": {},
        "pages": {},
    }
    _log("calibration: an empty Streamlit app")
    results["calibration"]["empty_app_rerun"] = calibration.empty_app().as_dict()
    targets: list[tuple[str, str, str]] = []  # (backend, scale, url)
    for scale in scales:
        _log(f"SQLite {scale}: database")
        db = sqlite_database(scale, log=_log)
        results["databases"][f"sqlite/{scale}"] = as_dict(db)
        targets.append(("sqlite", scale, db.url))
    cluster = None
    try:
        if pg_scales:
            from tests.support.postgres import start_cluster

            try:
                cluster = start_cluster()
            except (FileNotFoundError, OSError) as missing:
                _log(f"PostgreSQL skipped: {missing}")
                pg_scales = []
                results["pg_scales"] = []
            else:
                results["machine"]["postgresql"] = _pg_version(cluster)
            for scale in pg_scales:
                db = postgres_database(cluster, scale, log=_log)
                results["databases"][f"postgresql/{scale}"] = as_dict(db)
                targets.append(("postgresql", scale, db.url))
        for backend, scale, url in targets:
            key = f"{backend}/{scale}"
            _log(f"{key}: calibration (raw ledger SQL)")
            results["calibration"][f"ledger_sql/{key}"] = _ledger_sql(url).as_dict()
            _log(f"{key}: services")
            results["services"][key] = services.run_services(url, log=_log)
            _log(f"{key}: pages")
            results["pages"][key] = pages.run_pages(url, log=_log)
        if pg_scales and not (args.no_server or args.no_browser):  # issue 17, while it is up
            from bench.server_unpinned import run_unpinned

            scale = pg_scales[-1]
            url = next(u for b, s, u in targets if b == "postgresql" and s == scale)
            _log(f"server on the real clock (PostgreSQL, {scale})")
            found = run_unpinned(url, LOGS, backend="PostgreSQL", log=_log)
            results["server_unpinned_postgresql"] = {"scale": scale, **found}
    finally:
        if cluster is not None:
            cluster.stop()
    sqlite_urls = {s: u for b, s, u in targets if b == "sqlite"}
    if "small" in sqlite_urls and scales[-1] != "small":
        compared = {s: sqlite_urls[s] for s in ("small", scales[-1])}
        _log(f"parent pages, {scales[-1]} and small in alternating rounds")
        results["scale_ratio"] = {
            "scales": list(compared),
            "pages": pages.interleaved_scales(compared),
        }
    if not args.no_server:
        scale = scales[-1]
        url = next(u for b, s, u in targets if b == "sqlite" and s == scale)
        _log(f"server under load (SQLite, {scale})")
        results["server"] = {
            "scale": scale,
            **server_load.run_server_load(url, LOGS, log=_log),
        }
    if not args.no_browser:  # issue 17: in Chromium, each SQLite scale; real-clock load
        from bench.browser import run_browser
        from bench.server_unpinned import run_unpinned

        results["browser"] = {}
        for scale, url in sqlite_urls.items():
            _log(f"in the browser (SQLite, {scale}, {args.browser_reps} repetitions)")
            results["browser"][scale] = run_browser(url, LOGS, reps=args.browser_reps, log=_log)
        if not args.no_server:
            _log(f"server on the real clock (SQLite, {scales[-1]})")
            found = run_unpinned(sqlite_urls[scales[-1]], LOGS, log=_log)
            results["server_unpinned"] = {"scale": scales[-1], **found}
    results["machine"]["load_average_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    written = report.write(results, args.output)
    _log(f"done in {results['seconds'] / 60:.1f} min: {', '.join(str(p) for p in written)}")
    return 0


def _ledger_sql(url: str):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import Session

    from bench.calibration import ledger_sql
    from bench.databases import BENCH_NOW
    from bench.demo import demo_facts
    from data.db import engine_for

    with Session(engine_for(url)) as db:
        family_id = demo_facts(db).primary.family_id
    return ledger_sql(url, int(family_id or 0), BENCH_NOW)


def _machine() -> dict[str, Any]:
    import streamlit

    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, fixed arguments
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "commit": commit,
        "load_average_start": os.getloadavg(),
    }


def _pg_version(cluster) -> str:  # type: ignore[no-untyped-def]
    result = subprocess.run(  # noqa: S603 - the cluster's own binary, fixed arguments
        [str(cluster.bin_dir / "postgres"), "--version"], capture_output=True, text=True
    )
    return result.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
