"""Request queue: parents' pending drops, transfers, makeups and absences to approve or deny,
oldest first, a page at a time."""

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
number = st.number_input("Page", min_value=1, max_value=10_000, step=1, key="queue.page")
with session_scope() as db:
    waiting = pending_requests(db, actor, location_id=selected_location_id(), page=int(number))
if not waiting.items:
    st.info("No requests are waiting. New ones from parents appear here.")
else:
    st.caption(
        f"{waiting.total:,} waiting, oldest first · page {waiting.page} of {waiting.pages}. "
        "Approving applies the change at once with the same rules as a parent's own action "
        "(seats, tokens)."
    )
for request in waiting.items:
    render_pending_request(actor, request)
