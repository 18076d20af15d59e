""" "Forgot your password?" on the sign-in page: asks for a reset link. The answer is the same
whether or not the address has an account, so the form cannot be used to find out who has
one."""

from __future__ import annotations

import streamlit as st

from data.config import public_base_url
from data.db import session_scope
from services.accounts.password_reset import request_password_reset
from services.kernel.errors import DomainError

FORGOT_KEY = "sign_in.forgot"  # whether the expander is open
SENT = (
    "If an account signs in with that address, we have e-mailed it a link to choose a new "
    "password. The link works once, for 60 minutes. No e-mail? Check your spam folder, or "
    "ask the front desk."
)


def render_forgot_password() -> None:
    box = st.expander("Forgot your password?", key=FORGOT_KEY, on_change="rerun")
    if not box.open:
        return
    with box:
        with st.form("sign_in.forgot_form", border=False):
            email = st.text_input(
                "Your sign-in e-mail",
                key="sign_in.forgot_email",
                type="email",
                autocomplete="email",
                max_chars=254,
            )
            asked = st.form_submit_button("E-mail me a reset link", key="sign_in.forgot_submit")
        if not asked:
            return
        if not (email or "").strip():
            st.error("Enter the e-mail address you sign in with.")
            return
        try:
            with session_scope() as db:
                request_password_reset(db, email, base_url=public_base_url())
        except DomainError as refused:  # the portal's address is misconfigured
            st.error(refused.message)
            return
        st.success(SENT)
