"""Running a coroutine from a test when the main thread may already run an event loop
(Playwright's session-wide browser in tests/browser keeps one there when the whole suite
runs, and asyncio.run refuses to start inside it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def run_in_own_loop(coroutine_function: Callable[[], Awaitable[T]], *, timeout: float) -> T:
    """asyncio.run of `coroutine_function()` in a thread of its own, waiting up to `timeout`."""

    async def main() -> T:
        return await coroutine_function()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result(timeout=timeout)
