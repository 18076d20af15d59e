"""Who is signed in to this browser session, and the sign-in / sign-out actions.

Session state keeps only the sign-in session's id; the Actor is rebuilt from the database on
every script run (services.accounts.auth.actor_for_session), so timeouts and revocation apply at
once.
"""

from __future__ import annotations

import html
import time
from typing import Any

import streamlit as st

from data.db import session_scope
from services.accounts import auth, two_factor
from services.accounts.second_factor import SecondStep
from services.kernel.access import Actor
from services.kernel.errors import AuthenticationError

SESSION_ID_KEY = "auth.session_id"
GRANT_KEY = "auth.grant"
NOTICE_KEY = "auth.notice"
CLEAR_COOKIE_KEY = "auth.clear_cookie"
ACTOR_KEY = "auth.actor"
SECOND_STEP_KEY = "auth.second_step"  # the SecondStep after a right password
RECOVERY_CODES_KEY = "auth.recovery_codes"  # shown once after enrolling

# The browser trades the grant for the HttpOnly cookie at /auth/session (routes/auth.py).
# The scripts are constants, so the Content-Security-Policy allows exactly them by hash
# (routes/security_headers.py); the grant (URL-safe base64) travels in an escaped attribute.
GRANT_SCRIPT = """
const grant = document.getElementById("grant").dataset.grant;
fetch("/auth/session", {method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/x-www-form-urlencoded"},
  body: "grant=" + encodeURIComponent(grant)});
"""
SIGN_OUT_SCRIPT = """
fetch("/auth/sign-out", {method: "POST", credentials: "same-origin"});
"""
BRIDGE_SCRIPTS = (GRANT_SCRIPT, SIGN_OUT_SCRIPT)


def _grant_bridge(grant: str) -> str:
    return f'<div id="grant" data-grant="{html.escape(grant, quote=True)}"></div>' + (
        f"<script>{GRANT_SCRIPT}</script>"
    )


def resolve_actor(db: Any) -> Actor | None:
    """The signed-in Actor for this run: from this browser session, else from the cookie
    (`db`: the router's session)."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if session_id is None:
        cookie = st.context.cookies.get(auth.SESSION_COOKIE)
        session_id = auth.session_id_for_token(db, cookie)
    if session_id is None:
        st.session_state.pop(ACTOR_KEY, None)
        return None
    try:
        actor = auth.actor_for_session(db, session_id)
    except AuthenticationError as ended:
        forget_session(notice=ended.message)
        return None
    st.session_state[SESSION_ID_KEY] = session_id
    st.session_state[ACTOR_KEY] = actor
    return actor


def current_actor() -> Actor:
    """The Actor the router resolved for this run (pages call this)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        st.stop()
    return actor


def sign_in(email: str, password: str) -> None:
    """Check the credentials; raises AuthenticationError with the message to show. When a
    second factor is needed, the sign-in page asks for it next (`second_step`)."""
    with session_scope() as db:
        result = auth.sign_in(
            db,
            email,
            password,
            user_agent=st.context.headers.get("User-Agent", ""),
            client=client_address(),
        )
    if isinstance(result, SecondStep):
        st.session_state[SECOND_STEP_KEY] = result
        return
    _signed_in(result)


def second_step() -> SecondStep | None:
    """The sign-in waiting for its second factor in this browser session, if any."""
    return st.session_state.get(SECOND_STEP_KEY)


def cancel_second_step() -> None:
    """Button callback: back to the e-mail and password."""
    st.session_state.pop(SECOND_STEP_KEY, None)


def begin_enrolment(step: SecondStep) -> two_factor.Enrolment:
    with session_scope() as db:
        return two_factor.begin_enrolment(db, step.pending)


def confirm_enrolment(step: SecondStep, code: str) -> None:
    """Confirm the authenticator; the recovery codes are shown once after signing in."""
    with session_scope() as db:
        done = two_factor.confirm_enrolment(db, step.pending, code, **_client())
    st.session_state[RECOVERY_CODES_KEY] = done.recovery_codes
    _signed_in(done.result)


def verify_second_factor(step: SecondStep, code: str) -> None:
    with session_scope() as db:
        result = two_factor.verify(db, step.pending, code, **_client())
    _signed_in(result)


def _client() -> dict[str, str]:
    return {"user_agent": st.context.headers.get("User-Agent", ""), "client": client_address()}


def _signed_in(result: auth.SignInResult) -> None:
    st.session_state.pop(SECOND_STEP_KEY, None)
    st.session_state[SESSION_ID_KEY] = result.session_id
    st.session_state[GRANT_KEY] = (result.grant, time.monotonic())
    st.session_state.pop(NOTICE_KEY, None)


def client_address() -> str:
    """The browser's network address as the server sees it ("local" on this machine): the
    sign-in lockout is kept per address and client. Behind a reverse proxy, uvicorn takes
    it from X-Forwarded-For sent by a proxy it trusts (by default one on 127.0.0.1)."""
    return st.context.ip_address or "local"


def sign_out() -> None:
    """Button callback: end the session in the database, then forget it here and in the cookie."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if session_id is not None:
        with session_scope() as db:
            auth.sign_out(db, session_id)
    forget_session(notice="You are signed out.")
    st.session_state[CLEAR_COOKIE_KEY] = True


def forget_session(*, notice: str = "") -> None:
    for key in (SESSION_ID_KEY, GRANT_KEY, ACTOR_KEY, SECOND_STEP_KEY, RECOVERY_CODES_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def render_cookie_bridge() -> None:
    """Set or clear the sign-in cookie from the browser (scripts cannot set cookies)."""
    pending = st.session_state.get(GRANT_KEY)
    if pending is not None:
        grant, issued = pending
        if time.monotonic() - issued < auth.GRANT_LIFETIME.total_seconds():
            st.iframe(_grant_bridge(grant), height=1)
        else:
            st.session_state.pop(GRANT_KEY, None)
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        st.iframe(f"<script>{SIGN_OUT_SCRIPT}</script>", height=1)
