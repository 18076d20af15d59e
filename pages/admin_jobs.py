"""Scheduled jobs (admin): each job's cadence, last run and next due time, a Run now button,
and a job's recent runs a page at a time."""

import streamlit as st

from components.actions import flash, render_flash, run_action
from components.auth import current_actor
from components.job_runs import render_job, render_run
from services.operations.job_history import job_overview, recent_runs
from services.operations.job_runner import run_job_now

actor = current_actor()
st.title("Scheduled jobs")
st.caption(
    "The work Cartwheel does on its own: each job runs once per period across every app "
    "server, and each run is recorded here."
)
render_flash()
overview = run_action(lambda db: job_overview(db, actor))
if overview is None:
    st.stop()
for job in overview.jobs:
    if render_job(job, overview.time_zone, key="jobs.run"):
        with st.spinner(f"Running {job.title}…"):
            outcome = run_action(lambda db, name=job.name: run_job_now(db, actor, name))
        if outcome is not None and outcome.status == "failed":
            st.error(f"{job.title} failed: {outcome.error}")
        elif outcome is not None:
            flash(f"{job.title} ran.")
            st.rerun()

st.header("Recent runs")
titles = {job.name: job.title for job in overview.jobs}
chosen = st.selectbox("Job", list(titles), key="jobs.history", format_func=titles.get)
number = st.number_input("Page", min_value=1, max_value=100_000, step=1, key="jobs.page")
page = run_action(lambda db: recent_runs(db, actor, chosen, int(number)))
if page is not None and not page.items:
    st.info("No runs yet.")
elif page is not None:
    for run in page.items:
        render_run(run, overview.time_zone)
    st.caption(f"Page {page.page} of {page.pages} · {page.total} runs in all")
