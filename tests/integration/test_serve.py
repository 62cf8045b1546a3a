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

import pytest

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
             "--pipeline", "--wallets", str(world / "wallets.txt"), "--workers", "2",
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


def test_serve_pipeline_without_wallets_loads_the_registry_or_says_it_is_empty(tmp_path):
    """Without --wallets, `serve --pipeline` runs over the store's registry: an empty one is
    a clear error (exit 1, what to run first), never an empty load; --wallets alone is
    refused."""
    base = [sys.executable, "-m", "polyrank.cli", "serve", "--port", "0", "--store",
            f"chdb://{tmp_path / 'store'}", "--runtime-dir", str(tmp_path / "rt"),
            "--goldsky-url", "http://127.0.0.1:9", "--gamma-url", "http://127.0.0.1:9",
            "--data-api-url", "http://127.0.0.1:9"]
    done = subprocess.run([*base, "--pipeline"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "registry is empty" in done.stderr and "polyrank discover" in done.stderr
    alone = subprocess.run([*base, "--wallets", str(tmp_path / "w.txt")], capture_output=True,
                           text=True, timeout=120)
    assert alone.returncode == 1 and "--wallets goes with --pipeline" in alone.stderr


def test_an_address_that_cannot_be_had_says_why(tmp_path):
    """`serve` on a port another process holds, on a host that is no address of this machine
    or on a port out of range exits with one line that says which and why — no traceback, and
    never a server on another port (the resolver would take 99999 for 34463)."""
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    held = holder.getsockname()[1]
    base = [sys.executable, "-m", "polyrank.cli", "serve", "--store",
            f"chdb://{tmp_path / 'store'}", "--runtime-dir", str(tmp_path / "rt")]
    try:
        for args, said, code in (
                (["--port", str(held)], f"cannot listen on 127.0.0.1:{held}: Address already "
                                        "in use", 1),
                (["--host", "10.255.255.1", "--port", "0"], "Cannot assign requested address",
                 1),
                (["--port", "99999"], "less than or equal to 65535", 2)):
            done = subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)
            assert done.returncode == code, done.stderr
            assert said in " ".join(done.stderr.split()), done.stderr
            assert "Traceback" not in done.stderr and "serving" not in done.stderr
    finally:
        holder.close()
    from polyrank.errors import PolyrankError
    from polyrank.serving import listening_socket

    for port in (99999, -1):
        with pytest.raises(PolyrankError, match=r"a port is 0 \(any free one\) to 65535"):
            listening_socket("127.0.0.1", port)
