"""`polyrank-sim demo` end to end on a small world: the README's first command, minus set-up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from typer.testing import CliRunner

from polyrank.sim.cli import app


def small_demo_args(tmp_path) -> list[str]:
    return ["demo", "--world", str(tmp_path / "world"), "--wallets", "150", "--markets", "60",
            "--store", f"chdb://{tmp_path / 'store'}", "--runtime-dir", str(tmp_path / "rt")]


def test_demo_loads_computes_and_prints_the_omega_leaderboard(tmp_path):
    args = [*small_demo_args(tmp_path), "--no-serve"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "150 wallets done, 0 failed" in first.stdout
    assert "Omega leaderboard" in first.stdout and "metrics: run" in first.stdout
    again = CliRunner().invoke(app, args)          # reuses the world; the load resumes
    assert again.exit_code == 0, again.output
    assert "150 already done; 0 new fills" in again.stdout


def test_demo_serves_the_page_and_api_at_the_url_it_prints(tmp_path):
    """As `make demo` runs it: the URL is printed, its leaderboard is the printed top 10."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "polyrank.sim", *small_demo_args(tmp_path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "COLUMNS": "200"})
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, "demo ended before serving: " + "".join(lines)
            lines.append(line)
            if (found := re.search(r"Leaderboard: (http://\S+)/", line)):
                break
        url = found.group(1)
        printed = re.findall(r"0x[0-9a-f]{40}", "".join(lines))
        with urllib.request.urlopen(f"{url}/api/omega/leaderboard?limit=10") as res:
            board = json.load(res)
        assert [r["wallet"] for r in board["rows"]] == printed[:10]
        with urllib.request.urlopen(f"{url}/healthz") as res:
            assert json.load(res) == {"ok": True}
    finally:
        proc.terminate()   # SIGTERM: SIGINT may be ignored in a background job
        proc.wait(30)


def test_ctrl_c_stops_make_demo_cleanly(tmp_path):
    """Ctrl-C on a terminal while `make demo` serves stops the demo and make without an
    error: the demo owns the terminal's foreground, so make never sees the interrupt."""
    import pty
    import select
    import shlex

    command = shlex.join([sys.executable, "-m", "polyrank.sim", *small_demo_args(tmp_path),
                          "--port", "0"])
    (tmp_path / "Makefile").write_text(f"demo:\n\t{command}\n")
    pid, fd = pty.fork()
    if pid == 0:  # the child: make on a terminal of its own, as a person runs it
        os.chdir(tmp_path)
        os.execvp("make", ["make", "--no-print-directory", "demo"])
    seen, deadline = b"", time.monotonic() + 240

    def read_until(marker: bytes | None) -> None:
        nonlocal seen
        while time.monotonic() < deadline and (marker is None or marker not in seen):
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:   # the terminal closed: everyone exited
                    return
                if not chunk:
                    return
                seen += chunk

    read_until(b"Ctrl-C stops")     # the last line printed once the demo serves its board
    assert b"Ctrl-C stops" in seen, seen.decode(errors="replace")[-2000:]
    os.write(fd, b"\x03")           # Ctrl-C, as typed
    read_until(None)
    _, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    assert "Interrupt" not in text and "Error" not in text, text[-2000:]
