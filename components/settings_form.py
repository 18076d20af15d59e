"""The portal settings form: one widget per setting, grouped in the business's words."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import streamlit as st

from services.kernel.settings import SETTING_CHOICES, PortalSettings, setting_info

GROUP_ORDER = (
    "Class registration",
    "Makeups",
    "Absences",
    "QR codes",
    "Punch passes",
    "Financial",
    "Business",
)


def grouped_names() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {group: [] for group in GROUP_ORDER}
    for field in fields(PortalSettings):
        groups.setdefault(setting_info(field.name).group, []).append(field.name)
    return {group: names for group, names in groups.items() if names}


def render_setting(name: str, value: Any) -> Any:
    """The widget for one setting; returns what the admin entered."""
    info = setting_info(name)
    key = f"settings.{name}"
    if isinstance(value, bool):
        return st.toggle(info.label, value=value, help=info.help, key=key)
    if isinstance(value, int):
        return int(
            st.number_input(info.label, value=value, min_value=0, step=1, help=info.help, key=key)
        )
    choices = SETTING_CHOICES.get(name)
    if choices is not None:
        index = choices.index(value) if value in choices else 0
        return st.selectbox(info.label, choices, index=index, help=info.help, key=key)
    return st.text_input(info.label, value=value, help=info.help, max_chars=500, key=key)


def render_settings_form(current: PortalSettings) -> dict[str, Any] | None:
    """The changed values when the admin saves, else None."""
    with st.form("portal_settings"):
        entered: dict[str, Any] = {}
        for group, names in grouped_names().items():
            st.header(group)
            for name in names:
                entered[name] = render_setting(name, getattr(current, name))
        saved = st.form_submit_button("Save settings", type="primary")
    if not saved:
        return None
    return {name: value for name, value in entered.items() if value != getattr(current, name)}
