"""Closures (admin): close one location or all of them for a day or a few days; the classes
of those days do not meet, families are told by e-mail and each student receives what the
"What a closure gives" setting says (a makeup token, a credit, or nothing)."""

import pandas as pd
import streamlit as st

from components.actions import render_flash, run_action, run_then_rerun
from components.auth import current_actor
from services.backoffice.closures import (
    ALL_LOCATIONS,
    ClosureOutcome,
    add_closure,
    apply_closure,
    list_closures,
    remove_closure,
)
from services.families.home import open_locations

actor = current_actor()
st.title("Closures")
st.caption(
    "Holidays and weather days: no class meets at the closed location(s) on those days. "
    "Affected families get an e-mail and, per the portal setting “What a closure gives”, a "
    "makeup token or a credit for each cancelled class. A closure can be removed only before "
    "it starts and while it affected nobody."
)
render_flash()


def outcome_text(outcome: ClosureOutcome) -> str:
    return (
        f"Closure saved: {outcome.meetings} class meetings cancelled; {outcome.tokens} tokens, "
        f"{outcome.credits} credits issued; {outcome.emails} families e-mailed."
    )


locations = run_action(lambda db: open_locations(db, actor)) or []
names = {location.id: location.name for location in locations}
with st.form("closure.add"):
    st.header("Add a closure")
    where = st.selectbox(
        "Where",
        [None, *names],
        format_func=lambda i: ALL_LOCATIONS if i is None else names[i],
        key="closure.where",
    )
    first_day = st.date_input("First day", value=None, key="closure.first")
    last_day = st.date_input("Last day (the same for one day)", value=None, key="closure.last")
    reason = st.text_input("Reason", max_chars=200, key="closure.reason")
    if st.form_submit_button("Close and notify families", type="primary"):
        run_then_rerun(
            lambda db: add_closure(db, actor, where, first_day, last_day or first_day, reason),
            outcome_text,
        )

st.header("Closures")
search = st.text_input("Search by reason or location", key="closure.search")
removed = st.toggle("Show removed closures", key="closure.removed")
page = int(st.number_input("Page", min_value=1, value=1, step=1, key="closure.page")) - 1
listed = run_action(lambda db: list_closures(db, actor, search, page, include_removed=removed))
if listed is None or not listed.closures:
    st.info("No closures yet.")
    st.stop()
st.caption(f"Page {listed.page + 1} of {listed.pages} · {listed.total} closures")
st.dataframe(
    pd.DataFrame(
        {
            "Where": [c.where for c in listed.closures],
            "From": [c.first_day.strftime("%a %d %b %Y") for c in listed.closures],
            "To": [c.last_day.strftime("%a %d %b %Y") for c in listed.closures],
            "Reason": [c.reason for c in listed.closures],
            "Students' meetings handled": [c.remedies for c in listed.closures],
            "Removed": ["yes" if c.removed_at else "" for c in listed.closures],
        }
    ),
    hide_index=True,
    width="stretch",
)
chosen = st.selectbox(
    "Closure",
    [c.id for c in listed.closures if c.removed_at is None] or [None],
    format_func=lambda i: next(
        (f"{c.where} · {c.first_day:%d %b %Y} · {c.reason}" for c in listed.closures if c.id == i),
        "—",
    ),
    key="closure.chosen",
)
if chosen is not None:
    left, right = st.columns(2)
    if left.button("Issue what is still owed", key="closure.apply"):
        run_then_rerun(lambda db: apply_closure(db, actor, chosen), outcome_text)
    if right.button("Remove this closure", key="closure.remove"):
        run_then_rerun(lambda db: remove_closure(db, actor, chosen), "Closure removed.")
