"""API benchmark: requests/s and p50 / p99 latency of `polyrank serve` on loopback for every
cached route (the boards, the wallet pages, the markets pages, a 304 revalidation) at 1 and 8
clients side by side, against a static /healthz as the ceiling of the server stack on this
machine; and each route's cold latency (its first request, a cache miss that reads the store).

    .venv/bin/python bench/api.py [--fills 1000000] [--concurrency 1 8] [--seconds 5]

A world is generated once under worlds/bench-api-<fills>/ (or --world-dir), loaded straight
into a fresh embedded store, enriched and computed in a child process; then `polyrank serve`
runs as its own process and this process drives it with asyncio (aiohttp, keep-alive, one
connection per concurrent client, closed loop: each client sends its next request when the
previous one is answered). Every answer but a 2xx (or the 304 asked for) and every failed
request counts as an error. Before any load, each route's paths are asked once each, one at a
time: that first answer is computed from the store (cold); under load the answers come from
the server's per-run cache. Server and load generator share the machine's cores, so absolute
figures move with whatever else runs; the ratio to /healthz at the same concurrency is the
figure to compare.
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
OTHERS = {  # label -> path
    "/api/categories": "/api/categories",
    "/api/specialists": "/api/specialists",
    "/api/markets": "/api/markets",
    "/api/markets?sort=edge_gap": "/api/markets?sort=edge_gap&order=asc&limit=50",
}
REVALIDATE = "leaderboard If-None-Match (304)"


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


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def cold(base: str, paths: list[str]) -> list[float]:
    """Each path asked once, one at a time: the seconds of each first answer."""
    took = []
    async with aiohttp.ClientSession(base) as session:
        for path in paths:
            t0 = time.perf_counter()
            async with session.get(path) as res:
                await res.read()
                res.raise_for_status()
            took.append(time.perf_counter() - t0)
    return took


async def drive(base: str, endpoint: str, paths: list[str], concurrency: int,
                seconds: float, warmup_s: float, headers: dict | None = None) -> Cell:
    """`concurrency` clients, each sending its next request when the previous one is answered,
    for `seconds` after `warmup_s` (not counted); paths are taken round-robin. With `headers`
    (an If-None-Match) a 304 is the expected answer."""
    cell = Cell(endpoint, concurrency)
    expected = 304 if headers else 200
    rotation = itertools.cycle(paths)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        measure_from, stop_at = start + warmup_s, start + warmup_s + seconds

        async def client() -> None:
            while (sent := time.perf_counter()) < stop_at:
                try:
                    async with session.get(next(rotation), headers=headers) as res:
                        await res.read()
                        status = res.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status = type(exc).__name__
                done = time.perf_counter()
                if sent < measure_from:
                    continue
                if status == expected:
                    cell.latencies.append(done - sent)
                else:
                    cell.errors[status] += 1

        await asyncio.gather(*(client() for _ in range(concurrency)))
        cell.seconds = time.perf_counter() - measure_from
    return cell


async def fetch_json(base: str, path: str) -> tuple[dict, str]:
    """The answer and its ETag."""
    async with aiohttp.ClientSession(base) as session, session.get(path) as res:
        res.raise_for_status()
        return await res.json(), res.headers.get("ETag", "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, default=1_000_000, help="fills of the generated world")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-dir", type=Path, default=Path("worlds"))
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--seconds", type=float, default=5.0, help="measured seconds per cell")
    ap.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds per cell")
    ap.add_argument("--wallets", type=int, default=20,
                    help="wallets from the top of the leaderboard (and markets from the top "
                         "of the markets list) to rotate through")
    ap.add_argument("--store", help="serve this computed store (a DSN) instead of building "
                                    "one from the world")
    ap.add_argument("--build", nargs=2, metavar=("WORLD", "DSN"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        print(json.dumps(build_store(Path(args.build[0]), args.build[1])))
        return

    world = None if args.store else ensure_world(args.world_dir / f"bench-api-{args.fills}",
                                                 seed=args.seed, fills=args.fills)
    with fresh_dir("bench-api-") as tmp:
        dsn = args.store or f"chdb://{tmp / 'store'}"
        if args.store:
            print(f"serving the store {args.store} as it is")
        else:
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, str(HERE / "api.py"), "--build", str(world),
                                   dsn], capture_output=True, text=True, check=False)
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
    wallets = [row["wallet"] for row in
               asyncio.run(fetch_json(base, f"{BOARD}?limit={args.wallets}"))[0]["rows"]]
    markets = [row["market_id"] for row in
               asyncio.run(fetch_json(base, f"/api/markets?limit={args.wallets}"))[0]["rows"]]
    if not wallets or not markets:
        raise SystemExit("the leaderboard or the markets list is empty: nothing to ask about")
    endpoints = {"/healthz": ["/healthz"]}
    endpoints |= {label: [BOARD + query] for label, query in BOARDS.items()}
    endpoints |= {label: [path] for label, path in OTHERS.items()}
    endpoints |= {f"/api/wallets/{{addr}}{page}": [f"/api/wallets/{w}{page}" for w in wallets]
                  for page in WALLET_PAGES}
    endpoints["/api/markets/{id}"] = [f"/api/markets/{m}" for m in markets]
    print(f"polyrank serve at {base} (pid of this load generator {os.getpid()}, "
          f"{os.cpu_count()} cores shared); {args.seconds:g} s per cell after "
          f"{args.warmup:g} s warm-up; wallet and market pages rotate over the top "
          f"{len(wallets)} wallets and {len(markets)} markets")
    colds = {endpoint: asyncio.run(cold(base, paths)) for endpoint, paths in endpoints.items()
             if endpoint != "/healthz"}
    tag = asyncio.run(fetch_json(base, BOARD))[1]
    endpoints[REVALIDATE] = [BOARD]
    cells: list[Cell] = []
    for concurrency in args.concurrency:
        for endpoint, paths in endpoints.items():
            headers = {"If-None-Match": tag} if endpoint == REVALIDATE else None
            cell = asyncio.run(drive(base, endpoint, paths, concurrency, args.seconds,
                                     args.warmup, headers))
            cells.append(cell)
            print(f"  {endpoint:<34} c={concurrency:<3} {cell.rps:8.1f} req/s", flush=True)
    print_table(cells, colds)


def print_table(cells: list[Cell], colds: dict[str, list[float]]) -> None:
    """One row per endpoint: its cold first answers (p50 and max over its paths), then per
    concurrency req/s, p50, p99 and the ratio to /healthz."""
    ceiling = {c.concurrency: c.rps for c in cells if c.endpoint == "/healthz"}
    levels = sorted(ceiling)
    by = {(c.endpoint, c.concurrency): c for c in cells}
    head = f"{'endpoint':<34} {'cold p50':>8} {'cold max':>8}" + "".join(
        f" | c={n:<3} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'xhealthz':>8}" for n in levels)
    print("\n" + head + "\n" + "-" * len(head))
    for endpoint in dict.fromkeys(c.endpoint for c in cells):
        took = colds.get(endpoint, [])
        line = f"{endpoint:<34} {pct(took, 0.5):>8.1f} {pct(took, 1.0):>8.1f}"
        for n in levels:
            c = by[(endpoint, n)]
            line += (f" |       {c.rps:>7.0f} {pct(c.latencies, 0.5):>7.1f} "
                     f"{pct(c.latencies, 0.99):>7.1f} {c.rps / ceiling[n]:>8.2f}")
        print(line)
    print("cold: each path's first answer in ms, before any load (a cache miss: computed from "
          "the store); the rest: answers from the cache")
    failed = [c for c in cells if c.errors]
    for c in failed:
        print(f"errors at {c.endpoint} c={c.concurrency}: "
              + ", ".join(f"{k}: {v}" for k, v in c.errors.most_common()))
    if not failed:
        print("no errors (every answer 2xx, or the 304 asked for)")


if __name__ == "__main__":
    main()
