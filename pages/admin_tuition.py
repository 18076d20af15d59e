"""Tuition (admin): choose the month, page through the families the run would still charge
(at the location chosen at the top of the page, or found by name) with their lines, ask for
the month's totals, then post after a confirmation, with a progress bar. Posting is safe to
repeat: each class place's month is charged once."""

import streamlit as st

from components.actions import render_flash, run_action
from components.auth import current_actor
from components.location_picker import selected_location_id
from components.tuition_run import render_families, render_posting
from components.tuition_totals import render_totals
from services.billing.tuition_listing import tuition_listing
from services.billing.tuition_preview import tuition_months

actor = current_actor()
st.title("Tuition")
st.caption(
    "Each regular class place is charged the class's monthly tuition once a month, prorated "
    "by meetings for a first or last partial month, less the discounts in Portal settings. "
    "Posting again only adds places that are new since; nothing is charged twice."
)
render_flash()
months = run_action(lambda db: tuition_months(db, actor))
if not months:
    st.stop()
month = st.selectbox(
    "Month", months, index=1, format_func=lambda m: f"{m:%B %Y}", key="tuition.month"
)
location_id = selected_location_id()
render_totals(actor, month, location_id)
search = st.text_input("Search families", key="tuition.search", max_chars=100)
page = int(st.number_input("Page", min_value=1, value=1, step=1, key="tuition.page"))
listing = run_action(
    lambda db: tuition_listing(db, actor, month, page, location_id=location_id, search=search)
)
if listing is None:
    st.stop()
render_families(listing)
if listing.waiting:
    render_posting(actor, month, listing.waiting)
