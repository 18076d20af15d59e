"""`/healthz` for load balancers: 200 when the database answers and its schema is the one this
code expects; 503 when it is unreachable or not migrated (`python -m data.migrate`)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from data.schema_version import SchemaStatus, schema_status

ANSWERS = {
    SchemaStatus.CURRENT: (200, {"status": "ok", "database": "ok"}),
    SchemaStatus.NOT_CURRENT: (503, {"status": "upgrading", "database": "schema not current"}),
    SchemaStatus.UNREACHABLE: (503, {"status": "unavailable", "database": "unreachable"}),
}


async def healthz(_request: Request) -> JSONResponse:
    status_code, body = ANSWERS[await run_in_threadpool(schema_status)]
    return JSONResponse(body, status_code=status_code)
