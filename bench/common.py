"""Shared benchmark plumbing: a replay server in its own process, a fresh store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replay_process(world: Path, *flags: str):
    """`polyrank replay serve` in a separate process (so it does not share our GIL)."""
    port_file = Path(tempfile.mkdtemp()) / "port"
    proc = subprocess.Popen([sys.executable, "-m", "polyrank", "replay", "serve", str(world),
                             "--port", "0", "--port-file", str(port_file), *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("replay server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text().strip()}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def replay_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_replay/stats", timeout=30) as resp:
        return json.loads(resp.read())


def replay_reset(url: str) -> None:
    urllib.request.urlopen(f"{url}/_replay/reset", timeout=30).read()


@contextmanager
def fresh_dir(prefix: str):
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def ensure_world(path: Path, **params) -> Path:
    from polyrank.world import WorldParams, generate_world

    if not (path / "world.json").exists():
        generate_world(path, WorldParams(**params))
    return path
