"""Choose a new password (signed out, from the e-mailed reset link); every session of the
account ends."""

import streamlit as st

from components.account.forgot_password import FORGOT_KEY
from components.account.password_fields import new_password_fields
from components.link_tokens import finish_link, pending_token
from data.db import session_scope
from services.errors import ValidationError
from services.password_reset import LINK_PARAMETER, RESET_INVALID, reset_password, reset_token_valid

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

with st.form("reset.form"):
    password, confirm = new_password_fields("reset.password")
    submitted = st.form_submit_button(
        "Change my password", type="primary", width="stretch", key="reset.submit"
    )
if submitted:
    try:
        with session_scope() as db:
            reset_password(db, token, password, confirm)
    except ValidationError as refused:
        st.error(refused.message)
    else:
        finish_link(DONE)
        st.rerun()
st.button("Keep my current password", key="reset.keep", on_click=finish_link)
