"""What the server process starts and stops around serving (st.App's `lifespan`, see app.py):
the first-run setup link, printed while the database has no administrator, and the scheduled
jobs' thread (services/operations/job_runner.py; CARTWHEEL_JOBS_IN_APP=0 leaves the jobs to
`python -m scripts.run_jobs` from cron or systemd)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from data.config import public_base_url
from data.db import session_scope
from data.schema_version import SchemaStatus, schema_status
from services.accounts.setup_link import issue_setup_link
from services.kernel.errors import DomainError
from services.operations.job_runner import start_background_runner

log = logging.getLogger(__name__)


def announce_setup_link() -> str | None:
    """Print a fresh one-time setup link when no administrator exists (earlier links stop
    working); returns it. Never stops the server from starting: a database that is not
    migrated yet, or a bad CARTWHEEL_BASE_URL, is logged and the pages say what is wrong."""
    if schema_status() is not SchemaStatus.CURRENT:
        log.warning("No setup link: the database is not reachable or not migrated yet.")
        return None
    try:
        with session_scope() as db:
            link = issue_setup_link(db, base_url=public_base_url())
    except DomainError as refused:
        log.error("No setup link: %s", refused.message)
        return None
    if link is not None:
        # stdout, not only the log: the owner reads it in the terminal or `journalctl`.
        print(
            "\nThis portal is not set up yet. Open this one-time link to set it up "
            f"(a restart replaces it):\n\n    {link}\n",
            flush=True,
        )
    return link


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    await run_in_threadpool(announce_setup_link)
    runner = start_background_runner()
    try:
        yield
    finally:
        if runner is not None:
            await run_in_threadpool(runner.stop)
