"""Values read at most once per script run: the router starts each run with an empty memo
(`start_run`), and a helper that many widgets call (the portal's currency for every amount on a
page) asks `once_per_run` instead of the database each time. Outside the router (a component
run on its own in a test) nothing is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

_MEMO_KEY = "run.memo"
T = TypeVar("T")


def start_run() -> None:
    st.session_state[_MEMO_KEY] = {}


def once_per_run(name: str, compute: Callable[[], T]) -> T:
    memo = st.session_state.get(_MEMO_KEY)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]
