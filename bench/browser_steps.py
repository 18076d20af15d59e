"""Timing one click in real Chromium: from the click until Streamlit has finished the run it
started and the element the person is waiting for is visible.

Websocket frames are counted from the browser's side (Playwright's `framereceived`) and each
one is parsed as a Streamlit ForwardMsg, so "the run finished" is the server's own
`script_finished` message, not a guess from the DOM (a fast run can start and end between two
DOM polls). A step's result: milliseconds, bytes and messages the server sent for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.timing import percentile

IDLE = '[data-test-script-state="notRunning"]'
POLL_MS = 5  # how often the frame counter is looked at while a run is on
STEP_TIMEOUT_S = 20.0
DONE = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY


class FrameCounter:
    """Every websocket frame the page receives: count, bytes, finished runs."""

    def __init__(self, page: Any) -> None:  # a playwright Page
        self.page = page
        self.frames = 0
        self.bytes = 0
        self.finished = 0
        page.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        ws.on("framereceived", self._received)

    def _received(self, payload: bytes | str) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        self.frames += 1
        self.bytes += len(data)
        message = ForwardMsg()
        try:
            message.ParseFromString(data)
        except Exception:  # a frame that is not a ForwardMsg is only counted
            return
        if message.WhichOneof("type") == "script_finished" and message.script_finished == DONE:
            self.finished += 1

    def snapshot(self) -> tuple[int, int, int]:
        return self.frames, self.bytes, self.finished

    def wait_for_run(self, since_finished: int, deadline: float) -> None:
        """Until a run has finished successfully after the snapshot `since_finished`."""
        while self.finished <= since_finished:
            if time.monotonic() > deadline:
                raise TimeoutError("no script_finished message from the server")
            self.page.wait_for_timeout(POLL_MS)


@dataclass(frozen=True)
class Sample:
    ms: float
    bytes: int
    messages: int


def timed(
    counter: FrameCounter,
    action: Callable[[], None],
    ready: Any,  # a playwright Locator: what the person waits to see
    *,
    wait_run: bool = True,
) -> Sample:
    """Do `action`, then wait for the run it started to finish and `ready` to be visible."""
    page = counter.page
    frames, size, finished = counter.snapshot()
    started = time.perf_counter()
    deadline = time.monotonic() + STEP_TIMEOUT_S
    action()
    if wait_run:
        counter.wait_for_run(finished, deadline)
    ready.wait_for(state="visible", timeout=STEP_TIMEOUT_S * 1000)
    page.wait_for_selector(IDLE, state="attached", timeout=STEP_TIMEOUT_S * 1000)
    ms = (time.perf_counter() - started) * 1000
    return Sample(ms, counter.bytes - size, counter.frames - frames)


def describe(failed: Exception) -> str:
    """An error's type and the first line of its message (Playwright's run to many lines)."""
    first = (str(failed).splitlines() or [""])[0]
    return f"{type(failed).__name__}: {first[:300]}"


@dataclass
class StepResult:
    """All the repetitions of one step; errors keep their exact messages."""

    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str = ""  # why the step was not measured

    def add(self, measure: Callable[[], Sample]) -> None:
        try:
            self.samples.append(measure())
        except Exception as failed:  # recorded with its message, not hidden
            self.errors.append(describe(failed))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": len(self.samples), "errors": len(self.errors)}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.errors:
            out["error_messages"] = sorted(set(self.errors))
        if self.samples:
            ms = [s.ms for s in self.samples]
            out |= {
                "median_ms": round(percentile(ms, 50), 1),
                "p95_ms": round(percentile(ms, 95), 1),
                "max_ms": round(max(ms), 1),
                "bytes_per_rerun": round(percentile([s.bytes for s in self.samples], 50)),
                "messages_per_rerun": round(percentile([s.messages for s in self.samples], 50)),
            }
        return out


class ColdLoad:
    """A first visit with an empty cache: every request and its bytes on the wire."""

    def __init__(self, page: Any) -> None:
        self.requests = 0
        self.bytes = 0
        page.on("requestfinished", self.finished)

    def finished(self, request: Any) -> None:
        self.requests += 1
        sizes = request.sizes()
        self.bytes += int(sizes.get("responseBodySize", 0)) + int(
            sizes.get("responseHeadersSize", 0)
        )


PAINT_JS = """() => Object.fromEntries(
  performance.getEntriesByType('paint').map(e => [e.name, e.startTime]))"""


def cold_load(page: Any, url: str, ready: Any) -> dict[str, float]:
    """Open `url` in a fresh context: ms until `ready` is visible and Streamlit idle, first
    paint and first contentful paint (Paint Timing API), requests and bytes."""
    seen = ColdLoad(page)
    started = time.perf_counter()
    page.goto(url)
    ready.wait_for(state="visible", timeout=STEP_TIMEOUT_S * 1000)
    page.wait_for_selector(IDLE, state="attached", timeout=STEP_TIMEOUT_S * 1000)
    ms = (time.perf_counter() - started) * 1000
    page.remove_listener("requestfinished", seen.finished)  # the first visit only
    paints = page.evaluate(PAINT_JS)
    return {
        "ready_ms": ms,
        "first_paint_ms": float(paints.get("first-paint", 0.0)),
        "first_contentful_paint_ms": float(paints.get("first-contentful-paint", 0.0)),
        "requests": float(seen.requests),
        "bytes": float(seen.bytes),
    }


def summarise_cold(loads: list[dict[str, float]], errors: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(loads), "errors": len(errors)}
    if errors:
        out["error_messages"] = sorted(set(errors))
    for key in loads[0] if loads else ():
        values = [load[key] for load in loads]
        out[f"{key}_median"] = round(percentile(values, 50), 1)
        out[f"{key}_p95"] = round(percentile(values, 95), 1)
    return out
