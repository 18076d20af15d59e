"""Two-factor sign-in on the Account page: set up an authenticator app (after the password
again when the sign-in is not recent), or turn it off with a code."""

from __future__ import annotations

import streamlit as st

from components.account.reauth import needs_password, render_reauth_box
from components.actions import close_panel, open_panel, panel, run_action, run_then_rerun
from components.auth import RECOVERY_CODES_KEY
from components.two_factor import AUTHENTICATOR_QR_ALT
from services.accounts.two_factor_opt_in import (
    confirm_two_factor,
    start_two_factor,
    turn_off_two_factor,
)
from services.accounts.two_factor_opt_in import two_factor_on as is_on
from services.kernel.access import Actor

KEY = "account.two_factor"
PLACE = "two_factor"


def render_two_factor(actor: Actor) -> None:
    on = run_action(lambda db: is_on(db, actor))
    if on:
        _render_turn_off(actor)
        return
    st.markdown(
        "Two-factor sign-in asks for a code from an authenticator app on your phone after "
        "your password, so a stolen password alone does not open your account."
    )
    if panel(KEY) is None:
        started = st.button("Set up two-factor sign-in", key=f"{KEY}.start", type="primary")
        if started and run_action(needs_password(PLACE, lambda db: start_two_factor(db, actor))):
            open_panel(KEY, True)
            st.rerun()
        render_reauth_box(actor, PLACE)
        return
    enrolment = run_action(lambda db: start_two_factor(db, actor))
    if enrolment is None:
        close_panel(KEY)
        return
    st.image(enrolment.qr_png(), width=220, alt=AUTHENTICATOR_QR_ALT)
    st.code(enrolment.secret, language=None)
    with st.form(f"{KEY}.confirm_form"):
        code = st.text_input("The 6-digit code the app shows now", max_chars=10, key=f"{KEY}.code")
        submitted = st.form_submit_button("Turn on", type="primary")
    if submitted:
        codes = run_action(lambda db: confirm_two_factor(db, actor, code))
        if codes:
            close_panel(KEY)
            st.session_state[RECOVERY_CODES_KEY] = codes
            st.rerun()


def _render_turn_off(actor: Actor) -> None:
    st.success("Two-factor sign-in is on for your account.", icon=":material/verified_user:")
    with st.form(f"{KEY}.off_form"):
        code = st.text_input(
            "To turn it off, enter a code from your app or a recovery code",
            max_chars=40,
            key=f"{KEY}.off_code",
        )
        submitted = st.form_submit_button("Turn off")
    if submitted:
        run_then_rerun(
            lambda db: turn_off_two_factor(db, actor, code), "Two-factor sign-in is off."
        )
