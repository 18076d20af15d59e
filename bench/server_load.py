"""The server under load: a real `streamlit run app.py` on 127.0.0.1 (bench/server_process.py),
driven by the project's websocket client (bench/ws_client.py), each parent session walking the
parent pages (Home, Students, Attendance, Transactions, Billing) in turn.

- Levels of 1, 10, 50 and 100 concurrent parent sessions with think time (2–8 s between
  clicks), each bounded in time: reruns per second, p50 / p95 interaction time, RSS.
- Capacity: 10 sessions clicking continuously (no think time) for a fixed time; then the same
  with Streamlit's `runner.postScriptGC` switched on, to measure that setting.
- Memory, on a fresh server (bench/server_memory.py).

Every session signs in as a different family's primary guardian (bench/sign_ins.py). Traffic
goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.server_memory import measure_memory
from bench.server_process import Server, start_server
from bench.sign_ins import parent_cookies
from bench.timing import percentile
from bench.ws_client import PARENT_PAGES, BrowserSession, RunFailed, warm_up

THINK_SECONDS = (2.0, 8.0)
LEVELS = (1, 10, 50, 100)


@dataclass
class LoadSettings:
    level_seconds: dict[int, float] = field(
        default_factory=lambda: {1: 15.0, 10: 20.0, 50: 20.0, 100: 25.0}
    )
    capacity_seconds: float = 20.0
    churn_sessions: int = 1000
    churn_concurrency: int = 10
    idle_sessions: int = 100
    session_ttl_wait: float = 125.0  # past Streamlit's 120 s disconnectedSessionTTL


@dataclass
class LevelResult:
    sessions: int
    seconds: float
    think_seconds: tuple[float, float] | None
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    error_messages: Counter[str] = field(default_factory=Counter)  # the exact text of each
    rss_mb: float = 0.0
    cpu_seconds: float = 0.0

    def as_dict(self, baseline_rss_mb: float) -> dict[str, Any]:
        done = self.samples
        out: dict[str, Any] = {
            "sessions": self.sessions,
            "seconds": round(self.seconds, 1),
            "think_seconds": list(self.think_seconds) if self.think_seconds else None,
            "reruns": len(done),
            "reruns_per_second": round(len(done) / self.seconds, 2) if self.seconds else 0,
            "errors": self.errors,
            "error_messages": dict(self.error_messages),
            "rss_mb": round(self.rss_mb, 1),
            "rss_per_session_mb": round((self.rss_mb - baseline_rss_mb) / self.sessions, 2),
            "server_cpu_seconds": round(self.cpu_seconds, 1),
        }
        if done:
            out |= {
                "p50_ms": round(percentile(done, 50), 1),
                "p95_ms": round(percentile(done, 95), 1),
                "max_ms": round(max(done), 1),
            }
        return out


async def _parent(
    server: Server,
    cookie: str,
    deadline: float,
    think: tuple[float, float] | None,
    result: LevelResult,
    rng: random.Random,
    keep: list[BrowserSession],
) -> None:
    """A parent: open the portal, then click through the parent pages until `deadline`."""
    session: BrowserSession | None = None
    try:
        if think:  # arrive spread out over the first think time, not all at once
            await asyncio.sleep(rng.uniform(0, think[1]))
        session = await BrowserSession.open(server.ws_url, cookie)
        keep.append(session)
        result.samples.append(await session.rerun())
        step = rng.randrange(len(PARENT_PAGES))
        while True:
            if think:
                pause = rng.uniform(*think)
                await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            step += 1
            result.samples.append(await session.rerun(PARENT_PAGES[step % len(PARENT_PAGES)]))
    except (RunFailed, TimeoutError, OSError) as failed:
        result.errors += 1
        result.error_messages[f"{type(failed).__name__}: {failed}"] += 1
    finally:
        if session is not None:
            result.errors += session.errors  # runs that showed an exception
            result.error_messages.update(session.error_messages)


async def run_level(
    server: Server,
    cookies: list[str],
    sessions: int,
    seconds: float,
    think: tuple[float, float] | None,
    seed: int = 7,
) -> LevelResult:
    result = LevelResult(sessions=sessions, seconds=seconds, think_seconds=think)
    rng = random.Random(seed)
    keep: list[BrowserSession] = []
    cpu_before = server.cpu_seconds()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _parent(server, cookies[i % len(cookies)], deadline, think, result, rng, keep)
            for i in range(sessions)
        )
    )
    result.seconds = time.monotonic() - started
    result.rss_mb = server.rss_mb()  # the sessions are still connected
    result.cpu_seconds = server.cpu_seconds() - cpu_before
    await asyncio.gather(*(s.close() for s in keep), return_exceptions=True)
    return result


def run_server_load(
    database_url: str,
    logs: Path,
    settings: LoadSettings | None = None,
    *,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    settings = settings or LoadSettings()
    logs.mkdir(parents=True, exist_ok=True)
    cookies = parent_cookies(database_url, max(LEVELS))
    return asyncio.run(_all(database_url, logs, settings, cookies, log))


async def _all(
    url: str, logs: Path, settings: LoadSettings, cookies: list[str], log: Callable[[str], None]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    server = start_server(url, logs / "server-load.log")
    try:
        out["start_ms"] = round(server.started_ms)
        out["first_page_ms"] = round(await warm_up(server.ws_url, cookies[0]), 1)
        baseline = server.rss_mb()
        out["rss_after_start_mb"] = round(baseline, 1)
        log(f"    server up in {server.started_ms:.0f} ms; first page {out['first_page_ms']} ms")
        levels = []
        for sessions in LEVELS:
            result = await run_level(
                server, cookies, sessions, settings.level_seconds[sessions], THINK_SECONDS
            )
            levels.append(result.as_dict(baseline))
            log(f"    {sessions} sessions with think time: {_line(levels[-1])}")
        out["levels"] = levels
        capacity = await run_level(server, cookies, 10, settings.capacity_seconds, None)
        out["capacity"] = capacity.as_dict(baseline)
        log(f"    10 sessions clicking continuously: {_line(out['capacity'])}")
    finally:
        server.stop()
    server = start_server(url, logs / "server-gc.log", "--runner.postScriptGC", "true")
    try:
        await warm_up(server.ws_url, cookies[0])
        gc_run = await run_level(server, cookies, 10, settings.capacity_seconds, None)
        out["capacity_postScriptGC_true"] = with_gc = gc_run.as_dict(server.rss_mb())
        log(f"    the same with runner.postScriptGC=true: {_line(with_gc)}")
    finally:
        server.stop()
    server = start_server(url, logs / "server-memory.log")
    try:
        out["memory"] = await measure_memory(server, cookies, settings, log)
    finally:
        server.stop()
    return out


def _line(level: dict[str, Any]) -> str:
    return (
        f"{level['reruns_per_second']} reruns/s, p50 {level.get('p50_ms')} ms, "
        f"p95 {level.get('p95_ms')} ms, {level['errors']} errors, RSS {level['rss_mb']} MB"
    )
