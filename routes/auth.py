"""The sign-in cookie. Streamlit scripts cannot set cookies, so the browser trades the
single-use grant from the sign-in form for an HttpOnly cookie here."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from data.db import session_scope
from services.accounts import auth

COOKIE_NAME = auth.SESSION_COOKIE


def _secure(request: Request) -> bool:
    """Secure cookies behind https (directly or through a proxy that says so)."""
    if os.environ.get("CARTWHEEL_SECURE_COOKIES") == "1":
        return True
    return request.url.scheme == "https"


def _same_origin(request: Request) -> bool:
    """Refuse cross-site posts (a page elsewhere must not sign a parent out or in)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def trade_grant_for_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    form = await request.form()
    grant = str(form.get("grant", ""))
    token = await run_in_threadpool(_exchange, grant)
    if token is None:
        return Response(status_code=401)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(auth.ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


async def sign_out_cookie(request: Request) -> Response:
    """Forget the cookie and end the session it names (the page also ends it server-side)."""
    if not _same_origin(request):
        return Response(status_code=403)
    await run_in_threadpool(_end_session, request.cookies.get(COOKIE_NAME))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_secure(request)
    )
    return response


def _exchange(grant: str) -> str | None:
    with session_scope() as db:
        return auth.exchange_grant(db, grant)


def _end_session(token: str | None) -> None:
    with session_scope() as db:
        session_id = auth.session_id_for_token(db, token)
        if session_id is not None:
            auth.sign_out(db, session_id)
