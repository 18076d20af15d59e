"""Pages through AppTest, signed in through the real sign-in as the demo users: for each page
the first run in a new browser session, then warm reruns, then its main interactions.

Every page is opened once before anything is timed, so "first" is a new browser session's
first run in a process that has imported the app (as a running server has), not the
process's own start-up (the server-load benchmark reports that).

AppTest runs the router (components/shell.py) in this process, so the pages read the
database named by CARTWHEEL_DATABASE_URL and the clock pinned with services.kernel.clock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from bench.databases import BENCH_NOW
from bench.demo import DemoFacts, demo_facts
from bench.timing import Stats, measure, once, settle
from data.db import engine_for
from data.demo.logins import ADMIN_EMAIL, DEMO_PASSWORD, PRIMARY_EMAIL, STAFF_EMAIL
from services.accounts import auth
from services.kernel import clock

ROOT = Path(__file__).resolve().parent.parent
ROUTER = ROOT / "components" / "shell.py"
WARM_RERUNS = 20
INTERACTION_ROUNDS = 5  # each interaction is done and undone this many times

State = dict[str, Any]


@dataclass(frozen=True)
class Interaction:
    name: str
    do: State  # session-state values a click sets (what the widget would send)
    undo: State


@dataclass(frozen=True)
class PageCase:
    role: str  # parent, staff, admin
    path: str | None  # relative to the router; None = the role's default page
    title: str
    interactions: tuple[Interaction, ...] = field(default=())


def page_cases(facts: DemoFacts) -> list[PageCase]:
    students = facts.student_ids
    other_student = students[1] if len(students) > 1 else students[0]
    return [
        PageCase(
            "parent",
            None,
            "parent: Home",
            (
                Interaction(
                    "change location",
                    {"location_id": facts.other_location_id},
                    {"location_id": facts.location_id},
                ),
            ),
        ),
        PageCase(
            "parent",
            "../pages/students.py",
            "parent: Students",
            (
                Interaction(
                    "switch student",
                    {"student_id": other_student},
                    {"student_id": students[0]},
                ),
                Interaction(
                    "open a tab (Attendance)",
                    {"students.tab": "Attendance"},
                    {"students.tab": "Enrollments"},
                ),
                Interaction(
                    "open a tab (Makeups)",
                    {"students.tab": "Makeups"},
                    {"students.tab": "Enrollments"},
                ),
            ),
        ),
        PageCase(
            "parent",
            "../pages/attendance.py",
            "parent: Attendance",
            (
                Interaction(
                    "switch student",
                    {"student_id": other_student},
                    {"student_id": students[0]},
                ),
            ),
        ),
        PageCase(
            "parent",
            "../pages/transactions.py",
            "parent: Transactions",
            (
                Interaction(
                    "change ledger filter",
                    {"ledger.filter": "payments"},
                    {"ledger.filter": "all"},
                ),
            ),
        ),
        PageCase("parent", "../pages/billing.py", "parent: Billing"),
        PageCase("staff", None, "staff: Today"),
        PageCase("staff", "../pages/staff_rosters.py", "staff: Rosters and check-in"),
        PageCase("staff", "../pages/staff_requests.py", "staff: Requests"),
        PageCase(
            "staff",
            "../pages/staff_families.py",
            "staff: Families",
            (
                Interaction(
                    "search families",
                    {"families.query": "Garcia"},
                    {"families.query": ""},
                ),
            ),
        ),
        PageCase(
            "staff",
            "../pages/staff_analytics.py",
            "staff: Attendance analytics (one location, last 12 weeks)",
            (
                Interaction(
                    "choose this term",
                    {"analytics.period": (facts.term_start, facts.today)},
                    {"analytics.period": None},
                ),
            ),
        ),
        PageCase("admin", "../pages/admin_settings.py", "admin: Portal settings"),
        PageCase("admin", "../pages/admin_outbox.py", "admin: Outbox"),
        PageCase(
            "admin",
            "../pages/admin_money.py",
            "admin: Money",
            (Interaction("last 36 months", {"money.months": 36}, {"money.months": 12}),),
        ),
    ]


class PageRunError(RuntimeError):
    pass


def _checked_run(at: AppTest) -> AppTest:
    at.run()
    if at.exception:
        raise PageRunError("; ".join(str(e.value)[:300] for e in at.exception))
    return at


def _sessions(url: str) -> dict[str, int]:
    """A sign-in session per demo user, through the real sign-in (argon2id and all)."""
    emails = {"parent": PRIMARY_EMAIL, "staff": STAFF_EMAIL, "admin": ADMIN_EMAIL}
    out = {}
    with Session(engine_for(url), expire_on_commit=False) as db:
        for role, email in emails.items():
            out[role] = auth.sign_in(db, email, DEMO_PASSWORD).session_id
    return out


def _open(session_id: int, case: PageCase) -> tuple[AppTest, float]:
    """A new browser session on the page: (AppTest, ms of the page's first run)."""
    at = AppTest.from_file(str(ROUTER), default_timeout=120)
    at.session_state["auth.session_id"] = session_id
    if case.path is None:
        ms, _ = once(lambda: _checked_run(at))
        return at, ms
    _checked_run(at)
    ms, _ = once(lambda: _checked_run(at.switch_page(case.path)))
    return at, ms


def _set(at: AppTest, values: State, defaults: State) -> None:
    for key, value in values.items():
        if value is None:
            value = defaults.get(key)
        if value is None:
            at.session_state[key] = None
            del at.session_state[key]
        else:
            at.session_state[key] = value


def run_pages(
    url: str,
    *,
    log: Callable[[str], None] = print,
    only: set[str] | None = None,
    warm_reruns: int = WARM_RERUNS,
    cold_repeats: int = 3,
) -> dict[str, Any]:
    """Every page case on the database at `url` (CARTWHEEL_DATABASE_URL is set for it)."""
    os.environ["CARTWHEEL_DATABASE_URL"] = url
    with Session(engine_for(url)) as db:
        facts = demo_facts(db)
    results: dict[str, Any] = {}
    with clock.frozen_at(BENCH_NOW):
        sessions = _sessions(url)
        cases = [c for c in page_cases(facts) if only is None or c.title in only]
        for case in cases:  # imports and first queries: a running server has done these
            _open(sessions[case.role], case)
        for case in cases:
            settle()
            started = time.perf_counter()
            try:
                result = _run_case(sessions[case.role], case, warm_reruns, cold_repeats)
            except PageRunError as failed:
                results[case.title] = {"error": str(failed)}
                log(f"    {case.title}: FAILED {failed}")
                continue
            results[case.title] = result
            warm = result["warm"]
            log(
                f"    {case.title}: first {result['first']['median_ms']:.0f} ms, "
                f"warm {warm['median_ms']:.1f} / p95 {warm['p95_ms']:.1f} ms "
                f"({time.perf_counter() - started:.0f} s)"
            )
    return results


def _run_case(session_id: int, case: PageCase, warm_reruns: int, cold_repeats: int) -> dict:
    firsts = []
    for _ in range(cold_repeats):
        at, ms = _open(session_id, case)
        firsts.append(ms)
    warm = measure(lambda: _checked_run(at), repeat=warm_reruns, warmup=1, max_seconds=1e9)
    out: dict[str, Any] = {
        "first": Stats(tuple(firsts)).as_dict(),
        "warm": warm.as_dict(),
    }
    defaults = {key: at.session_state[key] for key in _keys(case) if key in at.session_state}
    for action in case.interactions:
        samples = []
        for _ in range(INTERACTION_ROUNDS):
            for values in (action.do, action.undo):
                _set(at, values, defaults)
                ms, _ = once(lambda: _checked_run(at))
                samples.append(ms)
        out[action.name] = Stats(tuple(samples)).as_dict()
    return out


def _keys(case: PageCase) -> set[str]:
    return {key for action in case.interactions for key in (*action.do, *action.undo)}


def interleaved_scales(
    urls: dict[str, str], *, rounds: int = 4, reruns: int = 10
) -> dict[str, dict[str, Any]]:
    """The parent pages' warm reruns on several databases, taken in alternating rounds in one
    process, so a change in the machine's load between two parts of the run cannot pass for
    a difference between scales. {page title: {scale: stats}}."""
    facts_by_scale: dict[str, DemoFacts] = {}
    for scale, url in urls.items():
        with Session(engine_for(url)) as db:
            facts_by_scale[scale] = demo_facts(db)
    samples: dict[tuple[str, str], list[float]] = {}
    with clock.frozen_at(BENCH_NOW):
        apps: dict[str, dict[str, AppTest]] = {}
        for scale, url in urls.items():
            os.environ["CARTWHEEL_DATABASE_URL"] = url
            session_id = _sessions(url)["parent"]
            cases = [c for c in page_cases(facts_by_scale[scale]) if c.role == "parent"]
            apps[scale] = {case.title: _open(session_id, case)[0] for case in cases}
        for _ in range(rounds):
            for scale, url in urls.items():
                os.environ["CARTWHEEL_DATABASE_URL"] = url
                for title, at in apps[scale].items():
                    stats = measure(
                        lambda at=at: _checked_run(at), repeat=reruns, warmup=1, max_seconds=1e9
                    )
                    samples.setdefault((title, scale), []).extend(stats.samples)
    out: dict[str, dict[str, Any]] = {}
    for (title, scale), values in samples.items():
        out.setdefault(title, {})[scale] = Stats(tuple(values)).as_dict()
    return out
