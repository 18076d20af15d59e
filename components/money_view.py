"""The owner's Money page, one section per function: aged receivables (with the families in
a bucket), money by month, the last money runs and the failed automatic payments. Each section
is a fragment, so a widget inside one reruns only that section; a new section is one more
`render_*` call on the page.

Narrow screens: the key figures are metric cards (they stack at 390 px), tables are long
(one row per location and age) rather than wide, and the wide CSVs are downloads.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.actions import run_action
from components.analytics_charts import LAYOUT
from components.chart_colours import GREEN, GREY, PRIMARY, RED, SECONDARY
from components.documents import CSV
from components.formatting import escape_markdown, format_date, format_moment
from components.job_runs import render_run
from components.money import portal_currency
from components.money_snapshot_panel import (
    newest_snapshot,
    render_no_snapshot,
    render_snapshot_note,
)
from services.billing.failed_payments import failed_autopay_payments
from services.billing.money_by_month import (
    PERIODS,
    SERIES,
    MoneyByMonth,
    money_by_month,
    money_by_month_csv,
    money_by_month_frame,
)
from services.billing.money_report_scope import report_locations
from services.billing.money_snapshot import snapshot_months
from services.billing.receivables import (
    ALL_BUCKETS,
    BUCKET_LABELS,
    BUCKETS,
    AgedReceivables,
    aged_receivables,
    aged_receivables_csv,
    receivable_families,
)
from services.kernel.access import Actor
from services.kernel.money import format_cents
from services.operations.job_history import job_overview
from services.operations.job_registry import JOBS

# The jobs that post, charge or settle money, in the order a billing day runs them.
MONEY_JOBS = ("tuition", "late_fees", "autopay", "card_expiry_notices", "refund_checks")
FAILED_SHOWN = 5  # the newest few; the Failed payments page has them all

COLORS = {  # the series of money by month
    "charges_cents": PRIMARY,
    "payments_cents": GREEN,
    "credits_cents": SECONDARY,
    "refunds_cents": RED,
    "adjustments_cents": GREY,
}


@st.fragment
def render_receivables(actor: Actor, location_id: int | None) -> None:
    """Totals as cards, a row per location and age, the CSV, and the families in a bucket."""
    st.header("Aged receivables")
    if location_id is None:  # every location: the scheduled snapshot, not a ledger scan
        read, view = newest_snapshot(actor)
        if view is None:
            if read:
                render_no_snapshot(actor, key="money.snapshot.compute")
            return
        render_snapshot_note(actor, view, key="money.snapshot.recompute")
        report: AgedReceivables | None = view.receivables
    else:
        report = run_action(lambda db: aged_receivables(db, actor, location_id))
    if report is None:
        return
    st.caption(
        f"What families owe on {format_date(report.as_of)}, by how old each unpaid charge "
        "is (days since it was posted at its location). Unapplied credit is payments and "
        "credits not yet used on a charge; net is what is owed less that credit."
    )
    if not report.locations:
        st.info("No locations yet.")
        return
    money = _formatter(report.currency)
    total = report.total
    cards = st.columns(3)
    cards[0].metric("Owed", money(total.open_cents))
    cards[1].metric("Unapplied credit", money(total.unapplied_credit_cents))
    cards[2].metric("Net", money(total.net_cents))
    buckets = st.columns(4)
    for column, name, cents in zip(buckets, BUCKETS, total.bucket_cents, strict=True):
        column.metric(BUCKET_LABELS[name], money(cents))
    st.dataframe(_receivables_rows(report), hide_index=True, width="stretch")
    _csv_download(
        "Download aged receivables (CSV)",
        lambda: aged_receivables_csv(report),
        f"aged-receivables-{report.as_of.isoformat()}.csv",
        key="money.receivables.csv",
    )


def _receivables_rows(report: AgedReceivables) -> pd.DataFrame:
    """One row per location and age, then its unapplied credit and net: long, not wide."""
    money = _formatter(report.currency)
    rows: list[tuple[str, str, str]] = []
    places = report.locations if len(report.locations) == 1 else (*report.locations, report.total)
    for place in places:
        for name, cents in zip(BUCKETS, place.bucket_cents, strict=True):
            rows.append((place.location_name, BUCKET_LABELS[name], money(cents)))
        rows.append((place.location_name, "Unapplied credit", money(place.unapplied_credit_cents)))
        rows.append((place.location_name, "Net", money(place.net_cents)))
    return pd.DataFrame(rows, columns=["Location", "Age", "Amount"])


@st.fragment
def render_owing_families(actor: Actor, location_id: int | None) -> None:
    """The families to chase: one location and bucket, searched, most owed first, paged."""
    st.markdown("**Families owing**")
    places = run_action(lambda db: report_locations(db, actor, location_id))
    if not places:
        return
    names = {p.id: p.label for p in places}
    where = st.selectbox(
        "At", list(names), key="money.owing.location", format_func=lambda i: names[i]
    )
    bucket = st.segmented_control(
        "Age",
        [ALL_BUCKETS, *BUCKETS],
        default=ALL_BUCKETS,
        key="money.owing.bucket",
        format_func=lambda b: "All" if b == ALL_BUCKETS else BUCKET_LABELS[b],
    )
    search = st.text_input("Search families", key="money.owing.search", max_chars=100)
    number = st.number_input("Page", min_value=1, max_value=10_000, step=1, key="money.owing.page")
    page = run_action(
        lambda db: receivable_families(
            db, actor, where, bucket or ALL_BUCKETS, search=search, page=int(number)
        )
    )
    if page is None:
        return
    if not page.items:
        st.info("No family matches that search." if search.strip() else "No family owes here.")
        return
    money = _formatter(portal_currency())
    st.dataframe(
        pd.DataFrame(
            {
                "Family": [i.family_name for i in page.items],
                "Owed": [money(i.owed_cents) for i in page.items],
                "Oldest": [format_date(i.oldest_on, weekday=False) for i in page.items],
                "Charges": [i.open_charges for i in page.items],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"Page {page.page} of {page.pages} · {page.total} families")


@st.fragment
def render_money_by_month(actor: Actor, location_id: int | None) -> None:
    """One chart of the series by month, the period's totals as cards, the numbers and CSV."""
    st.header("Charges, payments and credits by month")
    months = st.segmented_control(
        "Period",
        list(PERIODS),
        default=PERIODS[0],
        key="money.months",
        format_func=lambda n: f"Last {n} months",
    )
    period = months or PERIODS[0]
    if location_id is None:
        read, view = newest_snapshot(actor)
        if view is None:
            if read:
                st.caption("Shown for all locations once computed (see Aged receivables).")
            return
        report: MoneyByMonth | None = run_action(lambda _db: snapshot_months(view, period))
    else:
        report = run_action(lambda db: money_by_month(db, actor, period, location_id))
    if report is None:
        return
    st.caption(
        f"{report.scope}. Each entry counts in the month it was posted at its location; "
        "this month so far is the last."
    )
    money = _formatter(report.currency)
    total = report.total
    series = list(SERIES.items())
    for row in (series[:3], series[3:]):  # three to a row: whole amounts on a laptop too
        for column, (field, heading) in zip(st.columns(3), row, strict=False):
            column.metric(heading, money(getattr(total, field)))
    st.plotly_chart(
        money_by_month_figure(report), key="money.months.chart", config={"displayModeBar": False}
    )
    with st.expander("Money by month: the numbers"):
        st.dataframe(
            pd.DataFrame(
                {
                    "Month": [m.month.strftime("%b %Y") for m in report.months],
                    **{
                        heading: [money(getattr(m, field)) for m in report.months]
                        for field, heading in SERIES.items()
                    },
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={"Month": st.column_config.TextColumn(pinned=True)},
        )
        _csv_download(
            "Download money by month (CSV)",
            lambda: money_by_month_csv(report),
            f"money-by-month-{len(report.months)}.csv",
            key="money.months.csv",
        )


@st.fragment
def render_money_runs(actor: Actor) -> None:
    """Each money job's last run: status, when, by whom, its counts and any error."""
    st.subheader("Last money runs")
    jobs = tuple(job for job in JOBS if job.name in MONEY_JOBS)
    overview = run_action(lambda db: job_overview(db, actor, jobs=jobs))
    if overview is None:
        return
    for job in overview.jobs:
        st.markdown(f"**{escape_markdown(job.title)}**")
        if job.last_run is None:
            st.caption("Not run yet.")
        else:
            render_run(job.last_run, overview.time_zone, label="Last run")
    st.page_link("../pages/admin_jobs.py", label="Scheduled jobs", icon=":material/schedule:")


@st.fragment
def render_failed_payments(actor: Actor) -> None:
    """The newest failed automatic payments, one short block each."""
    st.subheader("Failed automatic payments")
    listing = run_action(lambda db: failed_autopay_payments(db, actor))
    if listing is None:
        return
    if not listing.rows:
        st.info("No failed payments.")
        return
    for row in listing.rows[:FAILED_SHOWN]:
        amount = format_cents(row.amount_cents, row.currency)
        owed = format_cents(row.still_owed_cents, row.currency)
        st.markdown(
            f"**{escape_markdown(row.family_name)}** · {escape_markdown(amount)} · "
            f"{escape_markdown(row.card)}"
        )
        st.caption(
            f"{format_moment(row.failed_at, listing.timezone)} · "
            f"{escape_markdown(row.reason)} · "
            + (f"owed now {escape_markdown(owed)}" if row.still_owed_cents else "paid since")
        )
    st.caption(f"{listing.total} failed payments in all")
    st.page_link(
        "../pages/staff_failed_payments.py",
        label="All failed payments",
        icon=":material/credit_card_off:",
    )


def money_by_month_figure(report: MoneyByMonth) -> go.Figure:
    """Grouped bars in the currency's units; the hover shows the exact formatted amount."""
    frame = money_by_month_frame(report)
    money = _formatter(report.currency)
    figure = go.Figure(
        [
            go.Bar(
                x=frame["month"],
                y=frame[field] / 100,
                name=heading,
                marker_color=COLORS[field],
                text=[money(int(c)) for c in frame[field]],
                hovertemplate="%{x|%b %Y}: %{text}<extra>" + heading + "</extra>",
                textposition="none",
            )
            for field, heading in SERIES.items()
        ]
    )
    return figure.update_layout(**LAYOUT, barmode="group", xaxis={"tickformat": "%b %Y"})


def _csv_download(label: str, build: Callable[[], bytes], file_name: str, *, key: str) -> None:
    """The file is built only when clicked; the click does not rerun the page."""
    st.download_button(
        label,
        data=build,
        file_name=file_name,
        mime=CSV,
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def _formatter(currency: str):  # type: ignore[no-untyped-def]
    return lambda cents: format_cents(int(cents), currency)
