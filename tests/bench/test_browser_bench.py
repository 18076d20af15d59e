"""The browser bench's own pieces: its statistics and verdicts, and one tiny real measurement
(an empty Streamlit app in Debian's Chromium: cold load and one timed rerun)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import browser_report
from bench.browser import CHROMIUM, CHROMIUM_ARGS, EMPTY_APP, VIEWPORTS, _empty_app
from bench.browser_steps import Sample, StepResult, summarise_cold
from bench.server_process import log_warnings, start_server
from tests.conftest import skip_or_fail


def _step(*ms: float, size: int = 1000) -> StepResult:
    return StepResult(samples=[Sample(m, size, 10) for m in ms])


def test_a_step_reports_median_p95_size_and_keeps_error_messages() -> None:
    result = _step(*[100.0] * 19, 500.0)
    result.add(lambda: (_ for _ in ()).throw(TimeoutError("Locator.wait_for: Timeout\nmore")))
    out = result.as_dict()
    assert (out["n"], out["median_ms"], out["p95_ms"]) == (20, 100.0, 120.0)
    assert out["bytes_per_rerun"] == 1000 and out["messages_per_rerun"] == 10
    assert out["errors"] == 1
    assert out["error_messages"] == ["TimeoutError: Locator.wait_for: Timeout"]


def test_cold_loads_are_summarised_per_measure() -> None:
    loads = [{"ready_ms": 100.0, "requests": 80.0}, {"ready_ms": 300.0, "requests": 80.0}]
    out = summarise_cold(loads, [])
    assert out["ready_ms_median"] == 200.0 and out["requests_p95"] == 80.0


def _results(parent_p95: float, staff_p95: float, rerun_kb: int, errors_at_50: int) -> dict:
    def steps(p95: float) -> dict:
        return {"nav: X": {**_step(p95, size=rerun_kb * 1024).as_dict()}}

    return {
        "scale": "small",
        "browser": {
            "viewports": {
                "laptop": {
                    "parent": {"steps": steps(parent_p95)},
                    "staff": {"steps": steps(staff_p95)},
                }
            }
        },
        "server_unpinned": {
            "levels": [
                {"sessions": 10, "reruns_per_second": 70, "p95_ms": 400, "errors": 0,
                 "error_messages": {}, "server_log_warnings": {}},
                {"sessions": 50, "reruns_per_second": 70, "p50_ms": 500, "p95_ms": 900,
                 "errors": errors_at_50,
                 "error_messages": {"RunFailed: x": errors_at_50} if errors_at_50 else {},
                 "server_log_warnings": {}},
            ]
        },
    }  # fmt: skip


def test_targets_met_and_missed() -> None:
    good = {t["metric"]: t["met"] for t in browser_report.evaluate(_results(250, 900, 100, 0))}
    assert good["parent steps p95 (small, laptop)"] is True
    assert good["staff steps p95 (small, laptop)"] is True
    assert good["staff bytes per rerun (small, laptop)"] is True
    assert good["50 continuous parent sessions, real clock (SQLite, small)"] is True
    bad = {t["metric"]: t["met"] for t in browser_report.evaluate(_results(350, 1100, 400, 3))}
    assert bad["parent steps p95 (small, laptop)"] is False
    assert bad["staff steps p95 (small, laptop)"] is False
    assert bad["staff bytes per rerun (small, laptop)"] is False
    assert bad["50 continuous parent sessions, real clock (SQLite, small)"] is False


def test_the_report_shows_each_step_and_error(tmp_path: Path) -> None:
    results = {**browser_report.header("small", 1), **_results(250, 900, 100, 3)}
    written = browser_report.write(results, tmp_path)
    assert [p.name for p in written][::2] == ["browser-latest.json", "browser-latest.md"]
    text = (tmp_path / "browser-latest.md").read_text()
    assert "| staff | nav: X | 1 | 900 ms | 900 ms | 100 KB, 10 msgs | 0 |" in text
    assert "| 50 | 70 | 500 ms | 900 ms | 3 (RunFailed: x ×3) | 0 |" in text


def test_server_warnings_are_counted_from_the_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text("old WARNING - before\n")
    start = log.stat().st_size
    with log.open("a") as handle:
        handle.write("2026 WARNING services.accounts.auth - could not refresh\n" * 2 + "ok\n")
    assert log_warnings(log, start) == {"could not refresh": 2}


@pytest.mark.timeout(90)
def test_one_tiny_measurement_of_the_empty_app(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        skip_or_fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    script = tmp_path / "empty_app.py"
    script.write_text(EMPTY_APP)
    server = start_server(
        f"sqlite:///{tmp_path / 'unused.db'}", tmp_path / "log", script=str(script)
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                out = _empty_app(browser, f"http://127.0.0.1:{server.port}", VIEWPORTS["phone"], 1)
            finally:
                browser.close()
    finally:
        server.stop()
    cold, rerun = out["cold_load"], out["steps"]["rerun"]
    assert cold["errors"] == 0 and cold["n"] == 1
    assert cold["requests_median"] > 5 and cold["bytes_median"] > 100_000  # Streamlit's bundle
    assert cold["first_contentful_paint_ms_median"] > 0
    assert rerun["n"] == 1 and rerun["errors"] == 0
    assert rerun["median_ms"] > 0 and rerun["messages_per_rerun"] >= 2  # deltas + finished


def test_make_bench_report_includes_the_browser_part(tmp_path: Path) -> None:
    from bench import report
    from tests.bench.test_harness import _results as bench_results

    results = bench_results(parent_ms=20, ledger_ms=1.5)
    part = _results(350, 900, 100, 0)
    results |= {"scales": ["small"], "browser": {"small": part["browser"]}}
    results["server_unpinned"] = part["server_unpinned"]
    report.write(results, tmp_path)
    text = (tmp_path / "latest.md").read_text()
    assert "# In the browser, small scale" in text
    assert "| parent steps p95 (small, laptop) | ≤ 300 ms, 0 errors |" in text
    assert "| 50 | 70 | 500 ms | 900 ms | 0 | 0 |" in text
