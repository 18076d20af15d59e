"""`/healthz`: 200 when the database answers, 503 when it does not (for load balancers)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from data.db import ping


async def healthz(_request: Request) -> JSONResponse:
    if await run_in_threadpool(ping):
        return JSONResponse({"status": "ok", "database": "ok"})
    return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
