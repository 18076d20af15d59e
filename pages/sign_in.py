"""Sign in: e-mail and password; a wrong pair or an unknown e-mail get the same answer.
"Forgot your password?" asks for a reset link (the same answer for every address). Staff
(and anyone who set it up) then enter a code from their authenticator app, or set one up.
Before the first-run setup (no administrator yet) it says only that the portal is not set up:
the owner uses the setup link the server printed."""

import streamlit as st

from components.account.forgot_password import render_forgot_password
from components.auth import NOTICE_KEY, second_step, sign_in
from components.two_factor import render_second_step
from data.db import session_scope
from services.accounts.setup_link import NOT_SET_UP, portal_needs_setup
from services.kernel.errors import AuthenticationError
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

with st.form("sign_in_form"):
    email = st.text_input("E-mail", autocomplete="email", max_chars=254)
    password = st.text_input(
        "Password", type="password", autocomplete="current-password", max_chars=128
    )
    submitted = st.form_submit_button("Sign in", type="primary", width="stretch")

if submitted:
    try:
        sign_in(email, password)
    except AuthenticationError as refused:
        st.error(refused.message)
    else:
        st.rerun()

render_forgot_password()
if not settings.require_two_factor_for_staff:
    st.caption(
        "Two-factor sign-in for staff is off on this portal (as in the demo gym): staff and "
        "admins sign in with their password alone."
    )
