"""Download buttons whose file is built only when clicked (st.download_button(data=callable))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from data.db import session_scope

PDF, CSV = "application/pdf", "text/csv"


def render_download(
    label: str, build: Callable[[Any], bytes], *, file_name: str, mime: str, key: str
) -> None:
    """`build(db)` runs in its own session when the button is clicked, never before."""

    def data() -> bytes:
        with session_scope() as db:
            return build(db)

    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )
