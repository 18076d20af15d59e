"""Account activity: who changed what on the family's account, and the history of e-mail and
text-message consent, in the family's local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.formatting import format_moment
from services.families.account_activity import ActivityItem, account_activity
from services.families.contact_consent import ConsentChange, consent_history
from services.families.contact_validation import national_format
from services.kernel.access import Actor
from services.kernel.reach import family_timezone
from services.kernel.settings import get_settings


def render_activity(actor: Actor) -> None:
    loaded = run_action(
        lambda db: (
            account_activity(db, actor),
            consent_history(db, actor),
            family_timezone(db, actor.family_id),
            get_settings(db).default_phone_region,
        )
    )
    if loaded is None:
        return
    items, consent, timezone, region = loaded
    zone = ZoneInfo(timezone)
    st.caption("Changes to your family's account, newest first (the last 100).")
    if items:
        st.dataframe(_activity_table(items, zone), hide_index=True, width="stretch")
    else:
        st.info("No changes yet.")
    st.header("E-mail and text message consent")
    st.caption("Each time an address or number was subscribed or unsubscribed, and by whom.")
    if consent:
        table = _consent_table(consent, zone, region)
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.caption("No changes to consent yet.")


def _when(at: datetime, zone: ZoneInfo) -> str:
    return format_moment(at, str(zone))


def _activity_table(items: list[ActivityItem], zone: ZoneInfo) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "When": [_when(i.at, zone) for i in items],
            "Who": [i.who for i in items],
            "What": [i.what for i in items],
        }
    )


def _consent_table(changes: list[ConsentChange], zone: ZoneInfo, region: str) -> pd.DataFrame:
    def change(c: ConsentChange) -> str:
        if c.channel == "email":
            return "Subscribed to e-mail news" if c.opted_in else "Unsubscribed from e-mail news"
        return "Allowed text messages" if c.opted_in else "Stopped text messages"

    return pd.DataFrame(
        {
            "When": [_when(c.at, zone) for c in changes],
            "Who": [c.who for c in changes],
            "Address or number": [
                national_format(c.value, region) if c.value.startswith("+") else c.value
                for c in changes
            ],
            "Change": [change(c) for c in changes],
        }
    )
