"""Memory of the server under sessions: RSS before, with idle sessions (RSS per idle session),
then 1,000 sessions opened and closed in all, and RSS once Streamlit has dropped the
disconnected sessions (`server.disconnectedSessionTTL`, 120 s by default); then a second 1,000
the same way, to tell a one-time rise to a plateau from a leak."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bench.server_process import Server
from bench.ws_client import BrowserSession, RunFailed, warm_up

if TYPE_CHECKING:
    from bench.server_load import LoadSettings


async def measure_memory(
    server: Server, cookies: list[str], settings: LoadSettings, log: Callable[[str], None]
) -> dict[str, Any]:
    """RSS after warm-up, with idle sessions, and after 1,000 sessions opened and closed once
    the disconnected sessions' TTL has passed; then a second thousand, to tell a one-time rise
    to a plateau from a leak."""
    await warm_up(server.ws_url, cookies[0])
    await asyncio.sleep(1)
    before = server.rss_mb()
    idle = await _open_idle(server, cookies, settings.idle_sessions)
    await asyncio.sleep(2)
    with_idle = server.rss_mb()
    await asyncio.gather(*(s.close() for s in idle), return_exceptions=True)
    started = time.monotonic()
    more = settings.churn_sessions - settings.idle_sessions
    failures = await _churn(server, cookies, more, settings.churn_concurrency)
    churn_seconds = time.monotonic() - started
    right_after = server.rss_mb()
    log(
        f"    memory: {before:.0f} MB, with {settings.idle_sessions} idle sessions "
        f"{with_idle:.0f} MB, after {settings.churn_sessions} opened and closed "
        f"{right_after:.0f} MB; waiting {settings.session_ttl_wait:.0f} s for the session TTL"
    )
    after_ttl = await _after_ttl(server, cookies, settings)
    growth = (after_ttl - before) / before * 100
    failures += await _churn(server, cookies, settings.churn_sessions, settings.churn_concurrency)
    after_second = await _after_ttl(server, cookies, settings)
    second = (after_second - after_ttl) / after_ttl * 100
    log(
        f"    memory after the TTL: {after_ttl:.0f} MB ({growth:+.1f} %); after a second "
        f"{settings.churn_sessions}: {after_second:.0f} MB ({second:+.1f} %)"
    )
    return {
        "rss_before_mb": round(before, 1),
        "idle_sessions": settings.idle_sessions,
        "rss_with_idle_sessions_mb": round(with_idle, 1),
        "rss_per_idle_session_mb": round((with_idle - before) / settings.idle_sessions, 3),
        "sessions_opened_and_closed": settings.churn_sessions,
        "churn_seconds": round(churn_seconds, 1),
        "churn_failures": failures,
        "rss_right_after_closing_mb": round(right_after, 1),
        "ttl_wait_seconds": settings.session_ttl_wait,
        "rss_after_ttl_mb": round(after_ttl, 1),
        "rss_growth_percent": round(growth, 2),
        "rss_after_second_thousand_mb": round(after_second, 1),
        "second_thousand_growth_percent": round(second, 2),
    }


async def _after_ttl(server: Server, cookies: list[str], settings: LoadSettings) -> float:
    """RSS once Streamlit has let go of the disconnected sessions: it drops expired ones when
    its session store is next touched, so one more session comes and goes first."""
    await asyncio.sleep(settings.session_ttl_wait)
    await _churn(server, cookies, 1, 1)
    await asyncio.sleep(2)
    return server.rss_mb()


async def _open_idle(server: Server, cookies: list[str], count: int) -> list[BrowserSession]:
    sessions: list[BrowserSession] = []
    for i in range(count):
        session = await BrowserSession.open(server.ws_url, cookies[i % len(cookies)])
        await session.rerun()
        sessions.append(session)
    return sessions


async def _churn(server: Server, cookies: list[str], count: int, concurrency: int) -> int:
    """Open and close `count` sessions, `concurrency` at a time; returns the failures."""
    failures = 0
    queue = iter(range(count))

    async def worker() -> None:
        nonlocal failures
        for i in queue:
            try:
                session = await BrowserSession.open(server.ws_url, cookies[i % len(cookies)])
                await session.rerun()
                await session.close()
            except (RunFailed, TimeoutError, OSError):
                failures += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures
