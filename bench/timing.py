"""A small timing harness: repeat a call, keep every sample, summarise as median and p95."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stats:
    """Samples in milliseconds."""

    samples: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def minimum(self) -> float:
        return min(self.samples)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "min_ms": round(self.minimum, 3),
        }


def percentile(samples: tuple[float, ...] | list[float], q: float) -> float:
    """The q-th percentile by linear interpolation between the nearest ranks."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def measure(
    call: Callable[[], object],
    *,
    repeat: int = 30,
    warmup: int = 2,
    max_seconds: float = 10.0,
    min_repeat: int = 5,
) -> Stats:
    """Time `call` `repeat` times after `warmup` untimed calls; stop early (after at least
    `min_repeat` samples) once `max_seconds` have gone by, so a slow call stays bounded."""
    for _ in range(warmup):
        call()
    samples: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        before = time.perf_counter()
        call()
        samples.append((time.perf_counter() - before) * 1000)
        if len(samples) >= min_repeat and time.perf_counter() - started > max_seconds:
            break
    return Stats(tuple(samples))


def once(call: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    before = time.perf_counter()
    result = call()
    return (time.perf_counter() - before) * 1000, result


def settle() -> None:
    """Collect garbage left by the previous measurement so it is not charged to the next."""
    gc.collect()
