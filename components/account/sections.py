"""The Account page's sections as one segmented control, which wraps onto a second row on a
phone (tabs hid "Account activity" behind a scroll arrow); the choice survives reruns and
only the chosen section runs."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.account.activity import render_activity
from components.account.change_password import render_change_password
from components.account.guardians import render_guardians
from components.account.two_factor_section import render_two_factor
from services.kernel.access import Actor

TAB_KEY = "account.tab"
SECTIONS: list[tuple[str, Callable[[Actor], None]]] = [
    ("Guardians", render_guardians),
    ("Change Password", render_change_password),
    ("Two-factor sign-in", render_two_factor),
    ("Account activity", render_activity),
]


def render_account_tabs(actor: Actor) -> None:
    sections = dict(SECTIONS)
    if st.session_state.get(TAB_KEY) not in sections:
        st.session_state[TAB_KEY] = SECTIONS[0][0]
    title = st.segmented_control(
        "Section", list(sections), key=TAB_KEY, required=True, label_visibility="collapsed"
    )
    sections[title](actor)
