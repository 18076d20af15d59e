"""Outbox (admin): every message Cartwheel queued or sent, with its state and errors."""

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.auth import current_actor
from services.outbox import list_outbox

actor = current_actor()
st.title("Outbox")
st.caption(
    "E-mails and texts Cartwheel sends. Without an SMTP server configured they stay "
    "queued here, where you can read them."
)
status = st.segmented_control(
    "Show", ["queued", "sent", "failed"], key="outbox.status", format_func=str.capitalize
)
messages = run_action(lambda db: list_outbox(db, actor, status=status)) or []
if not messages:
    st.info("No messages yet.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "Created": [m.created_at.strftime("%d %b %Y %H:%M") for m in messages],
            "To": [m.to_address for m in messages],
            "Subject": [m.subject for m in messages],
            "Kind": [m.kind for m in messages],
            "State": [m.status for m in messages],
            "Attempts": [m.attempts for m in messages],
            "Error": [m.last_error for m in messages],
        }
    ),
    hide_index=True,
    width="stretch",
)
chosen = st.selectbox(
    "Read a message",
    [m.id for m in messages],
    key="outbox.read",
    format_func=lambda i: next(f"{m.to_address} · {m.subject}" for m in messages if m.id == i),
)
st.text(next(m.body_text for m in messages if m.id == chosen))
