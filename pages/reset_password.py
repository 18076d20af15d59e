"""Choose a new password (signed out, from the e-mailed reset link); every session of the
account ends."""

import streamlit as st

from components.account.forgot_password import FORGOT_KEY
from components.link_tokens import finish_link, pending_token, render_link_password_form
from data.db import session_scope
from services.accounts.password_reset import (
    LINK_PARAMETER,
    RESET_INVALID,
    reset_password,
    reset_token_valid,
)

DONE = "Your password is changed and you are signed out everywhere. Sign in with your new password."


def _ask_again() -> None:
    finish_link()
    st.session_state[FORGOT_KEY] = True  # the sign-in page opens "Forgot your password?"


token = pending_token(LINK_PARAMETER)
with session_scope() as db:
    valid = reset_token_valid(db, token)

st.title("Choose a new password")
if not valid:
    st.error(RESET_INVALID)
    st.button("Ask for a new link", type="primary", key="reset.ask_again", on_click=_ask_again)
    st.button("Go to sign in", key="reset.to_sign_in", on_click=finish_link)
    st.stop()

render_link_password_form(
    LINK_PARAMETER,
    "Change my password",
    lambda db, password, confirm: reset_password(db, token, password, confirm),
    done=DONE,
)
st.button("Keep my current password", key="reset.keep", on_click=finish_link)
