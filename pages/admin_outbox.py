"""Outbox (admin): every message Cartwheel queued or sent, with its state and errors.

Reset and invitation e-mails show "[link created when sent]" where their link goes: the link
is made when the e-mail is sent and kept nowhere. Without SMTP, "Create a fresh link" makes
one (audited) and shows it here once, to hand to the person."""

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.auth import current_actor
from data.config import public_base_url
from services.kernel.outbox import LINK_KINDS, list_outbox
from services.messages.link_mail import create_fresh_link

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
message = next(m for m in messages if m.id == chosen)
st.text(message.body_text)
if message.kind in LINK_KINDS and message.status != "sent":
    st.caption(
        "No mail server sends this e-mail? Create a fresh link and give it to the person "
        "yourself (by phone or in person). Earlier links of theirs stop working, this e-mail "
        "will not be sent, and the link is shown only now."
    )
    if st.button("Create a fresh link", key="outbox.fresh_link"):
        link = run_action(
            lambda db: create_fresh_link(db, actor, chosen, base_url=public_base_url())
        )
        if link is not None:
            st.success(f"A fresh link for {message.to_address}, shown only this once:")
            st.code(link, language=None)
