"""The browser bench's later parts: Make Payment → receipt as one row and its parts, the
real-clock load on PostgreSQL in the report and verdicts, and the cold load through Caddy
(its Caddyfile, a real Caddy compressing in front of a real server, and the run going on
without Caddy)."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from bench import browser_proxy, browser_report
from bench.browser import EMPTY_APP, _entered
from bench.browser_payment import WHOLE, whole_payment
from bench.browser_proxy import caddy_proxy, caddyfile
from bench.browser_steps import Sample, StepResult
from bench.server_process import start_server


def _level(sessions: int, errors: int = 0, warnings: int = 0) -> dict:
    return {
        "sessions": sessions, "reruns_per_second": 61.0, "p50_ms": 150.0, "p95_ms": 400.0,
        "errors": errors, "error_messages": {"OperationalError: x": errors} if errors else {},
        "server_log_warnings": {"could not refresh": warnings} if warnings else {},
    }  # fmt: skip


def test_a_payment_is_its_three_clicks_added_up() -> None:
    whole = whole_payment([Sample(100.0, 10, 1), Sample(150.0, 20, 2), Sample(200.0, 30, 3)])
    assert whole == Sample(450.0, 60, 6)


def test_the_payment_journey_is_not_judged_as_one_click() -> None:
    steps = {
        "nav: Billing": StepResult(samples=[Sample(250.0, 1000, 5)]).as_dict(),
        WHOLE: StepResult(samples=[Sample(600.0, 3000, 15)]).as_dict(),
    }
    results = {"scale": "small", "browser": {"viewports": {"laptop": {"parent": {"steps": steps}}}}}
    verdicts = {t["metric"]: t for t in browser_report.evaluate(results)}
    parent = verdicts["parent steps p95 (small, laptop)"]
    assert parent["met"] is True and "nav: Billing" in parent["measured"]
    failed = {**steps, WHOLE: StepResult(errors=["TimeoutError: no receipt"]).as_dict()}
    results["browser"]["viewports"]["laptop"]["parent"]["steps"] = failed
    verdicts = {t["metric"]: t for t in browser_report.evaluate(results)}
    assert verdicts["parent steps p95 (small, laptop)"]["met"] is False  # its errors count


def test_postgresql_load_has_its_own_verdicts_and_table(tmp_path: Path) -> None:
    results = {
        **browser_report.header("small", 2),
        "server_unpinned": {"scale": "small", "backend": "SQLite", "levels": [_level(50)]},
        "server_unpinned_postgresql": {
            "scale": "small",
            "backend": "PostgreSQL",
            "levels": [_level(10), _level(50, errors=2, warnings=1)],
        },
    }
    verdicts = {t["metric"]: t["met"] for t in browser_report.evaluate(results)}
    assert verdicts["50 continuous parent sessions, real clock (SQLite, small)"] is True
    assert verdicts["10 continuous parent sessions, real clock (PostgreSQL, small)"] is True
    assert verdicts["50 continuous parent sessions, real clock (PostgreSQL, small)"] is False
    browser_report.write(results, tmp_path)
    text = (tmp_path / "browser-latest.md").read_text()
    assert "## Server, real clock, PostgreSQL, small scale" in text
    assert "| 50 | 61.0 | 150.0 ms | 400.0 ms | 2 (OperationalError: x ×2) |" in text
    skipped = {"server_unpinned_postgresql": {"skipped": "PostgreSQL not available: no initdb"}}
    lines = browser_report.section(skipped, with_targets=False)
    assert "Server on the real clock (PostgreSQL) not measured: PostgreSQL not available" in (
        "\n".join(lines)
    )


def test_compression_table_and_saving() -> None:
    def cold(size: float, encodings: dict[str, int]) -> dict:
        keys = ("ready_ms", "first_contentful_paint_ms", "requests", "bytes")
        values = (1500.0, 950.0, 87.0, size)
        out = {f"{k}_{p}": v for k, v in zip(keys, values, strict=True) for p in ("median", "p95")}
        return {"n": 2, "errors": 0, **out, "encodings": encodings}

    found = {"direct": cold(2_800_000, {"none": 174}), "caddy": cold(1_200_000, {"zstd": 138})}
    assert browser_report.saving(found) == "2.8 MB → 1.2 MB (-57 %)"
    results = {"browser": {"viewports": {"laptop": {"compression": found}}}}
    text = "\n".join(browser_report.section(results, with_targets=False))
    assert "| through Caddy | 2 | 1500 / 1500 ms | 950 ms | 87 | 1172 KB | zstd 138 |" in text
    assert "Bytes on the wire, median: 2.8 MB → 1.2 MB (-57 %)." in text
    missing = {"browser": {"viewports": {"laptop": {"compression": {"skipped": "why"}}}}}
    assert "Compression through Caddy: why" in browser_report.section(missing)[-1]


def test_the_caddyfile_binds_loopback_compresses_and_proxies(tmp_path: Path) -> None:
    text = caddyfile(8500, 8501)
    assert "http://127.0.0.1:8500 {" in text and "\tbind 127.0.0.1\n" in text
    assert "\tencode zstd gzip\n" in text and "\treverse_proxy 127.0.0.1:8501\n" in text
    assert "admin off" in text and "auto_https off" in text  # no :2019 API, no :80/:443
    if shutil.which("caddy") is None:  # optional: the bench records "not measured" without it
        pytest.skip("caddy is not installed")
    config = tmp_path / "Caddyfile"
    config.write_text(text)
    adapted = subprocess.run(
        ["caddy", "adapt", "--config", str(config), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        check=True,
    )
    server = json.loads(adapted.stdout)["apps"]["http"]["servers"]["srv0"]
    assert server["listen"] == ["127.0.0.1:8500"]
    handlers = json.dumps(server["routes"])
    assert '"handler": "encode"' in handlers and '"zstd"' in handlers and '"gzip"' in handlers
    assert '"dial": "127.0.0.1:8501"' in handlers


def test_without_caddy_the_run_records_not_measured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(browser_proxy.shutil, "which", lambda name: None)
    with ExitStack() as servers:
        found = _entered(servers, caddy_proxy(8501, tmp_path))
    assert found == "not measured: caddy not installed (apt-get install caddy)"


@pytest.mark.timeout(90)
def test_caddy_compresses_in_front_of_a_real_server(tmp_path: Path) -> None:
    if shutil.which("caddy") is None:
        pytest.skip("caddy is not installed (optional: apt-get install caddy)")
    script = tmp_path / "empty_app.py"
    script.write_text(EMPTY_APP)
    database = f"sqlite:///{tmp_path / 'unused.db'}"
    server = start_server(database, tmp_path / "log", script=str(script))
    try:
        with caddy_proxy(server.port, tmp_path) as url:
            assert _encoding(url) == "gzip"
        assert _encoding(f"http://127.0.0.1:{server.port}") is None  # streamlit run: none
    finally:
        server.stop()


def _encoding(url: str) -> str | None:
    """The Content-Encoding of the app's page when the client accepts gzip."""
    asked = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310
    with urllib.request.urlopen(asked, timeout=10) as answer:  # noqa: S310
        return answer.headers["Content-Encoding"]


def test_make_bench_report_has_the_postgresql_load_and_its_verdicts(tmp_path: Path) -> None:
    from bench import report
    from tests.bench.test_harness import _results as bench_results

    results = bench_results(parent_ms=20, ledger_ms=1.5)
    results |= {
        "scales": ["small"],
        "browser": {"small": {"viewports": {}}},
        "server_unpinned_postgresql": {"scale": "small", "levels": [_level(50, errors=1)]},
    }
    report.write(results, tmp_path)
    text = (tmp_path / "latest.md").read_text()
    assert "## Server, real clock, PostgreSQL, small scale" in text
    row = "| 50 continuous parent sessions, real clock (PostgreSQL, small) | 0 errors"
    assert row in text and text.split(row, 1)[1].splitlines()[0].endswith("| **no** |")


def test_bench_servers_run_without_scheduled_jobs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On the real clock a server started after the demo's day would run the daily jobs at
    start-up (tuition, enrollments, tokens): in the cached database, under the load."""
    from bench import server_process

    started: list[dict[str, str]] = []

    class Exited:  # a server that stops at once: only its environment is looked at
        def __init__(self, command: list[str], **options: object) -> None:
            started.append(options["env"])  # type: ignore[arg-type]

        def poll(self) -> int:
            return 1

        def kill(self) -> None:
            pass

    monkeypatch.setattr(server_process.subprocess, "Popen", Exited)
    with pytest.raises(RuntimeError, match="streamlit exited early"):
        start_server("sqlite:///x.db", tmp_path / "log", pin_clock=False, env={"EXTRA": "1"})
    assert started[0]["CARTWHEEL_JOBS_IN_APP"] == "0" and started[0]["EXTRA"] == "1"
