"""The tuition run on screen: the preview's figures, a page of families with their lines
(one expander per family, so it reads at 390 px), and the progress bar of a posting."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.formatting import escape_markdown
from components.money import money, portal_currency
from services.billing.tuition_posting import TuitionRun
from services.billing.tuition_preview import TuitionPreview
from services.kernel.money import format_cents


def render_preview(preview: TuitionPreview) -> None:
    left, right = st.columns(2)
    left.metric("Families", f"{preview.families:,}")
    right.metric("Total", money(preview.total_cents))
    left.metric("Lines to post", f"{preview.lines:,}")
    right.metric("Already posted", f"{preview.already_posted:,}")
    if not preview.families:
        st.info("Nothing to post for this month.")
        return
    if not preview.page_families:
        st.info(f"No families on this page; the last page is {preview.page_count}.")
        return
    st.caption(f"Page {preview.page + 1} of {preview.page_count} · {preview.families:,} families")
    currency = portal_currency()
    for family in preview.page_families:
        total = format_cents(family.total_cents, currency)
        with st.expander(f"{escape_markdown(family.family_name)} · {total}"):
            for line in family.lines:
                st.markdown(
                    f"**{format_cents(line.amount_cents, currency)}** · "
                    f"{escape_markdown(line.description)}"
                )


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A bar the posting moves after each batch of families."""
    bar = st.progress(0.0, text=label)

    def show(done: int, of: int) -> None:
        bar.progress(done / of if of else 1.0, text=f"{label} {done:,} of {of:,} families")

    return show


def run_summary(run: TuitionRun) -> str:
    return (
        f"Tuition posted: {run.lines:,} lines for {run.families:,} families, "
        f"{money(run.total_cents)}; {run.skipped:,} lines were already posted."
    )
