"""Sync calls over async work, from a plain script and from inside a running event loop."""

from __future__ import annotations

import asyncio
import threading

from polyrank.blocking import run_sync


async def _where() -> tuple[str, int]:
    await asyncio.sleep(0)
    return threading.current_thread().name, 42


def test_run_sync_without_a_loop_runs_here():
    name, value = run_sync(_where())
    assert value == 42 and name == threading.current_thread().name


def test_run_sync_inside_a_running_loop_runs_on_a_worker_thread():
    async def cell():
        asyncio.get_running_loop()
        return run_sync(_where())  # asyncio.run here would raise RuntimeError

    name, value = asyncio.run(cell())
    assert value == 42 and name.startswith("polyrank-sync")
