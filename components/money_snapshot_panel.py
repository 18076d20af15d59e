"""The all-locations side of the Money page: the newest snapshot's "as of" line with
Recompute now, or Compute now when there is none yet (services.billing.money_snapshot).

Computing is the scheduled job itself, run at once (recorded on Scheduled jobs, refused
while it runs elsewhere), so the page and the schedule never compute two snapshots at once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from components.actions import run_action
from components.formatting import format_moment, format_time
from services.billing.money_snapshot import MoneySnapshotView, latest_money_snapshot
from services.kernel import clock
from services.kernel.access import Actor
from services.operations.job_registry import JOBS, find_job
from services.operations.job_runner import run_job_now

SNAPSHOT_JOB = "money_snapshot"


def newest_snapshot(actor: Actor) -> tuple[bool, MoneySnapshotView | None]:
    """(read, the snapshot or None before the first); (False, None) when refused (shown)."""
    found = run_action(lambda db: (latest_money_snapshot(db, actor),))
    return (False, None) if found is None else (True, found[0])


def render_snapshot_note(actor: Actor, view: MoneySnapshotView, *, key: str) -> None:
    """As of when, how often it is updated, and Recompute now."""
    cadence = find_job(SNAPSHOT_JOB, JOBS).cadence.describe(view.time_zone)
    st.caption(
        f"All locations as of {_when(view.taken_at, view.time_zone)} (updated "
        f"{cadence[0].lower()}{cadence[1:]}). Pick a location for live figures."
    )
    if st.button("Recompute now", key=key, icon=":material/refresh:"):
        _compute(actor)


def render_no_snapshot(actor: Actor, *, key: str) -> None:
    st.info(
        "The figures for all locations are computed every few minutes by a scheduled job and "
        "have not been computed yet. Compute them now, or pick a location for live figures."
    )
    if st.button("Compute now", key=key, type="primary", icon=":material/calculate:"):
        _compute(actor)


def _compute(actor: Actor) -> None:
    """Run the job as this admin (each location in turn); then redraw the whole page."""
    with st.spinner("Computing every location's figures, one location at a time…"):
        outcome = run_action(lambda db: run_job_now(db, actor, SNAPSHOT_JOB))
    if outcome is None:
        return
    if outcome.error:
        st.error(f"The figures could not be computed: {outcome.error}")
        return
    st.rerun(scope="app")


def _when(taken_at: datetime, time_zone: str) -> str:
    """ "2:15 PM" today; with the date on another day."""
    local = taken_at.astimezone(ZoneInfo(time_zone))
    if local.date() == clock.today_in(time_zone):
        return format_time(local.time())
    return format_moment(taken_at, time_zone)
