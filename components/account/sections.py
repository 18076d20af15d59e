"""The Account page's tabs; the chosen tab survives reruns and only its section runs."""

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
    tabs = st.tabs([title for title, _ in SECTIONS], key=TAB_KEY, on_change="rerun")
    for tab, (_, render) in zip(tabs, SECTIONS, strict=True):
        if tab.open:
            with tab:
                render(actor)
