"""Money (administrators): aged receivables, the families owing in a bucket, charges,
payments and credits by month, at the location chosen at the top of the page (or all); then
the last money runs and the failed automatic payments (the whole business)."""

import streamlit as st

from components.auth import current_actor
from components.location_picker import selected_location_id
from components.money_view import (
    render_failed_payments,
    render_money_by_month,
    render_money_runs,
    render_owing_families,
    render_receivables,
)

actor = current_actor()
st.title("Money")
location_id = selected_location_id()
render_receivables(actor, location_id)
render_owing_families(actor, location_id)
render_money_by_month(actor, location_id)
render_money_runs(actor)
render_failed_payments(actor)
