"""A page run that meets a busy or unreachable database shows a short notice instead of
Streamlit's error screen; the details go to the server log.

Services turn a write lock not granted in time into `Busy` (services/kernel/transactions.py), but a
raw driver error can still come from a read, from a service that begins its write itself, or
from a database that went away; the router runs every page inside `database_trouble_shown`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from data.db_errors import is_busy, is_unavailable
from services.kernel.errors import BUSY, Busy

log = logging.getLogger(__name__)

UNREACHABLE = "Cartwheel cannot reach its database right now. Please try again in a moment."


@contextmanager
def database_trouble_shown() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        notice = trouble_notice(error)
        if notice is None:
            raise
        show_trouble(notice)


def trouble_notice(error: Exception) -> str | None:
    """The short notice for a busy or unreachable database (the details logged), or None for
    any other error. Call it while handling `error`."""
    if isinstance(error, Busy):
        return error.message
    if not is_unavailable(error):
        return None
    log.exception("database error during a page run")
    return BUSY if is_busy(error) else UNREACHABLE


def show_trouble(notice: str) -> None:
    st.warning(notice, icon=":material/hourglass_top:")
