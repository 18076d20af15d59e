"""The desk's two consent boxes (e-mail news, text messages). They start unticked: consent is
the parent's to give, so the desk ticks a box only when the parent said yes. Invitations,
receipts and notices about the family's own classes are sent whatever the boxes say."""

from __future__ import annotations

from typing import Any

import streamlit as st

HELP = (
    "Tick only if the parent said yes. Invitations, receipts and notices about their classes "
    "are sent either way."
)


def render_consent_boxes(key: str, email_area: Any = st, sms_area: Any = st) -> tuple[bool, bool]:
    """(agrees to e-mail news, agrees to text messages), both unticked at first."""
    email_ok = email_area.checkbox("Agrees to e-mail news", False, key=f"{key}.eok", help=HELP)
    sms_ok = sms_area.checkbox("Agrees to text messages", False, key=f"{key}.sok", help=HELP)
    return bool(email_ok), bool(sms_ok)
