"""The month's totals on the Tuition page, computed only when the admin asks (they read every
family): "Preview totals" runs them in batches under a progress bar and keeps the small
summary in session state by month, shown "as of" its time with "Recompute". After a posting
the summary is dropped and the run's own figures are shown instead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.actions import run_action
from components.formatting import format_time
from components.money import money
from data.db import session_scope
from services.billing.tuition_posting import TuitionRun
from services.billing.tuition_totals import TuitionTotals, tuition_totals
from services.kernel import clock
from services.kernel.access import Actor
from services.kernel.settings import get_settings

TOTALS_KEY = "tuition.totals_by_month"  # {month's first day: TuitionTotals}
RUNS_KEY = "tuition.runs_by_month"  # {month's first day: (TuitionRun, when it finished)}


def totals_for(month: date) -> TuitionTotals | None:
    return st.session_state.get(TOTALS_KEY, {}).get(month)


def forget_totals(month: date) -> None:
    st.session_state.get(TOTALS_KEY, {}).pop(month, None)


def remember_run(month: date, run: TuitionRun) -> None:
    st.session_state.setdefault(RUNS_KEY, {})[month] = (run, clock.now())


def as_of(moment: datetime) -> str:
    """The time of day in the business's time zone, as "9:05 AM"."""
    with session_scope() as db:
        zone = get_settings(db).time_zone
    return format_time(moment.astimezone(ZoneInfo(zone)).time())


def render_totals(actor: Actor, month: date, location_id: int | None) -> None:
    """The summary kept for `month`, else the last posting's figures, and the button that
    (re)computes the totals."""
    totals = totals_for(month)
    posted = st.session_state.get(RUNS_KEY, {}).get(month)
    if totals is not None:
        _show_totals(totals, location_id)
        label = "Recompute"
    elif posted is not None:
        _show_run(*posted)
        label = "Preview totals"
    else:
        st.caption(
            "The totals read every family, so they are computed when you ask. Posting "
            "computes its own lines when it runs."
        )
        label = "Preview totals"
    if st.button(label, key="tuition.totals"):
        progress = progress_bar("Totalling…")
        computed = run_action(lambda db: tuition_totals(db, actor, month, progress))
        if computed is not None:
            st.session_state.setdefault(TOTALS_KEY, {})[month] = computed
            st.rerun()


def _show_totals(totals: TuitionTotals, location_id: int | None) -> None:
    left, right = st.columns(2)
    left.metric("Families", f"{totals.families:,}")
    right.metric("Total", money(totals.total_cents))
    left.metric("Lines to post", f"{totals.lines:,}")
    right.metric("Already posted", f"{totals.already_posted:,}")
    left.metric("Discounts", money(totals.discount_cents))
    st.caption(
        f"As of {as_of(totals.computed_at)}. A place that starts or ends before you post "
        "is charged as it stands then."
    )
    places = [t for t in totals.locations if location_id in (None, t.location_id)]
    if len(totals.locations) > 1 and places:
        st.dataframe(
            pd.DataFrame(
                {
                    "Location": [t.location_name for t in places],
                    "Families": [t.families for t in places],
                    "Lines": [t.lines for t in places],
                    "Total": [money(t.total_cents) for t in places],
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _show_run(run: TuitionRun, finished: datetime) -> None:
    st.caption(f"Posted from this page at {as_of(finished)}:")
    left, right = st.columns(2)
    left.metric("Families", f"{run.families:,}")
    right.metric("Total", money(run.total_cents))
    left.metric("Lines posted", f"{run.lines:,}")
    right.metric("Already posted", f"{run.skipped:,}")


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A bar the totals (or a posting) move after each batch of families."""
    bar = st.progress(0.0, text=label)

    def show(done: int, of: int) -> None:
        bar.progress(done / of if of else 1.0, text=f"{label} {done:,} of {of:,} families")

    return show
