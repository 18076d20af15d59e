"""A "Reset" button that asks first: resetting a check-in code or a calendar link cannot be
undone (printed badges and calendar subscriptions stop working), so the first tap only says
what will be lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_then_rerun


def render_reset_button(
    *, key: str, label: str, warning: str, call: Callable[[Any], object], done: str
) -> None:
    """`label` opens the question; "Yes, reset" runs `call(db)` and flashes `done`."""
    if not panel(key):
        if st.button(label, key=f"{key}.open"):
            open_panel(key, True)
            st.rerun()
        return
    st.warning(warning)
    yes, keep = st.columns(2)
    if yes.button("Yes, reset", key=f"{key}.yes", type="primary"):
        run_then_rerun(call, done, close=key)
    if keep.button("Keep the current one", key=f"{key}.keep"):
        close_panel(key)
        st.rerun()
