"""The server under load: a real `streamlit run app.py` on 127.0.0.1, driven by websocket
clients that speak Streamlit's protocol the way a browser does.

A client connects to /_stcore/stream with the parent's sign-in cookie, sends a `rerun_script`
BackMsg (the page to run, as the browser does on every click or page change) and times until
the server's `script_finished` ForwardMsg. Each parent session walks the parent pages (Home,
Students, Attendance, Transactions, Billing) in turn.

- Levels of 1, 10, 50 and 100 concurrent parent sessions with think time (2–8 s between
  clicks), each bounded in time: reruns per second, p50 / p95 interaction time, RSS.
- Capacity: 10 sessions clicking continuously (no think time) for a fixed time; then the same
  with Streamlit's `runner.postScriptGC` switched on, to measure that setting.
- Memory, on a fresh server: RSS before, with 100 idle sessions (RSS per idle session), then
  1,000 sessions opened and closed in all, and RSS once Streamlit has dropped the
  disconnected sessions (`server.disconnectedSessionTTL`, 120 s by default); then a second
  1,000 the same way.

Every session signs in as a different family's primary guardian: the benchmark writes their
sign-in session rows itself (token hashes, as services.accounts.auth does), since only the demo
family's password is known. Traffic goes to 127.0.0.1 only; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

from bench.databases import BENCH_NOW
from bench.timing import percentile
from data.db import make_engine
from data.demo.logins import PRIMARY_EMAIL
from data.models import Guardian, GuardianAccess, SignInSession, User
from services.accounts.auth import ABSOLUTE_TIMEOUT, SESSION_COOKIE
from services.kernel.secrets_util import token_hash
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
PARENT_PAGES = ("Home", "Students", "Attendance", "Transactions", "Billing")
THINK_SECONDS = (2.0, 8.0)
LEVELS = (1, 10, 50, 100)
FINISHED = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN,
}
RUN_TIMEOUT = 60.0  # seconds one rerun may take before it counts as failed


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


# -- the server --------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_ms: float  # from launch until /healthz answered

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(
    database_url: str, log: Path, *options: str, pin_clock: bool = True, script: str = "app.py"
) -> Server:
    """`streamlit run app.py` (or `script`) on 127.0.0.1, by default with the clock pinned to
    the benchmark's now; `pin_clock=False` runs on the real clock, as in production."""
    port = free_port()
    env = {
        **os.environ,
        "CARTWHEEL_DATABASE_URL": database_url,
        "CARTWHEEL_SECRET_KEY": os.environ.get("CARTWHEEL_SECRET_KEY") or secrets.token_hex(32),
        "PYTHONUNBUFFERED": "1",
    }
    if pin_clock:
        env["CARTWHEEL_FROZEN_NOW"] = BENCH_NOW.isoformat()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip
    started = time.perf_counter()
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    ms = (time.perf_counter() - started) * 1000
                    return Server(process, port, log, ms)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()[-3000:]}")


# -- sign-in cookies -------------------------------------------------------------------------


def parent_cookies(database_url: str, count: int) -> list[str]:
    """Cookie tokens for `count` sign-in sessions, each a different family's primary
    guardian who can sign in (the demo family first)."""
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
                        created_at=BENCH_NOW,
                        authenticated_at=BENCH_NOW,
                        last_seen_at=BENCH_NOW,
                        expires_at=BENCH_NOW + ABSOLUTE_TIMEOUT,
                        user_agent="cartwheel bench",
                    )
                )
            db.commit()
    finally:
        engine.dispose()
    if len(tokens) < count:
        raise RuntimeError(f"only {len(tokens)} parents can sign in; {count} wanted")
    return tokens


# -- one browser session ---------------------------------------------------------------------


class RunFailed(Exception):
    pass


class BrowserSession:
    """One websocket session: rerun a page, wait for the script to finish.

    Like the browser, it sends back the value of every widget the last run drew (as drawn:
    the default, or the value the script set), so keyed widgets keep their state."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pages: dict[str, str] = {}  # page name -> page_script_hash
        self.errors = 0
        self.error_messages: list[str] = []  # what each exception the page showed said
        self.widgets: dict[str, WidgetState] = {}  # drawn by the last finished run

    @classmethod
    async def open(cls, url: str, cookie: str) -> BrowserSession:
        ws = await connect(
            url,
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
            max_size=None,
            open_timeout=30,
        )
        return cls(ws)

    async def rerun(self, page: str = "") -> float:
        """Run `page` (a name from the navigation; "" = the default page); ms until done."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = self.pages.get(page, "")
        msg.rerun_script.widget_states.widgets.extend(self.widgets.values())
        drawn: dict[str, WidgetState] = {}
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(RUN_TIMEOUT):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.ws.recv())
                kind = forward.WhichOneof("type")
                if kind == "delta":
                    delta = forward.delta
                    if delta.WhichOneof("type") == "new_element":
                        if delta.new_element.WhichOneof("type") == "exception":
                            self.errors += 1
                            shown = delta.new_element.exception
                            self.error_messages.append(f"{shown.type}: {shown.message}")
                        _remember(delta.new_element, self.widgets, drawn)
                    elif delta.WhichOneof("type") == "add_block":
                        _remember_block(delta.add_block, self.widgets, drawn)
                elif kind == "navigation":
                    pages = forward.navigation.app_pages
                    self.pages = {p.page_name: p.page_script_hash for p in pages}
                elif kind == "page_not_found":
                    self.errors += 1
                    self.error_messages.append(f"page not found: {page}")
                elif kind == "script_finished":
                    if forward.script_finished in FINISHED:
                        self.widgets = drawn
                        return (time.perf_counter() - started) * 1000
                    raise RunFailed(f"script finished with status {forward.script_finished}")

    async def close(self) -> None:
        await self.ws.close()


def _remember(
    element: Element, shown: dict[str, WidgetState], drawn: dict[str, WidgetState]
) -> None:
    """The value the browser would send back for a widget: what it showed before, unless
    the script set a value; a new widget starts at its default."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind) if kind else None
    if widget is None or not getattr(widget, "id", ""):
        return
    if not getattr(widget, "set_value", False) and widget.id in shown:
        drawn[widget.id] = shown[widget.id]
        return
    state = WidgetState(id=widget.id)
    if kind in ("selectbox", "radio"):
        if widget.set_value and widget.HasField("raw_value"):
            state.string_value = widget.raw_value
        elif widget.HasField("default") and widget.default < len(widget.options):
            state.string_value = widget.options[widget.default]
        else:
            return
    elif kind == "button_group":
        if widget.set_value:
            values = list(widget.raw_values)
        else:
            values = [widget.options[i].content for i in widget.default]
        state.string_array_value.data.extend(values)
    elif kind in ("text_input", "text_area"):
        state.string_value = widget.value if widget.set_value else widget.default
    elif kind == "checkbox":
        state.bool_value = widget.value if widget.set_value else widget.default
    elif kind == "date_input":
        values = widget.value if widget.set_value else widget.default
        state.string_array_value.data.extend(values)
    elif kind == "number_input":
        if widget.set_value:
            state.double_value = widget.value
        elif widget.HasField("default"):
            state.double_value = widget.default
        else:
            return
    else:
        return  # buttons send nothing until clicked; other widgets are not on these pages
    drawn[widget.id] = state


def _remember_block(
    block: Block, shown: dict[str, WidgetState], drawn: dict[str, WidgetState]
) -> None:
    """Stateful tabs: the open tab's label (nothing until one is chosen: the default)."""
    tabs = block.tab_container
    if block.WhichOneof("type") != "tab_container" or not tabs.id:
        return
    if tabs.id in shown:
        drawn[tabs.id] = shown[tabs.id]
    elif tabs.default_tab_label:
        drawn[tabs.id] = WidgetState(id=tabs.id, string_value=tabs.default_tab_label)


# -- load levels -----------------------------------------------------------------------------


@dataclass
class LevelResult:
    sessions: int
    seconds: float
    think_seconds: tuple[float, float] | None
    samples: list[float] = field(default_factory=list)
    errors: int = 0
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
    except (RunFailed, TimeoutError, OSError):
        result.errors += 1
    finally:
        if session is not None:
            result.errors += session.errors  # runs that showed an exception


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


async def _warm_up(server: Server, cookie: str) -> float:
    """The first page after start-up (imports, first queries), then every parent page once."""
    session = await BrowserSession.open(server.ws_url, cookie)
    first = await session.rerun()
    for page in PARENT_PAGES:
        await session.rerun(page)
    await session.close()
    return first


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


# -- the whole server benchmark --------------------------------------------------------------


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
        out["first_page_ms"] = round(await _warm_up(server, cookies[0]), 1)
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
        await _warm_up(server, cookies[0])
        gc_run = await run_level(server, cookies, 10, settings.capacity_seconds, None)
        out["capacity_postScriptGC_true"] = with_gc = gc_run.as_dict(server.rss_mb())
        log(f"    the same with runner.postScriptGC=true: {_line(with_gc)}")
    finally:
        server.stop()
    server = start_server(url, logs / "server-memory.log")
    try:
        out["memory"] = await _memory(server, cookies, settings, log)
    finally:
        server.stop()
    return out


async def _memory(
    server: Server, cookies: list[str], settings: LoadSettings, log: Callable[[str], None]
) -> dict[str, Any]:
    """RSS after warm-up, with idle sessions, and after 1,000 sessions opened and closed once
    the disconnected sessions' TTL has passed; then a second thousand, to tell a one-time rise
    to a plateau from a leak."""
    await _warm_up(server, cookies[0])
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


def _line(level: dict[str, Any]) -> str:
    return (
        f"{level['reruns_per_second']} reruns/s, p50 {level.get('p50_ms')} ms, "
        f"p95 {level.get('p95_ms')} ms, {level['errors']} errors, RSS {level['rss_mb']} MB"
    )
