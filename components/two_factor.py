"""The second step of signing in (a code from an authenticator app, or a recovery code), the
authenticator's set-up at the first sign-in that needs one, and the recovery codes shown once
after it."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.auth import (
    RECOVERY_CODES_KEY,
    begin_enrolment,
    cancel_second_step,
    confirm_enrolment,
    verify_second_factor,
)
from services.accounts.second_factor import SecondStep
from services.kernel.errors import AuthenticationError

# The key itself is written out under the image for anyone who cannot scan it.
AUTHENTICATOR_QR_ALT = "QR code to scan with your authenticator app (the same key is shown below)"


def render_second_step(step: SecondStep) -> None:
    if step.enrol:
        _render_enrolment(step)
    else:
        _render_code_form(step)
    st.button("Start over", key="two_factor.cancel", on_click=cancel_second_step)


def _render_code_form(step: SecondStep) -> None:
    st.header("Enter your sign-in code")
    with st.form("two_factor.verify_form"):
        code = st.text_input(
            "Code from your authenticator app, or a recovery code",
            autocomplete="one-time-code",
            max_chars=40,
            key="two_factor.code",
        )
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if submitted:
        _submit(lambda: verify_second_factor(step, code))


def _render_enrolment(step: SecondStep) -> None:
    st.header("Set up two-factor sign-in")
    try:
        enrolment = begin_enrolment(step)
    except AuthenticationError as refused:
        st.error(refused.message)
        return
    st.markdown(
        "Staff accounts confirm each sign-in with a code from an authenticator app "
        "(Google Authenticator, Microsoft Authenticator, 1Password, …). Scan this code "
        "with the app, or type the key below into it."
    )
    st.image(enrolment.qr_png(), width=220, alt=AUTHENTICATOR_QR_ALT)
    st.code(enrolment.secret, language=None)
    with st.form("two_factor.enrol_form"):
        code = st.text_input(
            "The 6-digit code the app shows now",
            autocomplete="one-time-code",
            max_chars=10,
            key="two_factor.enrol_code",
        )
        submitted = st.form_submit_button("Confirm and sign in", type="primary", width="stretch")
    if submitted:
        _submit(lambda: confirm_enrolment(step, code))


def _submit(action: Callable[[], object]) -> None:
    try:
        action()
    except AuthenticationError as refused:
        st.error(refused.message)
    else:
        st.rerun()


def render_recovery_codes_once() -> None:
    """After enrolling: the recovery codes, until the person says they saved them."""
    codes = st.session_state.get(RECOVERY_CODES_KEY)
    if not codes:
        return
    with st.container(border=True):
        st.warning(
            "Save these recovery codes somewhere safe. Each one signs you in once if you "
            "lose your phone. They are shown only now.",
            icon=":material/key:",
        )
        st.code("\n".join(codes), language=None)
        if st.button("I have saved them", key="two_factor.codes_saved", type="primary"):
            st.session_state.pop(RECOVERY_CODES_KEY, None)
            st.rerun()
