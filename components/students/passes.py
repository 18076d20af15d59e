"""Punch passes: punches used and remaining, dates, amount paid; redeem when allowed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.formatting import format_date
from data.db import session_scope
from services.access import Actor
from services.money import format_cents
from services.passes import PassView, family_passes
from services.students import StudentCard

STATUS_LABELS = {
    "active": "Active",
    "used_up": "Used up",
    "expired": "Expired",
    "inactive": "Inactive",
}


def passes_frame(passes: list[PassView]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Pass": [p.name for p in passes],
            "Location": [p.location_name for p in passes],
            "Used": [p.punches_used for p in passes],
            "Remaining": [p.punches_remaining for p in passes],
            "Purchased": [format_date(p.purchased_on) for p in passes],
            "Expires": [format_date(p.expires_on) if p.expires_on else "—" for p in passes],
            "Paid": [format_cents(p.amount_paid_cents) for p in passes],
            "Status": [STATUS_LABELS.get(p.status, p.status) for p in passes],
        }
    )


def render_passes(actor: Actor, student: StudentCard) -> None:
    with session_scope() as db:
        passes = family_passes(db, actor, student.id)
    if not passes:
        st.info(f"{student.first_name} has no punch passes.")
        return
    st.dataframe(passes_frame(passes), hide_index=True, width="stretch")
