"""API benchmark: requests/s and p50 / p99 latency of `polyrank serve` on loopback
for the leaderboard and wallet pages at several concurrencies, against a static /healthz as
the ceiling of the server stack on this machine.

    .venv/bin/python bench/api.py [--fills 1000000] [--concurrency 1 8 32] [--seconds 5]

A world is generated once under worlds/bench-api-<fills>/ (or --world-dir), loaded straight
into a fresh embedded store, enriched and computed in a child process; then `polyrank serve`
runs as its own process and this process drives it with asyncio (aiohttp, keep-alive, one
connection per concurrent client, closed loop: each client sends its next request when the
previous one is answered). Every non-2xx answer or failed request counts as an error.
Server and load generator share the machine's cores, so absolute figures move with whatever
else runs; the ratio to /healthz at the same concurrency is the figure to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from common import ensure_world, fresh_dir, load_world_into_store

HERE = Path(__file__).resolve().parent
BOARD = "/api/omega/leaderboard"
BOARDS = {  # label -> query
    "leaderboard (default)": "",
    "leaderboard 30d crypto by P&L": "?window=30d&category=crypto&sort=realized_pnl&min_bets=1"
                                     "&limit=50",
    "leaderboard roi asc, page 3": "?sort=roi&order=asc&min_bets=0&limit=100&offset=200",
}
WALLET_PAGES = ("", "/trades", "/positions", "/pnl")


def build_store(world: Path, dsn: str) -> dict:
    """Fills and catalogue straight into the store, then enrich + metrics (a child process:
    the store's folder is then free for the server)."""
    from polyrank.enrich.trades import enrich
    from polyrank.metrics.run import compute_metrics
    from polyrank.store import Store

    with Store.open(dsn) as store:
        fills = load_world_into_store(world, store)
        enrich(store)
        report = compute_metrics(store)
        floor = []   # one statement's round trip in the embedded engine, without HTTP
        for _ in range(200):
            t0 = time.perf_counter()
            store.scalar("SELECT 1")
            floor.append(time.perf_counter() - t0)
    return {"fills": fills, "wallets": report.wallets, "run_id": report.run_id,
            "select1_ms": sorted(floor)[len(floor) // 2] * 1000}


class Server:
    """`polyrank serve --port 0` in its own process; the URL is read from its banner."""

    def __init__(self, dsn: str, runtime_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "polyrank", "serve", "--port", "0", "--store", dsn,
             "--runtime-dir", str(runtime_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url, lines = None, []
        deadline = time.monotonic() + 120
        for line in self.proc.stderr:
            lines.append(line)
            if (found := re.search(r" on (http://127\.0\.0\.1:\d+)", line)):
                self.url = found.group(1)
                break
            if time.monotonic() > deadline:
                break
        if self.url is None:
            self.stop()
            raise SystemExit("polyrank serve did not start:\n" + "".join(lines)[-3000:])
        # keep draining its stderr so that the server never blocks on a full pipe
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()   # SIGTERM: SIGINT is ignored in a background job
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Cell:
    endpoint: str
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def drive(base: str, endpoint: str, paths: list[str], concurrency: int,
                seconds: float, warmup_s: float) -> Cell:
    """`concurrency` clients, each sending its next request when the previous one is answered,
    for `seconds` after `warmup_s` (not counted); paths are taken round-robin."""
    cell = Cell(endpoint, concurrency)
    rotation = itertools.cycle(paths)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup_s, start + warmup_s + seconds

        async def client() -> None:
            while (sent := time.perf_counter()) < stop_at:
                try:
                    async with session.get(next(rotation)) as res:
                        await res.read()
                        status = res.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status = type(exc).__name__
                done = time.perf_counter()
                if sent < measure_from:
                    continue
                if isinstance(status, int) and 200 <= status < 300:
                    cell.latencies.append(done - sent)
                else:
                    cell.errors[status] += 1

        await asyncio.gather(*(client() for _ in range(concurrency)))
        cell.seconds = time.perf_counter() - measure_from
    return cell


async def fetch_json(base: str, path: str) -> dict:
    async with aiohttp.ClientSession(base) as session, session.get(path) as res:
        res.raise_for_status()
        return await res.json()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, default=1_000_000, help="fills of the generated world")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-dir", type=Path, default=Path("worlds"))
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per cell")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per cell")
    ap.add_argument("--wallets", type=int, default=20,
                    help="wallets from the top of the leaderboard to rotate through")
    ap.add_argument("--build", nargs=2, metavar=("WORLD", "DSN"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        print(json.dumps(build_store(Path(args.build[0]), args.build[1])))
        return

    world = ensure_world(args.world_dir / f"bench-api-{args.fills}", seed=args.seed,
                         fills=args.fills)
    with fresh_dir("bench-api-") as tmp:
        dsn = f"chdb://{tmp / 'store'}"
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / "api.py"), "--build", str(world), dsn],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"building the store failed:\n{done.stderr[-3000:]}")
        built = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"world {world}: {built['fills']:,} fills, {built['wallets']:,} wallets with "
              f"metrics; store built in {time.perf_counter() - t0:.0f} s; one statement "
              f"(SELECT 1) takes {built['select1_ms']:.1f} ms in the embedded store")
        server = Server(dsn, tmp / "rt")
        try:
            run(server.url, args)
        finally:
            server.stop()


def run(base: str, args: argparse.Namespace) -> None:
    board = asyncio.run(fetch_json(base, f"{BOARD}?limit={args.wallets}"))
    wallets = [row["wallet"] for row in board["rows"]]
    if not wallets:
        raise SystemExit("the leaderboard is empty: nothing to ask the wallet pages about")
    endpoints = {"/healthz": ["/healthz"]}
    endpoints |= {label: [BOARD + query] for label, query in BOARDS.items()}
    endpoints |= {f"/api/wallets/{{addr}}{page}": [f"/api/wallets/{w}{page}" for w in wallets]
                  for page in WALLET_PAGES}
    print(f"polyrank serve at {base} (pid of this load generator {os.getpid()}, "
          f"{os.cpu_count()} cores shared); {args.seconds:g} s per cell after "
          f"{args.warmup:g} s warm-up; wallet pages rotate over the top {len(wallets)} wallets")
    cells: list[Cell] = []
    for concurrency in args.concurrency:
        for endpoint, paths in endpoints.items():
            cell = asyncio.run(drive(base, endpoint, paths, concurrency, args.seconds,
                                     args.warmup))
            cells.append(cell)
            print(f"  {endpoint:<34} c={concurrency:<3} {cell.rps:8.1f} req/s", flush=True)
    print_table(cells)


def print_table(cells: list[Cell]) -> None:
    ceiling = {c.concurrency: c.rps for c in cells if c.endpoint == "/healthz"}
    head = (f"{'endpoint':<34} {'conc':>4} {'answers':>7} {'req/s':>9} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'errors':>7}  {'vs healthz':>10}")
    print("\n" + head + "\n" + "-" * len(head))
    for c in cells:
        ratio = c.rps / ceiling[c.concurrency] if ceiling.get(c.concurrency) else float("nan")
        print(f"{c.endpoint:<34} {c.concurrency:>4} {len(c.latencies):>7} {c.rps:>9.1f} "
              f"{c.pct(0.50):>8.1f} "
              f"{c.pct(0.99):>8.1f} {sum(c.errors.values()):>7}  {ratio:>10.3f}")
    failed = [c for c in cells if c.errors]
    for c in failed:
        print(f"errors at {c.endpoint} c={c.concurrency}: "
              + ", ".join(f"{k}: {v}" for k, v in c.errors.most_common()))
    if not failed:
        print("no errors (every answer 2xx)")


if __name__ == "__main__":
    main()
