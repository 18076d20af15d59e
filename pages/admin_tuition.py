"""Tuition (admin): choose the month, see what the run would post (totals and the families'
lines, a page at a time), then post it after a confirmation, with a progress bar. Posting is
safe to repeat: each class place's month is charged once."""

import streamlit as st

from components.actions import (
    close_panel,
    open_panel,
    panel,
    render_flash,
    run_action,
    run_then_rerun,
)
from components.auth import current_actor
from components.tuition_run import progress_bar, render_preview, run_summary
from services.billing.tuition_posting import post_tuition
from services.billing.tuition_preview import preview_tuition, tuition_months

CONFIRM = "tuition.confirm"

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
page = int(st.number_input("Page", min_value=1, value=1, step=1, key="tuition.page")) - 1
preview = run_action(lambda db: preview_tuition(db, actor, month, page))
if preview is None:
    st.stop()
render_preview(preview)
if not preview.lines:
    st.stop()
if panel(CONFIRM) != month:
    if st.button("Post tuition", type="primary", key="tuition.post"):
        open_panel(CONFIRM, month)
        st.rerun()
    st.stop()
st.warning(
    f"Post {preview.lines:,} tuition lines for {preview.families:,} families for "
    f"{month:%B %Y}? Families see the charges on Transactions at once."
)
yes, no = st.columns(2)
if no.button("Cancel", key="tuition.cancel"):
    close_panel(CONFIRM)
    st.rerun()
if yes.button("Yes, post tuition", type="primary", key="tuition.confirm_post"):
    progress = progress_bar("Posting…")
    run_then_rerun(lambda db: post_tuition(db, actor, month, progress), run_summary, close=CONFIRM)
