"""Request queue: parents' pending drops, transfers, makeups and absences to approve or deny."""

import streamlit as st

from components.actions import render_flash
from components.auth import current_actor
from components.location_picker import selected_location_id
from components.request_queue import render_pending_request
from data.db import session_scope
from services.desk.request_decisions import pending_requests

actor = current_actor()
st.title("Requests")
render_flash()
with session_scope() as db:
    waiting = pending_requests(db, actor, location_id=selected_location_id())
if not waiting:
    st.info("No requests are waiting. New ones from parents appear here.")
st.caption(
    f"{len(waiting)} waiting, oldest first. Approving applies the change at once with "
    "the same rules as a parent's own action (seats, tokens)."
)
for request in waiting:
    render_pending_request(actor, request)
