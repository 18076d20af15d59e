"""Links Cartwheel e-mails (an invitation, a password reset) open `/?invitation=<token>` or
`/?reset=<token>`; the first-run setup link the server prints opens `/?setup=<token>`. At the
start of every router run the token moves from the address bar into this browser session,
before the sign-in check, so it does not stay in the browser's history or address bar; the
signed-out navigation then shows that link's page. Only the service
layer ever reads the token's meaning (it stores and compares hashes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.account.password_fields import new_password_fields
from components.auth import NOTICE_KEY
from data.db import session_scope
from services.accounts.invitations import LINK_PARAMETER as INVITATION
from services.accounts.one_time_tokens import MAX_TOKEN_LENGTH
from services.accounts.password_reset import LINK_PARAMETER as RESET
from services.accounts.setup_link import LINK_PARAMETER as SETUP
from services.accounts.staff_invitations import LINK_PARAMETER as STAFF_INVITATION
from services.kernel.errors import DomainError

LINK_KEY = "link.pending"  # (kind, token) of the last link opened in this browser session
KINDS = (INVITATION, RESET, SETUP, STAFF_INVITATION)


def capture_link_tokens() -> None:
    """Move a link's token from the URL into session state; the last link opened wins."""
    for kind in KINDS:
        if kind not in st.query_params:
            continue
        token = st.query_params.get(kind) or ""
        del st.query_params[kind]
        # Anything far longer than our tokens is not one of ours: keep it out of memory, but
        # still answer with the page's "no longer valid" message.
        st.session_state[LINK_KEY] = (kind, token if len(token) <= MAX_TOKEN_LENGTH else "")


def pending_link() -> str | None:
    """The kind of link waiting in this browser session ("invitation", "reset" or "setup"), if
    any."""
    pending = st.session_state.get(LINK_KEY)
    return pending[0] if pending else None


def pending_token(kind: str) -> str:
    """The waiting link's token when it is of `kind`, else ""."""
    pending = st.session_state.get(LINK_KEY)
    return pending[1] if pending and pending[0] == kind else ""


def finish_link(notice: str = "") -> None:
    """Forget the link; the sign-in page shows `notice` next. Usable as a button callback."""
    st.session_state.pop(LINK_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def render_signed_in_notice() -> None:
    """A link opened while someone is signed in waits until they sign out."""
    if pending_link() is None:
        return
    with st.container(border=True):
        st.info(
            "You opened a link to set a password (an invitation or a password reset) while "
            "signed in. Sign out to use it; it opens then.",
            icon=":material/link:",
        )
        st.button("Ignore the link", key="link.ignore", on_click=finish_link)


def render_link_password_form(
    kind: str, button: str, save: Callable[[Any, str, str], object], *, done: str
) -> None:
    """The new password typed twice; `save(db, password, confirm)` spends the link. Success
    ends the link and shows `done` on the sign-in page; a refusal keeps what was typed."""
    with st.form(f"{kind}.form"):
        password, confirm = new_password_fields(f"{kind}.password")
        submitted = st.form_submit_button(
            button, type="primary", width="stretch", key=f"{kind}.submit"
        )
    if not submitted:
        return
    try:
        with session_scope() as db:
            save(db, password, confirm)
    except DomainError as refused:
        st.error(refused.message)
        return
    finish_link(done)
    st.rerun()
