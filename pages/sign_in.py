"""Sign in: e-mail and password; a wrong pair or an unknown e-mail get the same answer.
"Forgot your password?" asks for a reset link (the same answer for every address). Staff
(and anyone who set it up) then enter a code from their authenticator app, or set one up.
Before the first-run setup (no administrator yet) it says only that the portal is not set up:
the owner uses the setup link the server printed."""

import streamlit as st

from components.account.forgot_password import render_forgot_password
from components.auth import NOTICE_KEY, second_step, sign_in
from components.database_trouble import show_trouble, trouble_notice
from components.two_factor import render_second_step
from data.db import session_scope
from services.accounts.setup_link import NOT_SET_UP, portal_needs_setup
from services.kernel.errors import DomainError
from services.kernel.settings import get_settings

with session_scope() as db:
    needs_setup = portal_needs_setup(db)
    settings = get_settings(db)

business = settings.business_name

if needs_setup:
    st.info(NOT_SET_UP, icon=":material/construction:")
    st.stop()

st.title(business)
st.header("Sign in to your account")
if notice := st.session_state.pop(NOTICE_KEY, None):
    st.info(notice)

if (step := second_step()) is not None:
    render_second_step(step)
    st.stop()

EMAIL_KEY, PASSWORD_KEY, REFUSED_KEY = "sign_in.email", "sign_in.password", "sign_in.refused"


def _submitted() -> None:
    """The form's callback: runs before the script, so a right password shows the first page
    in the same run (one run per click, not a second one after st.rerun)."""
    try:
        sign_in(st.session_state.get(EMAIL_KEY, ""), st.session_state.get(PASSWORD_KEY, ""))
    except Exception as error:  # a busy database is shown as on any page run
        if (notice := trouble_notice(error)) is not None:
            st.session_state[REFUSED_KEY] = ("busy", notice)
        elif isinstance(error, DomainError):  # a wrong pair or a lockout
            st.session_state[REFUSED_KEY] = ("refused", error.message)
        else:
            raise


with st.form("sign_in_form"):
    st.text_input("E-mail", autocomplete="email", max_chars=254, key=EMAIL_KEY)
    st.text_input(
        "Password",
        type="password",
        autocomplete="current-password",
        max_chars=128,
        key=PASSWORD_KEY,
    )
    st.form_submit_button("Sign in", type="primary", width="stretch", on_click=_submitted)

if answer := st.session_state.pop(REFUSED_KEY, None):
    kind, message = answer
    if kind == "busy":
        show_trouble(message)
    else:
        st.error(message)

render_forgot_password()
if not settings.require_two_factor_for_staff:
    st.caption(
        "Two-factor sign-in for staff is off on this portal (as in the demo gym): staff and "
        "admins sign in with their password alone."
    )
