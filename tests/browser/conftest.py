"""Browser journeys: a real `streamlit run app.py` on 127.0.0.1 driven by Debian's Chromium
through Playwright. Skipped where Chromium is missing, except in CI (then they fail)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import skip_or_fail
from tests.factories import TEST_SECRET_KEY
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class RunningApp:
    url: str
    database_url: str
    log: Path


def start_app(
    database_url: str,
    log: Path,
    extra_env: dict[str, str] | None = None,
    *,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """`port` when the caller must know the address before start (e.g. CARTWHEEL_BASE_URL).

    The server's scheduled jobs are off unless `extra_env` turns them on
    (CARTWHEEL_JOBS_IN_APP=1): the demo databases are built at the tests' fixed moment while
    the server runs on today's clock, so its daily jobs would post this month's tuition and
    change the balances a journey reads. Journeys that need the outbox sent turn them on."""
    port = port or free_port()
    env = {
        **os.environ,
        "CARTWHEEL_JOBS_IN_APP": "0",
        **(extra_env or {}),
        "CARTWHEEL_DATABASE_URL": database_url,
        "CARTWHEEL_SECRET_KEY": TEST_SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    handle = log.open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy:\n{log.read_text()}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """A fresh browser context per test; a screenshot is kept when the test fails."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")


def wait_for_cookie(page, name: str, timeout_s: float = 10) -> dict:  # type: ignore[no-untyped-def]
    """The browser's cookie `name` once it exists (the sign-in hand-off sets it shortly after)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for cookie in page.context.cookies():
            if cookie["name"] == name:
                return cookie
        page.wait_for_timeout(100)
    raise AssertionError(f"cookie {name!r} was never set")


def open_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Choose the page `name` in the navigation. From 768 px wide it is in the header, where
    staff pages sit in drop-down sections: open the one holding it first."""
    link = page.get_by_role("link", name=name, exact=True)
    sections = page.get_by_test_id("stTopNavSection")
    link.first.or_(sections.first).first.wait_for(state="attached")  # drawn after sign-in
    if not (link.count() and link.first.is_visible()):
        item = page.get_by_role("menuitem", name=name, exact=True)
        if _open_section_holding(page, sections, item):
            link = item
    link.first.click()
    wait_idle(page)


def _open_section_holding(page, sections, item) -> bool:  # type: ignore[no-untyped-def]
    """Open the header section whose menu holds `item`. The sections are counted afresh on
    each pass: right after sign-in the header may still be drawing its later sections."""
    popover = page.get_by_test_id("stTopNavPopover")
    for _ in range(3):
        for index in range(sections.count()):
            sections.nth(index).click()
            popover.first.wait_for()
            try:  # the popover's items are drawn a moment after it opens
                item.first.wait_for(timeout=5_000)
                return True
            except PlaywrightTimeoutError:
                page.keyboard.press("Escape")
                popover.first.wait_for(state="hidden")  # closed before the next one opens
        wait_idle(page)
    return False


def sign_in(page, base_url: str, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url)
    wait_idle(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_idle(page)


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app serving the small demo gym (built once for the browser tests)."""
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from data.demo import build_demo

    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'demo.db'}"
    build_demo(database_url, scale="small", seed=7)
    log = folder / "streamlit.log"
    process, url = start_app(database_url, log)
    try:
        yield RunningApp(url=url, database_url=database_url, log=log)
    finally:
        process.terminate()
        process.wait(timeout=20)
