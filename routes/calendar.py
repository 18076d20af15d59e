"""`GET /calendar/{token}.ics`: a student's private calendar feed (services.classes.calendar_feed).

Calendar apps fetch it without a cookie, so the signed token in the path is the only
credential: a bad or stale token answers 404 like any unknown address.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from data.db import session_scope
from services.classes.calendar_feed import calendar_ics

PATH = "/calendar/{token}.ics"
PRIVATE_HEADERS = {
    "Cache-Control": "private, max-age=900",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


async def student_calendar_feed(request: Request) -> Response:
    body = await run_in_threadpool(_feed, request.path_params["token"])
    if body is None:
        return PlainTextResponse(
            "Not found", status_code=404, headers={"Cache-Control": "no-store"}
        )
    return Response(
        body,
        media_type="text/calendar",
        headers={**PRIVATE_HEADERS, "Content-Disposition": 'inline; filename="classes.ics"'},
    )


def _feed(token: str) -> str | None:
    with session_scope() as db:
        return calendar_ics(db, token)
