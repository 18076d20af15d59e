"""The server under load on the real clock: 10 and 50 parents clicking continuously, on
SQLite and on PostgreSQL.

bench/server_load.py pins the clock, so a sign-in session's `last_seen_at` is never refreshed
there. Here the server runs on the real clock and every session starts with `last_seen_at`
past the refresh interval, so each one writes it as in production (once a minute per
session), while the others read. Reported per level: reruns/s, p50/p95, errors with the exact
message the page showed or the client saw, and the server log's warnings (a failed
`last_seen_at` refresh is logged, not shown: it is counted here too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.server_load import run_level
from bench.server_process import log_warnings, start_server
from bench.sign_ins import parent_cookies
from bench.ws_client import warm_up
from services.accounts.auth import LAST_SEEN_RESOLUTION

LEVELS = (10, 50)


def unpinned_cookies(database_url: str, count: int) -> list[str]:
    """Sign-in sessions for `count` families' primary guardians, last seen (real clock) just
    over the refresh interval ago, so their first run writes."""
    seen = datetime.now(UTC) - LAST_SEEN_RESOLUTION - timedelta(seconds=5)
    return parent_cookies(
        database_url, count, seen_at=seen, user_agent="cartwheel bench (real clock)"
    )


def run_unpinned(
    database_url: str,
    logs: Path,
    *,
    seconds: float = 20.0,
    backend: str = "SQLite",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Each level on a fresh server, sessions that have not been seen for a minute."""
    logs.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"clock": "real", "backend": backend, "levels": []}
    for sessions in LEVELS:
        cookies = unpinned_cookies(database_url, sessions)
        name = f"unpinned-{backend.lower()}-{sessions}.log"
        server = start_server(database_url, logs / name, pin_clock=False)
        try:
            asyncio.run(warm_up(server.ws_url, cookies[0]))  # imports, first queries: untimed
            start, baseline = server.log.stat().st_size, server.rss_mb()
            result = asyncio.run(run_level(server, cookies, sessions, seconds, None))
            level = result.as_dict(baseline)
            level["server_log_warnings"] = log_warnings(server.log, start)
        finally:
            server.stop()
        out["levels"].append(level)
        log(
            f"    real clock, {backend}, {sessions} sessions clicking: "
            f"{level['reruns_per_second']} reruns/s, p95 {level.get('p95_ms')} ms, "
            f"{level['errors']} errors, {sum(level['server_log_warnings'].values())} "
            "server warnings"
        )
    return out


def run_unpinned_postgres(
    scale: str, logs: Path, *, seconds: float = 20.0, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """The same on PostgreSQL: a throwaway cluster (tests.support.postgres) with the demo at
    `scale` built into it, as `python -m bench` builds it for the page benchmarks."""
    from bench.databases import postgres_database
    from tests.support.postgres import start_cluster

    try:
        cluster = start_cluster()
    except (FileNotFoundError, OSError) as missing:
        return {"skipped": f"PostgreSQL not available: {missing}"}
    try:
        db = postgres_database(cluster, scale, log=log)
        out = run_unpinned(db.url, logs, seconds=seconds, backend="PostgreSQL", log=log)
        return {"scale": scale, "build_seconds": db.build_seconds, **out}
    finally:
        cluster.stop()
