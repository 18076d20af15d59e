"""`python -m bench`'s wiring of the issue-17 parts, with every measurement replaced by a stub:
the real-clock load runs on PostgreSQL while the run's cluster is up (the largest of
--pg-scales), then on SQLite after the browser part, and the flags that skip them do."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest

import bench.browser
import bench.server_unpinned
import tests.support.postgres
from bench import calibration, databases, pages, report, server_load, services
from bench.databases import BenchDatabase
from bench.timing import Stats


class _Cluster:
    stopped = False

    def stop(self) -> None:
        _Cluster.stopped = True


def _db(scale: str, backend: str) -> BenchDatabase:
    url = f"{backend}://{scale}"
    return BenchDatabase(scale, url, backend, False, 0.0, 0, 0, "2026-12-04")


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {"unpinned": [], "browser": []}
    main = importlib.import_module("bench.__main__")

    def unpinned(url: str, logs: Path, *, backend: str = "SQLite", **_: Any) -> dict:
        seen["unpinned"].append((url, backend, _Cluster.stopped))
        return {"backend": backend, "levels": []}

    def written(results: dict, folder: Path) -> list[Path]:
        seen["results"] = results
        return []

    stats = Stats((1.0,))
    monkeypatch.chdir(main.ROOT)  # main() moves there; the test leaves the process as it was
    monkeypatch.setenv("CARTWHEEL_SECRET_KEY", "x" * 64)
    for key in [k for k in os.environ if k.startswith("CARTWHEEL_STRIPE_")]:
        monkeypatch.delenv(key)
    monkeypatch.delenv("CARTWHEEL_FROZEN_NOW", raising=False)
    monkeypatch.setattr(calibration, "empty_app", lambda: stats)
    monkeypatch.setattr(databases, "sqlite_database", lambda s, **_: _db(s, "sqlite"))
    monkeypatch.setattr(databases, "postgres_database", lambda c, s, **_: _db(s, "postgresql"))
    monkeypatch.setattr(tests.support.postgres, "start_cluster", _Cluster)
    monkeypatch.setattr(main, "_pg_version", lambda cluster: "PostgreSQL 15")
    monkeypatch.setattr(main, "_ledger_sql", lambda url: stats)
    monkeypatch.setattr(services, "run_services", lambda url, **_: {})
    monkeypatch.setattr(pages, "run_pages", lambda url, **_: {})
    monkeypatch.setattr(server_load, "run_server_load", lambda url, logs, **_: {})
    monkeypatch.setattr(bench.browser, "run_browser", lambda url, logs, **_: seen["browser"])
    monkeypatch.setattr(bench.server_unpinned, "run_unpinned", unpinned)
    monkeypatch.setattr(report, "write", written)
    _Cluster.stopped = False
    seen["main"] = main.main
    return seen


def test_the_real_clock_load_runs_on_both_databases(stubbed: dict[str, Any]) -> None:
    stubbed["main"](["--scales", "small", "--pg-scales", "small"])
    assert stubbed["unpinned"] == [
        ("postgresql://small", "PostgreSQL", False),  # while the cluster is still up
        ("sqlite://small", "SQLite", True),
    ]
    results = stubbed["results"]
    assert results["server_unpinned_postgresql"] == {
        "scale": "small",
        "backend": "PostgreSQL",
        "levels": [],
    }
    assert results["server_unpinned"]["scale"] == "small"


@pytest.mark.parametrize("flag", ["--no-browser", "--no-server"])
def test_the_flags_skip_the_real_clock_load(stubbed: dict[str, Any], flag: str) -> None:
    stubbed["main"](["--scales", "small", "--pg-scales", "small", flag])
    assert stubbed["unpinned"] == []
    assert "server_unpinned_postgresql" not in stubbed["results"]
