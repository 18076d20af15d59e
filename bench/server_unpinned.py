"""The server under load on the real clock: 10 and 50 parents clicking continuously.

bench/server_load.py pins the clock, so a sign-in session's `last_seen_at` is never refreshed
there. Here the server runs on the real clock and every session starts with `last_seen_at`
past the refresh interval, so each one writes it as in production (once a minute per
session), while the others read. Reported per level: reruns/s, p50/p95, errors with the exact
message the page showed or the client saw, and the server log's warnings (a failed
`last_seen_at` refresh is logged, not shown: it is counted here too).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.server_load import (
    PARENT_PAGES,
    BrowserSession,
    RunFailed,
    Server,
    _warm_up,
    start_server,
)
from bench.timing import percentile
from data.db import make_engine
from data.demo.logins import PRIMARY_EMAIL
from data.models import Guardian, GuardianAccess, SignInSession, User
from services.accounts.auth import ABSOLUTE_TIMEOUT, LAST_SEEN_RESOLUTION
from services.kernel.secrets_util import token_hash

LEVELS = (10, 50)


def unpinned_cookies(database_url: str, count: int) -> list[str]:
    """Sign-in sessions for `count` families' primary guardians, created now (real clock)
    and last seen just over the refresh interval ago, so their first run writes."""
    import secrets

    now = datetime.now(UTC)
    seen = now - LAST_SEEN_RESOLUTION - timedelta(seconds=5)
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            users = list(
                db.scalars(
                    select(User.id)
                    .join(Guardian, Guardian.user_id == User.id)
                    .where(
                        Guardian.is_primary.is_(True),
                        Guardian.access == GuardianAccess.CAN_LOG_IN,
                        User.is_active.is_(True),
                    )
                    .order_by(User.email != PRIMARY_EMAIL, User.id)
                    .limit(count)
                )
            )
            tokens = [secrets.token_urlsafe(32) for _ in users]
            for user_id, token in zip(users, tokens, strict=True):
                db.add(
                    SignInSession(
                        user_id=user_id,
                        token_hash=token_hash(token),
                        created_at=seen,
                        authenticated_at=seen,
                        last_seen_at=seen,
                        expires_at=now + ABSOLUTE_TIMEOUT,
                        user_agent="cartwheel bench (real clock)",
                    )
                )
            db.commit()
    finally:
        engine.dispose()
    if not tokens:
        raise RuntimeError("no parent can sign in")
    return tokens


async def _clicker(
    server: Server, cookie: str, deadline: float, samples: list[float], errors: Counter[str]
) -> None:
    """One parent clicking through the parent pages with no pause until `deadline`."""
    session: BrowserSession | None = None
    try:
        session = await BrowserSession.open(server.ws_url, cookie)
        samples.append(await session.rerun())
        step = 0
        while time.monotonic() < deadline:
            step += 1
            samples.append(await session.rerun(PARENT_PAGES[step % len(PARENT_PAGES)]))
    except (RunFailed, TimeoutError, OSError) as failed:
        errors[f"{type(failed).__name__}: {failed}"] += 1
    finally:
        if session is not None:
            errors.update(session.error_messages)
            await session.close()


async def _level(server: Server, cookies: list[str], sessions: int, seconds: float) -> dict:
    samples: list[float] = []
    errors: Counter[str] = Counter()
    started = time.monotonic()
    await asyncio.gather(
        *(
            _clicker(server, cookies[i % len(cookies)], started + seconds, samples, errors)
            for i in range(sessions)
        )
    )
    elapsed = time.monotonic() - started
    out: dict[str, Any] = {
        "sessions": sessions,
        "seconds": round(elapsed, 1),
        "reruns": len(samples),
        "reruns_per_second": round(len(samples) / elapsed, 2),
        "errors": sum(errors.values()),
        "error_messages": dict(errors),
    }
    if samples:
        out |= {
            "p50_ms": round(percentile(samples, 50), 1),
            "p95_ms": round(percentile(samples, 95), 1),
            "max_ms": round(max(samples), 1),
        }
    return out


def log_warnings(log: Path, since: int) -> dict[str, int]:
    """Warning and error lines the server logged after byte `since`, counted by text."""
    text = log.read_bytes()[since:].decode(errors="replace")
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if "WARNING" in line or "ERROR" in line or "database is locked" in line:
            found[line.split(" - ", 1)[-1].strip()[:300]] += 1
    return dict(found)


def run_unpinned(
    database_url: str, logs: Path, *, seconds: float = 20.0, log=print
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Each level on a fresh server, sessions that have not been seen for a minute."""
    logs.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"clock": "real", "levels": []}
    for sessions in LEVELS:
        cookies = unpinned_cookies(database_url, sessions)
        server = start_server(database_url, logs / f"unpinned-{sessions}.log", pin_clock=False)
        try:
            asyncio.run(_warm_up(server, cookies[0]))  # imports and first queries, untimed
            start = server.log.stat().st_size
            level = asyncio.run(_level(server, cookies, sessions, seconds))
            level["server_log_warnings"] = log_warnings(server.log, start)
        finally:
            server.stop()
        out["levels"].append(level)
        log(
            f"    real clock, {sessions} sessions clicking: {level['reruns_per_second']} "
            f"reruns/s, p95 {level.get('p95_ms')} ms, {level['errors']} errors, "
            f"{sum(level['server_log_warnings'].values())} server warnings"
        )
    return out
