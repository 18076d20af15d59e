"""50 parents clicking at once through a real `streamlit run` on SQLite: no page run fails
(issue 13, item 19: 34 of 454 runs failed with "database is locked" on `last_seen_at`).

The clock is real, not pinned, so every session's first run writes `last_seen_at`; a writer
beside the server keeps pushing the sessions' `last_seen_at` back past the one-minute
resolution, so later runs write it again while other sessions read and write. The clients
are the benchmark's (bench/server_load.py), which speak Streamlit's websocket protocol the
way a browser does and count every failed run and every exception shown.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bench.server_load import run_level
from bench.server_process import Server
from bench.ws_client import BrowserSession
from data.db import make_engine
from data.models import LedgerKind, SignInSession
from services.accounts.auth import ABSOLUTE_TIMEOUT, LAST_SEEN_RESOLUTION
from services.kernel.secrets_util import token_hash
from tests import factories as f
from tests.browser.conftest import start_app
from tests.support.event_loops import run_in_own_loop

SESSIONS = 50
SECONDS = 20.0


def _families_signed_in(url: str, count: int, now: datetime) -> list[str]:
    """`count` families, each with a student in a class and a primary guardian signed in
    (a session row as services.accounts.auth writes it, last seen two minutes ago); their
    cookies."""
    engine = make_engine(url)
    cookies = []
    try:
        with Session(engine) as db:
            loc = f.location(db)
            cls = f.gym_class(db, loc)
            for n in range(count):
                fam, _, account = f.family(db, f"Family{n}")
                f.enroll(db, f.student(db, fam, "Kid"), cls)
                f.entry(db, fam, loc, LedgerKind.CHARGE, 5_000)
                cookie = secrets.token_urlsafe(32)
                cookies.append(cookie)
                db.add(
                    SignInSession(
                        user_id=account.id,
                        token_hash=token_hash(cookie),
                        created_at=now - timedelta(minutes=5),
                        authenticated_at=now - timedelta(minutes=5),
                        last_seen_at=now - 2 * LAST_SEEN_RESOLUTION,  # writes on its next run
                        expires_at=now + ABSOLUTE_TIMEOUT,
                        user_agent="load test",
                    )
                )
            db.commit()
    finally:
        engine.dispose()
    return cookies


def _keep_sessions_stale(url: str, stop: threading.Event, pushed: datetime) -> int:
    """Another writer: twice a second, count the sessions that wrote last_seen_at since the
    last push, then push every session's last_seen_at back past the resolution again, so
    their next runs write it again. Returns the writes the sessions made."""
    engine = make_engine(url)
    seen = 0
    try:
        while not stop.wait(0.5):
            # BEGIN IMMEDIATE: this writer reads first, then writes (data/db.py).
            with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
                seen += conn.scalar(
                    select(func.count())
                    .select_from(SignInSession)
                    .where(SignInSession.last_seen_at > pushed)
                )
                pushed = datetime.now(UTC) - 2 * LAST_SEEN_RESOLUTION
                conn.execute(update(SignInSession).values(last_seen_at=pushed))
    finally:
        engine.dispose()
    return seen


async def _load(
    server: Server, cookies: list[str], url: str, pushed: datetime
) -> tuple[int, int, int]:
    warm = await BrowserSession.open(server.ws_url, cookies[0])
    await warm.rerun()  # imports and first queries, outside the timed part
    await warm.close()
    stop = threading.Event()
    writer = asyncio.create_task(asyncio.to_thread(_keep_sessions_stale, url, stop, pushed))
    try:
        result = await run_level(server, cookies, SESSIONS, SECONDS, think=None)
    finally:
        stop.set()
        writes = await writer
    return len(result.samples), result.errors, writes


@pytest.mark.slow
def test_fifty_sessions_clicking_at_once_see_no_errors(
    sqlite_template: str, tmp_path: Path
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "load.db")
    url = f"sqlite:///{tmp_path / 'load.db'}"
    started = datetime.now(UTC)  # the real clock: the server's is not pinned either
    cookies = _families_signed_in(url, SESSIONS, started)
    log = tmp_path / "streamlit.log"
    process, app_url = start_app(url, log)
    try:
        server = Server(process, int(app_url.rsplit(":", 1)[1]), log, 0.0)
        pushed = started - 2 * LAST_SEEN_RESOLUTION
        runs, errors, session_writes = run_in_own_loop(
            lambda: _load(server, cookies, url, pushed), timeout=180
        )
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert runs >= SESSIONS * 2, f"only {runs} page runs finished"
    assert errors == 0, f"{errors} of {runs} runs failed; server log:\n{log.read_text()[-3000:]}"
    assert session_writes >= SESSIONS  # the sessions really wrote last_seen_at, repeatedly
