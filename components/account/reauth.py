"""Sensitive changes (the sign-in e-mail, inviting a guardian, allowing payments) ask for the
password again when it was entered more than services.accounts.reauth.RECENT_SIGN_IN ago.

The refused form stays as typed; an "Enter your password again" box opens under it (one box
on the page, at the form that asked); once the password is confirmed the user presses the
form's button again. The password box clears itself on every submit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from data.db import session_scope
from services.accounts.passwords import MAX_PASSWORD_LENGTH
from services.accounts.reauth import RECENT_SIGN_IN, reauthenticate
from services.kernel.access import Actor
from services.kernel.errors import DomainError, ReauthenticationRequired

T = TypeVar("T")
REAUTH_KEY = "account.reauth"  # the place (form) whose change waits for the password
CONFIRMED_KEY = "account.reauth_confirmed"
MINUTES = int(RECENT_SIGN_IN.total_seconds() // 60)


def needs_password(place: str, call: Callable[[Any], T]) -> Callable[[Any], T]:
    """`call`, which opens the password box at `place` when the change needs a recent
    sign-in (the refusal itself still reaches the caller, e.g. run_then_rerun)."""

    def guarded(db: Any) -> T:
        try:
            return call(db)
        except ReauthenticationRequired:
            st.session_state[REAUTH_KEY] = place
            raise

    return guarded


def ask_for_password(place: str) -> None:
    """Open the password box at `place` (for callbacks that catch the refusal themselves)."""
    st.session_state[REAUTH_KEY] = place


def forget_reauth() -> None:
    st.session_state.pop(REAUTH_KEY, None)
    st.session_state.pop(CONFIRMED_KEY, None)


def render_reauth_box(actor: Actor, place: str) -> None:
    """The password box, when the change at `place` asked for it; then a note to retry."""
    if st.session_state.get(CONFIRMED_KEY) == place:
        st.session_state.pop(CONFIRMED_KEY)
        st.info("Password confirmed. Now make the change again.", icon=":material/lock_open:")
    if st.session_state.get(REAUTH_KEY) != place:
        return
    with st.container(border=True):
        st.markdown(":material/lock: **Enter your password again**")
        st.caption(
            f"This change needs your password when you signed in more than {MINUTES} "
            "minutes ago. What you typed above is kept."
        )
        with st.form(f"account.reauth.{place}", clear_on_submit=True, border=False):
            password = st.text_input(
                "Your password",
                type="password",
                key=f"account.reauth_password.{place}",
                max_chars=MAX_PASSWORD_LENGTH,
                autocomplete="current-password",
            )
            confirmed = st.form_submit_button(
                "Confirm password", type="primary", key=f"account.reauth_submit.{place}"
            )
        if confirmed:
            _confirm(actor, place, password or "")
        st.button("Cancel", key=f"account.reauth_cancel.{place}", on_click=forget_reauth)


def _confirm(actor: Actor, place: str, password: str) -> None:
    try:
        with session_scope() as db:
            reauthenticate(db, actor, password)
    except DomainError as refused:
        st.error(refused.message)
        return
    st.session_state.pop(REAUTH_KEY, None)
    st.session_state[CONFIRMED_KEY] = place
    st.rerun()
