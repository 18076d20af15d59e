"""The payment gateway for this process, built once from the environment."""

from __future__ import annotations

import os

import streamlit as st

from services.billing.payments import Gateway, gateway_from_env


def current_gateway() -> Gateway:
    keys = tuple(
        os.environ.get(k, "") for k in sorted(os.environ) if k.startswith("CARTWHEEL_STRIPE_")
    )
    return _gateway(keys)


@st.cache_resource(show_spinner=False, max_entries=4)
def _gateway(settings_key: tuple[str, ...]) -> Gateway:
    # `settings_key` only keys the cache (no leading underscore: Streamlit would not hash it).
    del settings_key
    return gateway_from_env()
