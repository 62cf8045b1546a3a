"""`polyrank serve --pipeline`: one process loads the embedded store and serves the API, which
shows the loading progress first and the boards once the metrics run is complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.world import WorldParams, generate_world


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as res:
            return res.status, json.load(res)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def wait_for_url(log, proc) -> str:
    """The URL the server announces in its log (a file: a pipe left unread could fill up and
    block the server)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (found := re.search(r" on (http://127\.0\.0\.1:\d+) ", log.read_text())):
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no URL announced: {log.read_text()}")


def test_serve_with_pipeline_shows_progress_then_the_leaderboard(tmp_path):
    world = tmp_path / "world"
    generate_world(world, WorldParams(seed=3, wallets=120, markets=50, fills=8000,
                                      start="2025-03-01", end="2026-04-20"))
    # latency keeps the load going long enough to be watched
    log = tmp_path / "serve.log"
    with ReplayServer(world, faults=FaultConfig(latency_ms=40)) as replay:
        proc = subprocess.Popen(
            [sys.executable, "-m", "polyrank.cli", "serve", "--port", "0",
             "--pipeline", str(world / "wallets.txt"), "--workers", "2",
             "--rate-limit", "none", "--goldsky-url", replay.url, "--gamma-url", replay.url,
             "--data-api-url", replay.url, "--store", f"chdb://{tmp_path / 'store'}",
             "--runtime-dir", str(tmp_path / "rt")],
            stdout=subprocess.DEVNULL, stderr=log.open("w"))
        try:
            url = wait_for_url(log, proc)
            stages, progress, board = set(), [], None
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline and proc.poll() is None:
                _, status = get(f"{url}/api/status")
                stages.add(status["stage"])
                if status["ingest"]:
                    progress.append(status["ingest"]["wallets_position"])
                code, board = get(f"{url}/api/omega/leaderboard?min_bets=0")
                if code == 200:
                    break
                assert code == 503 and "not computed yet" in board["error"]
                time.sleep(0.2)
            assert code == 200, board
            assert board["total"] > 0 and board["rows"][0]["rank"] == 1
            assert stages & {"ingest", "catalogue"}, stages     # seen while loading
            assert progress and progress[-1] > 0
            assert get(f"{url}/healthz") == (200, {"ok": True})
        finally:
            proc.terminate()   # SIGTERM: SIGINT may be ignored in a background job
            proc.wait(30)
