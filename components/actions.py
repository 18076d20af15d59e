"""Run a service call from a button and show its outcome, keeping the user's input.

Each page section stores at most one "open panel" (e.g. the drop form of one enrollment) in
session state under its own key, so the forms work without dialogs (AppTest cannot click
inside a dialog) and survive reruns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from data.db import session_scope
from services.kernel.errors import DomainError

T = TypeVar("T")
FLASH_KEY = "flash"


def _attempt(call: Callable[[Any], T]) -> tuple[bool, T | None]:
    try:
        with session_scope() as db:
            return True, call(db)
    except DomainError as refused:
        st.error(refused.message)
        return False, None


def run_action(call: Callable[[Any], T]) -> T | None:
    """Call `call(db)` in a fresh session; a refusal is shown with st.error and gives None."""
    return _attempt(call)[1]


def run_then_rerun(
    call: Callable[[Any], T], message: str | Callable[[T], str], *, close: str | None = None
) -> None:
    """A button's action: on success close the panel, flash `message` and rerun; on refusal
    the error shows and the user's input stays."""
    ok, result = _attempt(call)
    if not ok:
        return
    if close:
        close_panel(close)
    flash(message(result) if callable(message) else message)  # type: ignore[arg-type]
    st.rerun()


def flash(message: str) -> None:
    """Show `message` as a success notice on the next run (after st.rerun)."""
    st.session_state[FLASH_KEY] = message


def render_flash() -> None:
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message)


def open_panel(key: str, value: object) -> None:
    st.session_state[key] = value


def close_panel(key: str) -> None:
    st.session_state.pop(key, None)


def panel(key: str) -> Any:
    return st.session_state.get(key)
