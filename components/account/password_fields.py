"""The password rules as parents read them, and the "new password twice" fields shared by
Change Password, the invitation page and the password reset page."""

from __future__ import annotations

import streamlit as st

from services.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

PASSWORD_RULES = (
    f"Use at least {MIN_PASSWORD_LENGTH} characters; up to {MAX_PASSWORD_LENGTH} are "
    "allowed, so a long passphrase works well. Very common passwords and your e-mail address "
    "are refused."
)


def new_password_fields(key: str) -> tuple[str, str]:
    """Two password inputs (inside the caller's form); returns what was typed in each."""
    st.caption(PASSWORD_RULES)
    password = st.text_input(
        "New password",
        type="password",
        key=f"{key}.new",
        max_chars=MAX_PASSWORD_LENGTH,
        autocomplete="new-password",
    )
    confirm = st.text_input(
        "New password again",
        type="password",
        key=f"{key}.confirm",
        max_chars=MAX_PASSWORD_LENGTH,
        autocomplete="new-password",
    )
    return password or "", confirm or ""
