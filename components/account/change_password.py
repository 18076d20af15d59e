"""Change Password: the current password and the new one twice; every other session of the
account ends. The current password is itself the proof, so no extra password box."""

from __future__ import annotations

import streamlit as st

from components.account.password_fields import new_password_fields
from components.actions import flash
from data.db import session_scope
from services.accounts.auth import change_password
from services.accounts.passwords import MAX_PASSWORD_LENGTH
from services.kernel.access import Actor
from services.kernel.errors import DomainError

KEY = "account.password"
FIELDS = (f"{KEY}.current", f"{KEY}.new", f"{KEY}.confirm")
DONE = "Your password is changed. You were signed out on your other devices."


def render_change_password(actor: Actor) -> None:
    with st.form(f"{KEY}.form"):
        current = st.text_input(
            "Current password",
            type="password",
            key=f"{KEY}.current",
            max_chars=MAX_PASSWORD_LENGTH,
            autocomplete="current-password",
        )
        new, confirm = new_password_fields(KEY)
        st.caption("Changing your password signs you out on your other devices.")
        submitted = st.form_submit_button(
            "Change Password", type="primary", key=f"{KEY}.submit", width="stretch"
        )
    if not submitted:
        return
    try:
        with session_scope() as db:
            change_password(db, actor, current or "", new, confirm)
    except DomainError as refused:
        st.error(refused.message)
        return
    for field in FIELDS:  # nothing of the old or new password stays in the form
        st.session_state.pop(field, None)
    flash(DONE)
    st.rerun()
