"""The README's Python example, verbatim, against the replay server over a generated world:
once in a plain interpreter and once from inside a running event loop (as in Jupyter). The
example reads its hosts and store from POLYRANK_* variables, so only the environment differs
from a run against the real services."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from polyrank.runtime_files import read_job
from polyrank.sim.replay import ReplayServer
from polyrank.sim.world import WorldParams, generate_world

ROOT = Path(__file__).resolve().parents[2]
IN_A_RUNNING_LOOP = '''
import asyncio

async def notebook_cell():
    asyncio.get_running_loop()   # the example below runs where a loop is already running
    exec(compile(EXAMPLE, "README.md", "exec"), {"__name__": "__main__"})

asyncio.run(notebook_cell())
'''


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## From Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    generate_world(root / "world", WorldParams(seed=11, wallets=50, markets=80, fills=13_000,
                                               start="2025-03-01", end="2026-04-20"))
    with ReplayServer(root / "world") as server:
        yield root / "world", server.url


@pytest.mark.parametrize("where", ["plain", "running-loop"])
def test_the_readme_example_runs_verbatim(world, tmp_path, where):
    world_dir, url = world
    example = readme_example()
    assert "polyrank.open()" in example and "pr.ingest(" in example
    (tmp_path / "wallets.txt").write_text((world_dir / "wallets.txt").read_text())
    code = example if where == "plain" else f"EXAMPLE = {example!r}\n{IN_A_RUNNING_LOOP}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLYRANK_")}
    env.update(POLYRANK_STORE_DSN=f"chdb://{tmp_path / 'store'}",
               POLYRANK_RUNTIME_DIR=str(tmp_path / "runtime"), POLYRANK_GOLDSKY_URL=url,
               POLYRANK_GAMMA_URL=url, POLYRANK_DATA_API_URL=url)
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    board = [line.split() for line in lines if re.match(r"^\d+ 0x[0-9a-f]{40} ", line)]
    assert board and [int(r[0]) for r in board] == list(range(1, len(board) + 1))
    assert lines[-1] == "ready"

    # what it printed is the store's leaderboard
    import polyrank

    with polyrank.open(f"chdb://{tmp_path / 'store'}") as pr:
        top = pr.leaderboard(limit=5).rows
        assert [r[1] for r in board] == [r["wallet"] for r in top]
        assert pr.fills_loaded() > 0 and pr.status().stage == "ready"
    # the front door's metrics run published its steps for `polyrank status`; the last
    # record is of the run that finished, every statement done
    job = read_job(tmp_path / "runtime")
    assert job is not None and job["job"] == "metrics" and job["pid"] != os.getpid()
    assert (job["running"], job["alive"], job["step"]) == (False, False, "metrics: publish")
    assert job["done"] == job["total"] > 10 and "error" not in job
