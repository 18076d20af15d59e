"""What the server process starts and stops around serving (st.App's `lifespan`, see app.py):
the outbox sender thread, when SMTP is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.concurrency import run_in_threadpool

from services.messages.mailer import start_background_sender


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    sender = start_background_sender()
    try:
        yield
    finally:
        if sender is not None:
            await run_in_threadpool(sender.stop)
