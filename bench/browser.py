"""`python -m bench.browser`: what people wait for, timed in real Chromium.

For the parent, the staff member and the admin of the demo gym: sign-in → first page ready,
every navigation entry, switching student / filter, a statement download, a check-in scan, a
family search, analytics default and filtered; at a laptop (1280×800) and a phone (390×844)
viewport; each step repeated `--browser-reps` times (median, p95, bytes and websocket
messages per rerun); Make Payment → receipt against localstripe on a copy of the database
(bench/browser_payment.py). A cold first load (fresh browser context: requests, bytes, first
paint) comes with every sign-in. An empty Streamlit app served the same way is measured in the
same run as the yardstick. The server is `streamlit run app.py` on 127.0.0.1 with the clock pinned
to the benchmark's now (the demo's classes are on); Debian's Chromium, never a downloaded one.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.browser_nav import context_options, goto, heading, nav_titles, sign_in
from bench.browser_payment import payment_server, run_payment
from bench.browser_proxy import caddy_proxy, compare
from bench.browser_report import saving
from bench.browser_steps import (
    FrameCounter,
    Sample,
    StepResult,
    cold_load,
    describe,
    summarise_cold,
)
from bench.browser_steps import timed as _timed
from bench.server_process import start_server

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/browser/conftest.py launches it
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
EMPTY_APP = 'import streamlit as st\nst.button("Rerun")\nst.write("ready")\n'


def run_browser(
    database_url: str,
    logs: Path,
    *,
    reps: int = 20,
    viewports: tuple[str, ...] = ("laptop", "phone"),
    roles: tuple[str, ...] = ("parent", "staff", "admin"),
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every step for every role and viewport; the empty app first, in the same run."""
    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} is missing (apt-get install chromium)"}
    from playwright.sync_api import sync_playwright

    from data.demo import DEMO_PASSWORD
    from data.demo.logins import ADMIN_EMAIL, PRIMARY_EMAIL, STAFF_EMAIL

    logins = {"parent": PRIMARY_EMAIL, "staff": STAFF_EMAIL, "admin": ADMIN_EMAIL}
    logs.mkdir(parents=True, exist_ok=True)
    empty = CACHE / "empty_app.py"
    empty.write_text(EMPTY_APP)
    code = _checkin_code(database_url)
    out: dict[str, Any] = {"reps": reps, "viewports": {}}
    yardstick = start_server(database_url, logs / "browser-empty.log", script=str(empty))
    server = start_server(database_url, logs / "browser-app.log")
    servers = ExitStack()
    try:
        paying = _entered(servers, payment_server(database_url, logs)) if "parent" in roles else ""
        proxy = _entered(servers, caddy_proxy(server.port, logs))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for name in viewports:
                    found: dict[str, Any] = {}
                    url = f"http://127.0.0.1:{yardstick.port}"
                    found["empty_app"] = _empty_app(browser, url, VIEWPORTS[name], reps)
                    log(f"    browser {name}: empty app {_brief(found['empty_app'])}")
                    app = f"http://127.0.0.1:{server.port}"
                    for role in roles:
                        login = (logins[role], DEMO_PASSWORD)
                        found[role] = _role(browser, app, VIEWPORTS[name], role, login, reps, code)
                        log(f"    browser {name}: {role} {_brief(found[role])}")
                    if paying:
                        paid = run_payment(browser, paying, VIEWPORTS[name], logins["parent"], reps)
                        found["parent"]["steps"] |= paid
                        log(f"    browser {name}: parent payment {_brief({'steps': paid})}")
                    found["compression"] = (
                        compare(browser, app, proxy, VIEWPORTS[name], reps)
                        if proxy.startswith("http")
                        else {"skipped": proxy}
                    )
                    log(f"    browser {name}: cold load through Caddy {_squeezed(found)}")
                    out["viewports"][name] = found
            finally:
                browser.close()
    finally:
        servers.close()
        server.stop()
        yardstick.stop()
    return out


def _entered(servers: ExitStack, manager: Any) -> Any:
    """What the context `manager` yields (a server, a URL), kept open until `servers` closes;
    or why it could not start ("not measured: …"), recorded instead of failing the run."""
    try:
        return servers.enter_context(manager)
    except Exception as failed:  # whatever kept it from starting, with its message
        said = str(failed)
        return said if said.startswith("not measured") else f"not measured: {describe(failed)}"


def _squeezed(found: dict[str, Any]) -> str:
    return found["compression"].get("skipped") or saving(found["compression"])


def _brief(found: dict[str, Any]) -> str:
    steps = found.get("steps", {})
    worst = max((s.get("p95_ms", 0) for s in steps.values()), default=0)
    errors = sum(s.get("errors", 0) for s in steps.values())
    messages = sorted({m for s in steps.values() for m in s.get("error_messages", [])})
    return f"{len(steps)} steps, worst p95 {worst:.0f} ms, {errors} errors {messages or ''}"


def _empty_app(browser: Any, url: str, viewport: dict[str, int], reps: int) -> dict[str, Any]:
    """The yardstick: cold load and a button click → rerun done, on a two-line script."""
    loads: list[dict[str, float]] = []
    load_errors: list[str] = []
    click = StepResult()
    for rep in range(reps):
        context = browser.new_context(**context_options(viewport))
        page = context.new_page()
        try:
            counter = FrameCounter(page)
            loads.append(cold_load(page, url, page.get_by_text("ready")))
            if rep == 0:  # one context's reruns suffice; more contexts cost time only
                _reruns(page, counter, reps, click)
        except Exception as failed:  # kept with its message
            load_errors.append(describe(failed))
        finally:
            context.close()
    return {"cold_load": summarise_cold(loads, load_errors), "steps": {"rerun": click.as_dict()}}


def _reruns(page: Any, counter: FrameCounter, reps: int, click: StepResult) -> None:
    button = page.get_by_role("button", name="Rerun")
    for _ in range(reps):
        click.add(lambda: _timed(counter, button.click, page.get_by_text("ready")))


def _role(
    browser: Any,
    url: str,
    viewport: dict[str, int],
    role: str,
    login: tuple[str, str],
    reps: int,
    code: str,
) -> dict[str, Any]:
    steps: dict[str, StepResult] = {}
    loads: list[dict[str, float]] = []
    load_errors: list[str] = []
    # rep -1 warms the server up (each page's first run imports its modules), not recorded
    for rep in range(-1, reps):  # sign-in: a fresh context (cold cache, new session) each
        context = browser.new_context(**context_options(viewport))
        page = context.new_page()
        page.set_default_timeout(20_000)
        kept = steps if rep >= 0 else {}
        try:
            counter = FrameCounter(page)
            load = cold_load(page, url, page.get_by_label("E-mail"))
            loads += [load] if rep >= 0 else []
            sign_in(page, counter, role, login, kept)
            if rep <= 0:
                _journeys(page, counter, role, 1 if rep < 0 else reps, code, kept)
        except Exception as failed:  # kept with its message
            load_errors.append(describe(failed))
        finally:
            context.close()
    return {
        "cold_load": summarise_cold(loads, load_errors),
        "steps": {name: result.as_dict() for name, result in steps.items()},
    }


def _journeys(
    page: Any, counter: FrameCounter, role: str, reps: int, code: str, steps: dict
) -> None:
    """`reps` rounds through every navigation entry (header links and drop-down items from
    768 px wide, the sidebar menu below) and the role's other steps."""
    titles = nav_titles(page)
    for _ in range(reps):
        for title in titles:
            goto(page, counter, titles, title, steps)
        if role == "parent":
            _parent_steps(page, counter, titles, steps)
        elif role == "staff":
            _desk_steps(page, counter, titles, code, steps)
        else:  # the owner picks the desk's location first, and goes back to all after
            _pick_location(page, counter, "Northside", steps)
            _desk_steps(page, counter, titles, code, steps)
            _pick_location(page, counter, "All locations", steps)


def _parent_steps(page: Any, counter: FrameCounter, titles: dict, steps: dict) -> None:
    goto(page, counter, titles, "Students", steps)
    names = page.locator("[data-testid=stButtonGroup] button")
    for i in (1, 0) if names.count() >= 2 else ():  # to the second student and back

        def switch(button: Any = names.nth(i)) -> Sample:  # noqa: B008 - bound per student
            name = button.inner_text().strip()
            target = page.get_by_role("heading", name=name).first
            return _timed(counter, button.click, target)

        steps.setdefault("switch student", StepResult()).add(switch)
    goto(page, counter, titles, "Transactions", steps)
    download = page.get_by_role("button", name="Statement (PDF)", exact=True)

    def statement() -> Sample:
        started = time.perf_counter()
        with page.expect_download() as pdf:
            download.click()
        size = Path(pdf.value.path()).stat().st_size  # path(): the whole file has arrived
        return Sample((time.perf_counter() - started) * 1000, size, 0)

    steps.setdefault("statement (PDF) download", StepResult()).add(statement)


def _desk_steps(page: Any, counter: FrameCounter, titles: dict, code: str, steps: dict) -> None:
    goto(page, counter, titles, "Families", steps)
    box = page.get_by_label("Search by family, guardian or student name", exact=False)
    for query in ("Garcia", "garc"):  # two values: each Enter is a change, so a rerun

        def search(q: str = query) -> Sample:
            box.fill(q)
            return _timed(counter, lambda: box.press("Enter"), page.get_by_text("Garcia").first)

        steps.setdefault("family search", StepResult()).add(search)
    goto(page, counter, titles, "Rosters and check-in", steps)
    scan = page.get_by_label("Check in: scan or type a student's QR code")

    def check_in() -> Sample:
        scan.fill(code)
        return _timed(counter, lambda: scan.press("Enter"), heading(page, "Rosters and check-in"))

    steps.setdefault("check-in scan", StepResult()).add(check_in)
    goto(page, counter, titles, "Attendance analytics", steps)
    for option in (1, 0):  # the second program, then "All" again

        def pick(index: int = option) -> Sample:
            page.get_by_role("combobox", name="Program").click()
            choice = page.get_by_role("option").nth(index)
            return _timed(counter, choice.click, heading(page, "Attendance analytics"))

        steps.setdefault("analytics: filter by program", StepResult()).add(pick)


def _pick_location(page: Any, counter: FrameCounter, name: str, steps: dict) -> None:
    """The location picker at the top of the page (a filter every staff page follows)."""

    def pick() -> Sample:
        page.keyboard.press("Escape")  # a list another step left open would cover the picker
        picker = page.get_by_test_id("stSelectbox").filter(
            has=page.get_by_text("Location", exact=True)
        )
        picker.get_by_role("button", name="Open").click()  # the input alone may not open it
        # The list draws only the options in view (50 locations at the franchise scale):
        # typing the name filters it, as a person would (untimed: no rerun until the choice)
        page.keyboard.type(name)
        choice = page.get_by_role("listbox").get_by_role("option", name=name, exact=True)
        return _timed(counter, choice.click, page.get_by_role("heading").first)

    steps.setdefault(f"location → {name}", StepResult()).add(pick)


def _checkin_code(database_url: str) -> str:
    """A check-in code for a student enrolled at the desk's location, signed as the app signs
    it (the scan is timed whatever the roster then says about that student)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from data.db import make_engine
    from data.demo.logins import STAFF_EMAIL
    from data.models import Enrollment, GymClass, Student, User, staff_locations
    from services.accounts.auth import build_actor
    from services.desk.checkin_codes import student_checkin_code

    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            desk = db.scalar(select(User).where(User.email == STAFF_EMAIL))
            student_id = db.scalar(
                select(Student.id)
                .join(Enrollment, Enrollment.student_id == Student.id)
                .join(GymClass, GymClass.id == Enrollment.class_id)
                .join(
                    staff_locations,
                    staff_locations.c.location_id == GymClass.location_id,
                )
                .where(staff_locations.c.user_id == desk.id, Student.is_active)
                .order_by(Student.id)
                .limit(1)
            )
            return student_checkin_code(db, build_actor(db, desk), int(student_id))
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    from bench import browser_report
    from bench.databases import sqlite_database

    parser = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--browser-reps", type=int, default=20)
    parser.add_argument("--viewports", default="laptop,phone")
    parser.add_argument("--roles", default="parent,staff,admin")
    parser.add_argument("--no-server", action="store_true", help="skip the real-clock load")
    parser.add_argument(
        "--no-postgres", action="store_true", help="skip the real-clock load on PostgreSQL"
    )
    parser.add_argument(
        "--pg-scale", default="small", help="the demo built into PostgreSQL for the load"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    os.environ.setdefault("CARTWHEEL_SECRET_KEY", secrets.token_hex(32))
    for key in [k for k in os.environ if k.startswith("CARTWHEEL_STRIPE_")]:
        del os.environ[key]
    os.chdir(ROOT)
    db = sqlite_database(args.scale, log=print)
    results = browser_report.header(args.scale, args.browser_reps)
    results["browser"] = run_browser(
        db.url,
        CACHE / "logs",
        reps=args.browser_reps,
        viewports=tuple(v for v in args.viewports.split(",") if v),
        roles=tuple(r for r in args.roles.split(",") if r),
    )
    if not args.no_server:
        from bench.server_unpinned import run_unpinned, run_unpinned_postgres

        results["server_unpinned"] = {"scale": args.scale, **run_unpinned(db.url, CACHE / "logs")}
        if not args.no_postgres:
            pg = run_unpinned_postgres(args.pg_scale, CACHE / "logs")
            results["server_unpinned_postgresql"] = pg
    for path in browser_report.write(results, args.output):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
