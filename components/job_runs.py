"""The Scheduled jobs page's pieces: a job's summary with its Run now button, and one run as
two short lines (no wide table: the page works on a phone)."""

from __future__ import annotations

import streamlit as st

from components.formatting import escape_markdown, format_moment
from services.operations.job_history import JobView, RunView

STATUS_WORDS = {"running": "Running", "succeeded": "Succeeded", "failed": "Failed"}


def render_job(job: JobView, time_zone: str, *, key: str) -> bool:
    """The job's cadence, last run and next due time; True when Run now was pressed."""
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(job.title)}**")
        if job.not_ready:
            when = f"Not run here: {job.not_ready}"
        elif job.due_now:
            when = "Due now"
        else:
            assert job.next_due is not None  # set whenever the job can run here
            when = f"Next due {format_moment(job.next_due, time_zone)}"
        st.caption(f"{job.cadence} · {escape_markdown(when)}")
        if job.last_run is None:
            st.caption("Not run yet.")
        else:
            render_run(job.last_run, time_zone, label="Last run")
        return st.button(
            "Run now", key=f"{key}.{job.name}", disabled=job.not_ready is not None, type="secondary"
        )


def render_run(run: RunView, time_zone: str, *, label: str = "") -> None:
    started = format_moment(run.started_at, time_zone)
    finished = f", finished {format_moment(run.finished_at, time_zone)}" if run.finished_at else ""
    lead = f"{label}: " if label else ""
    retried = f" · attempt {run.attempts}" if run.attempts > 1 else ""
    st.markdown(
        f"{lead}**{STATUS_WORDS.get(run.status, run.status)}** · started {started}{finished} "
        f"· {escape_markdown(run.triggered_by)}{retried}"
    )
    if run.counts:
        st.caption(" · ".join(f"{escape_markdown(k)}: {v}" for k, v in run.counts.items()))
    if run.error:
        st.caption(f"Error: {escape_markdown(run.error)}")
