"""Service functions, called as the pages call them: a new session per call (as each page
run opens one), with the clock pinned to the benchmark's "now"."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from bench.autopay_run import run_autopay_bench
from bench.calibration import raw_ledger
from bench.databases import BENCH_NOW
from bench.demo import DemoFacts, demo_facts
from bench.timing import measure, settle
from bench.tuition import run_tuition
from data.db import engine_for
from services.billing import csv_documents, pdf_documents, statements
from services.billing.ledger import family_balance
from services.billing.money_by_month import money_by_month
from services.billing.money_snapshot import latest_money_snapshot
from services.billing.receivables import ALL_BUCKETS, aged_receivables, receivable_families
from services.billing.transactions_history import (
    DateRange,
    family_ledger,
    ledger_meta,
    with_running_balance,
)
from services.classes.enrollments import student_enrollments
from services.desk import analytics
from services.desk.analytics_comparison import location_comparison
from services.desk.analytics_scope import AnalyticsFilter
from services.desk.rosters import class_roster
from services.desk.staff_home import staff_home
from services.families.home import family_home
from services.families.students import family_students
from services.kernel import clock
from services.makeups.tokens import student_tokens

PAGE_TARGETS = (1, 3, 12)  # statement lengths in pages
ANALYTICS_PAGE = (
    "weekly_rate",
    "class_heatmap",
    "program_rates",
    "absences_over_time",
    "tokens_outstanding",
    "class_fill",
)

Call = Callable[[Session], Any]


def _cases(facts: DemoFacts) -> dict[str, tuple[Call, dict[str, Any]]]:
    """name -> (call, options for `measure`)."""
    parent, admin = facts.primary, facts.admin
    sid = facts.student_ids[0]
    term = AnalyticsFilter(
        start=facts.term_start, end=facts.today, location_ids=(facts.location_id,)
    )

    def students_with_enrollments(db: Session) -> int:
        cards = family_students(db, parent)
        return sum(len(student_enrollments(db, parent, c.id).current) for c in cards if c.is_active)

    def analytics_page(db: Session) -> int:
        return sum(len(getattr(analytics, name)(db, admin, term)) for name in ANALYTICS_PAGE)

    quick: dict[str, Any] = {"repeat": 60, "max_seconds": 6}
    heavy: dict[str, Any] = {"repeat": 15, "max_seconds": 12, "min_repeat": 5}
    return {
        "family summary (family_home)": (lambda db: family_home(db, parent), quick),
        "students with enrollments": (students_with_enrollments, quick),
        "family ledger, parent, last 30 days": (lambda db: family_ledger(db, parent), quick),
        "family ledger, staff, 3 years": (
            lambda db: family_ledger(db, admin, family_id=parent.family_id),
            quick,
        ),
        "balance and outstanding (family_balance)": (
            lambda db: family_balance(db, parent, parent.family_id),
            quick,
        ),
        "makeup tokens by location (student_tokens)": (
            lambda db: student_tokens(db, parent, sid, facts.location_id),
            quick,
        ),
        "attendance by week, one location and term (weekly_rate)": (
            lambda db: analytics.weekly_rate(db, admin, term),
            heavy,
        ),
        "analytics page data, one location and term (6 queries)": (analytics_page, heavy),
        "class roster (class_roster)": (
            lambda db: class_roster(db, facts.staff, facts.roster_class_id, facts.today),
            quick,
        ),
        "staff home, one location (staff_home)": (
            lambda db: staff_home(db, facts.staff, location_id=facts.location_id),
            heavy,
        ),
        # Issue 16, the owner's Money page: every ledger entry of the business (or of one
        # location) summed in SQL.
        "aged receivables, all locations (aged_receivables)": (
            lambda db: aged_receivables(db, admin),
            heavy,
        ),
        "aged receivables, one location": (
            lambda db: aged_receivables(db, admin, facts.location_id),
            heavy,
        ),
        "families owing, one location, all ages, first page (receivable_families)": (
            lambda db: receivable_families(db, admin, facts.location_id, ALL_BUCKETS),
            heavy,
        ),
        "money by month, 36 months, all locations (money_by_month)": (
            lambda db: money_by_month(db, admin, 36),
            heavy,
        ),
        "money by month, 12 months, one location": (
            lambda db: money_by_month(db, admin, 12, facts.location_id),
            heavy,
        ),
        # Issue 17: all locations come from the scheduled job's snapshot.
        "money, all locations, the snapshot (latest_money_snapshot)": (
            lambda db: latest_money_snapshot(db, admin),
            heavy,
        ),
        # Issue 17, analytics: the risk lists of one location and the all-locations table.
        "students dropping and classes below 80%, one location and term": (
            lambda db: (
                len(analytics.dropping_students(db, admin, term))
                + len(analytics.low_attendance_classes(db, admin, term, 0.8))
            ),
            heavy,
        ),
        "location comparison, all locations, term (location_comparison)": (
            lambda db: len(location_comparison(db, admin, replace(term, location_ids=()), 0.8)),
            heavy,
        ),
    }


def run_services(url: str, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Every service case on the database at `url`; results keyed by case name."""
    factory = sessionmaker(engine_for(url), expire_on_commit=False)
    with Session(engine_for(url)) as db:
        facts = demo_facts(db)
    results: dict[str, Any] = {}
    with clock.frozen_at(BENCH_NOW):
        # The raw SQL of the same periods, for the "≤ 3× the raw SQL" comparison.
        with factory() as db:
            parent_period = ledger_meta(family_ledger(db, facts.primary)).period
            full_period = ledger_meta(
                family_ledger(db, facts.admin, family_id=facts.primary.family_id)
            ).period
        for name, period in (
            ("raw SQL: family ledger, last 30 days", parent_period),
            ("raw SQL: family ledger, 3 years", full_period),
        ):
            low, high = _sql_bounds(period)
            stats = measure(
                raw_ledger(url, int(facts.primary.family_id or 0), low, high),
                repeat=200,
                warmup=5,
                max_seconds=4,
            )
            results[name] = stats.as_dict()
        for name, (call, options) in _cases(facts).items():
            settle()

            def one(call: Call = call) -> object:
                with factory() as db:
                    return call(db)

            stats = measure(one, **options)
            results[name] = stats.as_dict()
            log(f"    {name}: {stats.median:.2f} ms (p95 {stats.p95:.2f})")
        results.update(_documents(factory, facts, log))
        results.update(run_tuition(factory, facts, log))
    settle()
    results["autopay run, whole billing day (gateway answering at once)"] = run_autopay_bench(
        url, log=log
    )
    return results


def _sql_bounds(period: DateRange) -> tuple[datetime, datetime]:
    """The timestamps ledger_frame asks for: the period widened by a day each side."""
    low = datetime.combine(period.start, time(), UTC) - timedelta(days=1)
    high = datetime.combine(period.end, time(), UTC) + timedelta(days=1)
    return low, high


def _documents(
    factory: sessionmaker[Session], facts: DemoFacts, log: Callable[[str], None]
) -> dict[str, Any]:
    """Statement PDF and CSV at 1, 3 and 12 pages: the location ledger of a family with a
    long history, cut to the number of lines that fills that many pages. No demo family's
    three years fill 12 pages (about 23 lines a page; the longest ledger has ~170 entries),
    so the 12-page document repeats that family's lines."""
    out: dict[str, Any] = {}

    def build(db: Session) -> statements.LedgerReport:  # every entry: staff see ten years
        return statements.location_ledger(
            db, facts.admin, facts.location_id, None, None, family_id=facts.long_family_id
        )

    settle()
    stats = measure(lambda: _with(factory, build), repeat=30, max_seconds=6)
    out["statement data: location ledger, 3 years (location_ledger)"] = stats.as_dict()
    with factory() as db:
        report = build(db)
    for pages in PAGE_TARGETS:
        sized = _report_with_pages(report, pages)
        settle()
        pdf = measure(lambda sized=sized: pdf_documents.ledger_pdf(sized), repeat=20, max_seconds=8)
        csv = measure(lambda sized=sized: csv_documents.ledger_csv(sized), repeat=60, max_seconds=4)
        lines = len(sized.lines)
        out[f"statement PDF, {pages} page{'s' if pages > 1 else ''}"] = {
            **pdf.as_dict(),
            "lines": lines,
        }
        out[f"statement CSV, {pages} page{'s' if pages > 1 else ''} of lines"] = {
            **csv.as_dict(),
            "lines": lines,
        }
        log(f"    statement {pages} p: PDF {pdf.median:.1f} ms, CSV {csv.median:.2f} ms")
    return out


def _with(factory: sessionmaker[Session], call: Call) -> object:
    with factory() as db:
        return call(db)


_LINES_FOR_PAGES: dict[int, int] = {}


def _report_with_pages(report: statements.LedgerReport, pages: int) -> statements.LedgerReport:
    """The report with as many lines as fill exactly `pages` pages (the most that do)."""
    if pages not in _LINES_FOR_PAGES:
        low, high = 1, 40 * pages
        while low < high:  # the most lines that still fit in `pages` pages
            middle = (low + high + 1) // 2
            if _page_count(_cut(report, middle)) <= pages:
                low = middle
            else:
                high = middle - 1
        _LINES_FOR_PAGES[pages] = low
    return _cut(report, _LINES_FOR_PAGES[pages])


def _cut(report: statements.LedgerReport, lines: int) -> statements.LedgerReport:
    source = report.lines
    repeats = -(-lines // len(source))
    frame = pd.concat([source] * repeats, ignore_index=True).head(lines)
    frame = with_running_balance(frame[[c for c in frame.columns if c != "balance_cents"]])
    return replace(report, lines=frame)


def _page_count(report: statements.LedgerReport) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf_documents.ledger_pdf(report))).pages)
