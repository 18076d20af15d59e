"""The tuition run on screen: a page of families with their lines (one expander per family,
so it reads at 390 px), then posting after a confirmation, with a progress bar."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from components.actions import close_panel, open_panel, panel, run_then_rerun
from components.formatting import escape_markdown
from components.money import money, portal_currency
from components.tuition_totals import (
    as_of,
    forget_totals,
    progress_bar,
    remember_run,
    totals_for,
)
from services.billing.tuition_listing import TuitionListing
from services.billing.tuition_posting import TuitionRun, post_tuition
from services.kernel.access import Actor
from services.kernel.money import format_cents

CONFIRM = "tuition.confirm"


def render_families(listing: TuitionListing) -> None:
    """The page of families still to charge, each with the lines posting would write."""
    if not listing.waiting:
        st.info("Nothing to post for this month.")
        return
    families = listing.families
    if not families.items:
        st.info("No family with places to charge matches the location or the search.")
        return
    of_all = f" (of {listing.waiting:,} in all)" if families.total != listing.waiting else ""
    noun = "family" if families.total == 1 else "families"
    st.caption(
        f"Page {families.page} of {families.pages} · {families.total:,} {noun} with places "
        f"to charge{of_all}"
    )
    currency = portal_currency()
    for plan in families.items:
        family = plan.family
        total = format_cents(family.total_cents, currency) if family.lines else "nothing to post"
        with st.expander(f"{escape_markdown(family.family_name)} · {total}"):
            for line in family.lines:
                st.markdown(
                    f"**{format_cents(line.amount_cents, currency)}** · "
                    f"{escape_markdown(line.description)}"
                )
            if not family.lines:
                st.caption("Its new places have no class this month.")
            if plan.already_posted:
                st.caption(f"{plan.already_posted:,} of its lines are already posted.")


def render_posting(actor: Actor, month: date, waiting: int) -> None:
    """Post tuition, then a confirmation that says what is known of the run, then posting
    with a progress bar. Posting computes its own lines: the totals are advisory."""
    if panel(CONFIRM) != month:
        if st.button("Post tuition", type="primary", key="tuition.post"):
            open_panel(CONFIRM, month)
            st.rerun()
        return
    totals = totals_for(month)
    previewed = (
        f" The preview as of {as_of(totals.computed_at)} comes to "
        f"{totals.lines:,} lines, {money(totals.total_cents)}."
        if totals
        else ""
    )
    st.warning(
        f"Post tuition for {month:%B %Y} at every location? {waiting:,} families have "
        f"places not charged yet.{previewed} Families see the charges on Transactions at once."
    )
    yes, no = st.columns(2)
    if no.button("Cancel", key="tuition.cancel"):
        close_panel(CONFIRM)
        st.rerun()
    if yes.button("Yes, post tuition", type="primary", key="tuition.confirm_post"):
        progress = progress_bar("Posting…")

        def post(db: Any) -> TuitionRun:
            run = post_tuition(db, actor, month, progress)
            forget_totals(month)
            remember_run(month, run)
            return run

        run_then_rerun(post, run_summary, close=CONFIRM)


def run_summary(run: TuitionRun) -> str:
    return (
        f"Tuition posted: {run.lines:,} lines for {run.families:,} families, "
        f"{money(run.total_cents)}; {run.skipped:,} lines were already posted."
    )
