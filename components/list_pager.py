"""Previous / Next under a list drawn from rows already in memory (a few hundred at most)."""

from __future__ import annotations

import streamlit as st

PAGE_SIZE = 20


def page_slice(key: str, total: int, noun: str, *, size: int = PAGE_SIZE) -> slice:
    """The rows of the page shown; draws the pager when there is more than one page."""
    pages = max(1, -(-total // size))
    page = min(max(int(st.session_state.get(key, 0)), 0), pages - 1)
    if pages > 1:
        back, where, forward = st.columns([1, 2, 1])
        if back.button("Previous", key=f"{key}.previous", disabled=page == 0):
            st.session_state[key] = page - 1
            st.rerun()
        where.caption(f"Page {page + 1} of {pages} · {total} {noun}")
        if forward.button("Next", key=f"{key}.next", disabled=page + 1 >= pages):
            st.session_state[key] = page + 1
            st.rerun()
    return slice(page * size, (page + 1) * size)
