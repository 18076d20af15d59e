"""Money on screen: metrics built from integer cents through services.kernel.money."""

from __future__ import annotations

import streamlit as st

from services.kernel.money import format_cents


def render_money_metric(label: str, cents: int, *, help: str | None = None) -> None:
    st.metric(label, format_cents(cents), help=help)
