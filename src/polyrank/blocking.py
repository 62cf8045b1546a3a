"""Sync calls over async work that also run where an event loop is already running (a
Jupyter notebook, an async web handler): there the coroutine runs to completion on a worker
thread with a loop of its own, instead of failing as `asyncio.run` would."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion and return its result, from any calling context."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1, thread_name_prefix="polyrank-sync") as pool:
        return pool.submit(asyncio.run, coro).result()
