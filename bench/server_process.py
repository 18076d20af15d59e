"""A real `streamlit run app.py` on 127.0.0.1 for the server benchmarks: start it, read its
memory and CPU from /proc, count the warnings it logged, stop it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.databases import BENCH_NOW
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_ms: float  # from launch until /healthz answered

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(
    database_url: str,
    log: Path,
    *options: str,
    pin_clock: bool = True,
    script: str = "app.py",
    env: dict[str, str] | None = None,
) -> Server:
    """`streamlit run app.py` (or `script`) on 127.0.0.1, by default with the clock pinned to
    the benchmark's now; `pin_clock=False` runs on the real clock, as in production. `env`
    adds variables (the Stripe settings of the payment step). No scheduled jobs."""
    port = free_port()
    environment = {
        **os.environ,
        # the scheduled jobs stay off, as in the browser tests: on the real clock a server
        # started on a later day than the demo's would post tuition, close enrollments and
        # expire tokens at start-up, in the cached database and under the measured load
        "CARTWHEEL_JOBS_IN_APP": "0",
        **(env or {}),
        "CARTWHEEL_DATABASE_URL": database_url,
        "CARTWHEEL_SECRET_KEY": os.environ.get("CARTWHEEL_SECRET_KEY") or secrets.token_hex(32),
        "PYTHONUNBUFFERED": "1",
    }
    if pin_clock:
        environment["CARTWHEEL_FROZEN_NOW"] = BENCH_NOW.isoformat()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", *options,
    ]  # fmt: skip
    started = time.perf_counter()
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        command, cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", process, log, "streamlit", 90)
    except BaseException:  # not started, or interrupted while starting: leave no server behind
        process.kill()
        raise
    return Server(process, port, log, (time.perf_counter() - started) * 1000)


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, what: str, seconds: float
) -> None:
    """Until `url` answers 200; the end of `log` in the error if `process` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not become healthy:\n{log.read_text()[-3000:]}")


def log_warnings(log: Path, since: int) -> dict[str, int]:
    """Warning and error lines the server logged after byte `since`, counted by text."""
    text = log.read_bytes()[since:].decode(errors="replace")
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if "WARNING" in line or "ERROR" in line or "database is locked" in line:
            found[line.split(" - ", 1)[-1].strip()[:300]] += 1
    return dict(found)
