"""Ingest benchmark: is the upstream the bottleneck, and how much do batched
wallets save over one request per wallet? And what does the chain cost against the Data API?

    .venv/bin/python bench/ingest.py [--wallets 3000] [--limit 50/10] [--latency-ms 150]
                                     [--part {all,1,2,3,4,5}] [--batch-pages 20] ...

Part 1 — against the replay server (own process) with 150 ms latency and a 50 req / 10 s limit,
  the same wallets in fixed batches (--batch-wallets wallets a request, a wallet with
  --heavy-rows rows in a full page split off: the loader before sizing) and in sized batches
  (--batch-pages pages of expected rows, at most --max-wallets wallets), side by side: fills
  per request (every request) and per page of fills, the request rate against the limit over
  the whole run and after its first window (arrivals at the replay, per whole window after the
  first: free of the first window's burst and of the run's ragged end), fills/s against the
  ceiling (limit x 1,000 rows a page); then the same wallets one request per wallet, as the
  earlier loader this project replaced did; the ratio of the wall times.
Part 2 — no latency, no limit: fills/s of our own pipeline (fetch + decode + resolve + insert)
  with 10 workers, and the share of each stage from a 1-worker run.
Parts 1 and 2 load the orderbook subgraph's fills only (--no-data-api --no-activities): the
V2 source is per wallet and has its own host limit. Part 3 — the V2 source (Data API, fills
from 2026-04-28 on), no latency, no limit: Data API requests per wallet, V2 fills per request.
Part 4 — with latency and the limit, as part 1: the same wallets' fills and activities
(splits, merges, redemptions from the activity subgraph) against the fills-only load of
part 1: requests per wallet and wall time, side by side.
Part 5 — the chain vs the Data API, no latency, no limits (the client's or the replay's), each
load into a fresh store:
  (a) the same wallets' V2 era (fills and activities from the migration on: `since` =
  2026-04-28, so the orderbook subgraph is asked only for tokens and for V1 fills, finding
  none) through the Data API (no rpc_url) and through the chain (rpc_url = <replay>/rpc):
  HTTP requests per 1,000 wallets counted by the replay (rpc:*, data:*, goldsky:*), the
  JSON-RPC calls they carry (a batch of block headers is one request), wall time, fills
  loaded, V2 fills without fee (every Data API fill, no chain fill) and the stored V2 fills
  with a fee against the world's; the ratio chain / Data API of requests and wall time;
  (b) the chain load again against a provider capping eth_getLogs at 10,000 blocks (replay
  --rpc-max-block-range 10000; the client learns the cap from the refusals): requests per
  1,000 wallets and wall time, against (a);
  (c) the global tape: discover(sources=("chain",)) over the whole world on a fresh store:
  logs (fills seen) per second, requests, wallets found against the world's makers.
Part 5 alone:  .venv/bin/python bench/ingest.py --part 5   (--part N runs part N only)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import polyrank
from common import ensure_world, fresh_dir, replay_process, replay_reset, replay_stats
from polyrank.ingest.options import DEFAULT_BATCH_PAGES, DEFAULT_BATCH_WALLETS, IngestOptions
from polyrank.ingest.report import parse_rate
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.settings import V2_MIGRATION_TS, Settings
from polyrank.store import Store

PARTS = ("1", "2", "3", "4", "5")
#: Part 5: no client-side limit on any host
UNLIMITED = {"goldsky_limit": None, "data_limit": None, "rpc_limit": None}
#: Part 5 (b): a common provider cap on eth_getLogs' block range (QuickNode's)
RPC_RANGE_CAP = 10_000
V2_FEES_SQL = ("SELECT count(), countIf(fee > 0), sum(fee) FROM fills FINAL "
               "WHERE exchange_version = 2")


def settings_for(url: str, root: Path, rpc: bool = False) -> Settings:
    """The replay serving every host; with `rpc`, the chain source at its /rpc."""
    return Settings(store_dsn=f"chdb://{root / 'store'}", runtime_dir=root / "rt",
                    goldsky_url=url, gamma_url=url, data_api_url=url,
                    rpc_url=f"{url}/rpc" if rpc else "")


@contextmanager
def ingested(url: str, wallets: tuple[str, ...], rpc: bool = False,
             **options) -> Iterator[tuple[float, IngestReport, Store]]:
    """(wall s, report, store) of one ingest into a fresh store (gone on exit)."""
    with fresh_dir("bench-ingest-") as tmp:
        settings = settings_for(url, tmp, rpc)
        with Store.open(settings.store_dsn) as store:
            started = time.perf_counter()
            report = asyncio.run(Ingest(settings, store, IngestOptions(**options)).run(wallets))
            yield time.perf_counter() - started, report, store


def load(url: str, wallets: tuple[str, ...], **options) -> tuple[float, IngestReport]:
    with ingested(url, wallets, **options) as (wall, report, _):
        return wall, report


# -- parts 1 to 4 ----------------------------------------------------------------------------
def batching(args, sized: bool) -> dict:
    """The ingest options of part 1's two ways of batching."""
    if sized:
        return {"batch_pages": args.batch_pages, "batch_wallets": args.max_wallets}
    return {"batch_pages": None, "batch_wallets": args.batch_wallets,
            "heavy_rows": args.heavy_rows}


def fills_only_batched(url: str, wallets: tuple[str, ...], rate: tuple[int, float],
                       **batches) -> tuple[float, IngestReport, dict]:
    """Part 1's load (fills only, at the client limit): (wall s, report, stats)."""
    replay_reset(url)
    wall, rep = load(url, wallets, workers=10, goldsky_limit=rate, data_api=False,
                     activities=False, **batches)
    return wall, rep, replay_stats(url, times=True)


def after_first_window(arrivals: list[float], window: float) -> list[int]:
    """Requests that arrived in each whole window after the first ([W, 2W), [2W, 3W), ... up to
    the last arrival): the steady state, free of the first window's burst and of the run's
    ragged end."""
    whole = int(arrivals[-1] // window) if arrivals else 0
    counts = [0] * max(0, whole - 1)
    for t in arrivals:
        k = int(t // window)
        if 1 <= k < whole:
            counts[k - 1] += 1
    return counts


def show_part1(name: str, wall: float, rep: IngestReport, stats: dict,
               rate: tuple[int, float]) -> None:
    n, window = rate
    limit_rps, ceiling = n / window, n / window * 1000
    requests = stats["requests"]
    admissible = n * math.ceil(wall / window)
    arrivals = stats["timing"]["arrivals_s"]
    windows = after_first_window(arrivals, window)
    later = sum(1 for t in arrivals if t >= window)
    steady_s = arrivals[-1] - window
    v1 = rep.fills_fetched - rep.fills_v2
    print(f"\n[{name}, 10 workers]")
    print(f"  wall {wall:.1f} s, {requests} requests ({rep.fill_pages} pages of fills), "
          f"{stats['faults'].get('rate_limited', 0)} answered 429")
    print(f"  fills per request {rep.fills_fetched / requests:.0f} (goal >= 950); per page of "
          f"fills {v1 / max(rep.fill_pages, 1):.0f}")
    print(f"  whole run: {requests / wall:.2f} requests/s = {requests / wall / limit_rps:.2f} of "
          f"the limit; {requests} of the {admissible} it admits in that time = "
          f"{requests / admissible:.2f}")
    if windows:
        print(f"  after the first window: {', '.join(map(str, windows))} requests in the "
              f"whole {window:g} s window(s) = {sum(windows) / n / len(windows):.2f} of the "
              f"limit (goal >= 0.9); from {window:g} s to the last request {later} in "
              f"{steady_s:.1f} s = {later / steady_s / limit_rps:.2f}")
    else:
        print(f"  after the first window: {later} requests in {steady_s:.1f} s = "
              f"{later / steady_s / limit_rps:.2f} of the limit (goal >= 0.9; no whole "
              f"window after the first: a longer run, --wallets, measures it)")
    print(f"  fills/s {rep.fills_fetched / wall:.0f} = {rep.fills_fetched / wall / ceiling:.2f}"
          f" of the ceiling ({ceiling:.0f} fills/s)")


def part1(url: str, wallets: tuple[str, ...], args,
          rate: tuple[int, float]) -> tuple[float, dict]:
    """Fixed against sized batches, then one request per wallet, at the limit. Returns the
    sized load's (wall s, stats), part 4's reference."""
    fixed = fills_only_batched(url, wallets, rate, **batching(args, sized=False))
    show_part1(f"fixed batches ({args.batch_wallets} wallets a request, heavy at "
               f"{args.heavy_rows} rows of a page)", *fixed, rate)
    sized = fills_only_batched(url, wallets, rate, **batching(args, sized=True))
    show_part1(f"sized batches ({args.batch_pages} pages of expected rows, at most "
               f"{args.max_wallets} wallets)", *sized, rate)
    (f_wall, f_rep, f_stats), (s_wall, s_rep, s_stats) = fixed, sized
    print(f"\n  sized / fixed: requests {s_stats['requests'] / f_stats['requests']:.2f}, "
          f"wall {s_wall / f_wall:.2f}; fills {s_rep.fills_fetched} vs {f_rep.fills_fetched}")
    if not args.skip_baseline:
        replay_reset(url)
        base_wall, base = load(url, wallets, workers=10, goldsky_limit=rate, batch_wallets=1,
                               data_api=False, activities=False)
        base_stats = replay_stats(url)
        print("\n[one request per wallet, 10 workers — the earlier loader's way]")
        print(f"  wall {base_wall:.1f} s, {base_stats['requests']} requests, "
              f"fills per request {base.fills_fetched / base_stats['requests']:.0f}")
        print(f"  wall-time ratio one-per-wallet / sized batches = {base_wall / s_wall:.1f}x")
    return s_wall, s_stats


def part4(url: str, wallets: tuple[str, ...], args, rate: tuple[int, float],
          fills_only: tuple[float, dict] | None) -> None:
    """Fills and activities against part 1's fills-only load (run here without part 1)."""
    if fills_only is None:
        wall, _, stats = fills_only_batched(url, wallets, rate, **batching(args, sized=True))
    else:
        wall, stats = fills_only
    replay_reset(url)
    act_wall, act = load(url, wallets, workers=10, goldsky_limit=rate, data_api=False,
                         **batching(args, sized=True))
    act_stats = replay_stats(url)
    print("\n[fills + activities (activity subgraph), sized batches, 10 workers]")
    print(f"  {act.activities_fetched} activities with {act.fills_fetched} fills; "
          f"{act_stats['requests']} requests = {act_stats['requests'] / len(wallets):.3f} "
          f"per wallet vs {stats['requests'] / len(wallets):.3f} for fills only "
          f"({act_stats['requests'] / stats['requests']:.2f}x)")
    print(f"  wall {act_wall:.1f} s vs {wall:.1f} s for fills only ({act_wall / wall:.2f}x)")


def part2(url: str, wallets: tuple[str, ...]) -> None:
    """Our own pipeline's speed, no latency, no limit."""
    print("\n[no latency, no limit: our own pipeline]")
    wall10, rep10 = load(url, wallets, workers=10, goldsky_limit=None, data_api=False,
                         activities=False)
    print(f"  10 workers: {rep10.fills_fetched / wall10:.0f} fills/s "
          f"({rep10.fills_fetched} fills in {wall10:.1f} s)")
    wall1, rep1 = load(url, wallets, workers=1, goldsky_limit=None, data_api=False,
                       activities=False)
    stages = {k: v for k, v in rep1.stage_s.items() if v > 0}
    total = sum(stages.values())
    print(f"  1 worker: {rep1.fills_fetched / wall1:.0f} fills/s; share of time: "
          + ", ".join(f"{k} {v / total:.0%}" for k, v in sorted(stages.items())))


def part3(url: str, wallets: tuple[str, ...]) -> None:
    """The V2 source (Data API): requests per wallet, V2 fills per request."""
    replay_reset(url)
    print("\n[the V2 source: Data API /activity, per wallet, 10 workers]")
    wall, rep = load(url, wallets, workers=10, goldsky_limit=None, data_limit=None)
    pages = rep.data_api_requests
    print(f"  {rep.fills_v2} V2 fills of {rep.fills_fetched}; {pages} Data API requests "
          f"= {pages / len(wallets):.2f} per wallet, {rep.fills_v2 / max(pages, 1):.0f} "
          f"V2 fills per request (page 500); wall {wall:.1f} s for both sources")
    print(f"  at the default Data API limit (200 / 10 s) those requests take at least "
          f"{pages / 20:.0f} s")


# -- part 5: the chain vs the Data API ------------------------------------------------------
def by_service(stats: dict) -> Counter:
    """The replay's HTTP requests by service: the prefix of its route keys (`rpc:batch`,
    `rpc:eth_getLogs`, `data:/activity`, `goldsky:<subgraph>`, `gamma:/markets`, ...)."""
    out: Counter = Counter()
    for route, n in stats["by_path"].items():
        out[route.partition(":")[0]] += n
    return out


def per_1000(requests: Counter, wallets: int) -> str:
    total = sum(requests.values())
    parts = ", ".join(f"{k} {v * 1000 / wallets:.0f}" for k, v in sorted(requests.items()))
    return f"{total * 1000 / wallets:.0f} requests per 1,000 wallets ({parts})"


def rpc_calls(calls: dict[str, int]) -> str:
    """JSON-RPC calls by method (a batch's entries each counted: what providers bill)."""
    if not calls:
        return "no JSON-RPC calls"
    return f"{sum(calls.values())} JSON-RPC calls (" + ", ".join(
        f"{k} {v}" for k, v in sorted(calls.items())) + ")"


@dataclass
class V2Load:
    """One V2-era load into a fresh store."""

    wall: float
    requests: Counter  # HTTP requests the replay counted, by service
    calls: dict[str, int]  # JSON-RPC calls by method
    report: IngestReport
    stored: tuple[int, int, int]  # (V2 fills, of them with a fee, fee sum) in the store

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def world_v2(world: Path, wallets: tuple[str, ...]) -> tuple[int, int, int]:
    """(V2 fills, of them with a fee, fee sum) of the world whose maker is one of `wallets`:
    what a complete V2-era load holds."""
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "version", "fee"])
    v2 = fills.filter(pc.and_(pc.equal(fills["version"], 2),
                              pc.is_in(fills["maker"], value_set=pa.array(wallets))))
    return (v2.num_rows, pc.sum(pc.greater(v2["fee"], 0)).as_py() or 0,
            pc.sum(v2["fee"]).as_py() or 0)


def v2_load(url: str, wallets: tuple[str, ...], rpc: bool) -> V2Load:
    """The wallets' V2 era (fills and activities from the migration on) through the chain
    (`rpc`) or the Data API, 10 workers, no client limits."""
    replay_reset(url)
    with ingested(url, wallets, rpc=rpc, workers=10, since=V2_MIGRATION_TS, data_api=True,
                  **UNLIMITED) as (wall, report, store):
        stats = replay_stats(url)
        count, with_fee, fee_sum = store.rows(V2_FEES_SQL)[0]
    return V2Load(wall, by_service(stats), stats["rpc_methods"], report,
                  (count, with_fee, int(fee_sum or 0)))


def show_v2(name: str, run: V2Load, world: tuple[int, int, int], wallets: int) -> None:
    rep = run.report
    print(f"\n[{name}]")
    print(f"  {per_1000(run.requests, wallets)}; wall {run.wall:.1f} s")
    print(f"  {rpc_calls(run.calls)}")
    print(f"  {rep.fills_fetched} fills loaded ({rep.fills_v2} V2), {rep.activities_fetched} "
          f"activities; V2 fills without fee: {rep.fills_without_fee}; failed wallets "
          f"{len(rep.failed)}")
    print(f"  stored: {run.stored[0]} V2 fills of the world's {world[0]}; {run.stored[1]} with "
          f"a fee of the world's {world[1]}")
    print(f"          fee sum {run.stored[2]} of the world's {world[2]} (raw, 6 decimals)")


def chain_vs_data_api(url: str, world: Path, wallets: tuple[str, ...]) -> V2Load:
    """Part 5 (a). Returns the chain load, (b)'s reference."""
    expected = world_v2(world, wallets)
    data = v2_load(url, wallets, rpc=False)
    show_v2("(a) V2 era through the Data API, 10 workers", data, expected, len(wallets))
    chain = v2_load(url, wallets, rpc=True)
    show_v2("(a) V2 era through the chain (JSON-RPC), 10 workers", chain, expected,
            len(wallets))
    print(f"  chain / Data API: requests {chain.total / data.total:.3f}, wall "
          f"{chain.wall / data.wall:.2f}; fills {chain.report.fills_fetched} vs "
          f"{data.report.fills_fetched}")
    return chain


def range_capped(url: str, wallets: tuple[str, ...], uncapped: V2Load) -> None:
    """Part 5 (b): the chain load against a provider with a block-range cap (`url`)."""
    run = v2_load(url, wallets, rpc=True)
    print(f"\n[(b) the chain, eth_getLogs capped at {RPC_RANGE_CAP:,} blocks, 10 workers]")
    refused = run.report.http.get("failures", {}).get("range_too_large", 0)
    print(f"  {per_1000(run.requests, len(wallets))}; wall {run.wall:.1f} s")
    print(f"  {rpc_calls(run.calls)}, of them {refused} refused (range too large)")
    print(f"  {run.report.fills_fetched} fills (uncapped {uncapped.report.fills_fetched}), "
          f"failed wallets {len(run.report.failed)}; capped / uncapped: requests "
          f"{run.total / uncapped.total:.1f}x, wall {run.wall / uncapped.wall:.1f}x")


def global_tape(url: str, world: Path) -> None:
    """Part 5 (c): every maker of the world's OrderFilled logs, on a fresh store."""
    meta = json.loads((world / "world.json").read_text())
    makers = set(pq.read_table(world / "fills.parquet", columns=["maker"])
                 .column("maker").unique().to_pylist())
    replay_reset(url)
    with fresh_dir("bench-ingest-tape-") as tmp, \
            polyrank.open(settings=settings_for(url, tmp, rpc=True)) as pr:
        found = pr.discover(sources=("chain",), since=meta["start_ts"],
                            until=meta["end_ts"] + 1, rpc_limit=None)
        registry = set(pr.registry_wallets())
    stats = replay_stats(url)
    chain = found.sources["chain"]
    print(f"\n[(c) the global tape: discover(sources=('chain',)) over {chain.days} days]")
    print(f"  {chain.rows} fills seen in {found.seconds:.1f} s = "
          f"{chain.rows / found.seconds:.0f} logs/s")
    print(f"  {chain.requests} requests ({sum(by_service(stats).values())} counted by the "
          f"replay), {rpc_calls(stats['rpc_methods'])}")
    print(f"  {chain.wallets} wallets found of the world's {len(makers)} makers "
          f"({chain.wallets / len(makers):.3f}); the registry is the world's makers: "
          f"{registry == makers}")


def part5(world: Path, wallets: tuple[str, ...]) -> None:
    """The chain vs the Data API: (a) and (c) on a replay without caps, (b) on one with."""
    print("\n== Part 5: the chain vs the Data API (no latency, no limits) ==")
    with replay_process(world) as url, \
            replay_process(world, "--rpc-max-block-range", str(RPC_RANGE_CAP)) as capped_url:
        chain = chain_vs_data_api(url, world, wallets)
        range_capped(capped_url, wallets, chain)
        global_tape(url, world)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", type=Path, default=Path("worlds/bench-ingest"))
    ap.add_argument("--wallets", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--limit", default="50/10", help="upstream limit N/SECONDS")
    ap.add_argument("--latency-ms", type=float, default=150.0)
    ap.add_argument("--batch-wallets", type=int, default=100,
                    help="fixed batches: wallets a request (the loader before sizing)")
    ap.add_argument("--heavy-rows", type=int, default=200,
                    help="fixed batches: rows of one full page that split a wallet off")
    ap.add_argument("--batch-pages", type=int, default=DEFAULT_BATCH_PAGES,
                    help="sized batches: pages of expected rows a batch aims at")
    ap.add_argument("--max-wallets", type=int, default=DEFAULT_BATCH_WALLETS,
                    help="sized batches: most wallets in one request")
    ap.add_argument("--skip-baseline", action="store_true",
                    help="skip the one-request-per-wallet run (it takes wallets/rate seconds)")
    ap.add_argument("--part", choices=("all", *PARTS), default="all",
                    help="run one part only (default: all)")
    args = ap.parse_args()
    parts = set(PARTS) if args.part == "all" else {args.part}
    world = ensure_world(args.world, seed=args.seed, wallets=args.wallets)
    wallets = tuple((world / "wallets.txt").read_text().split())
    n, window = rate = parse_rate(args.limit)
    print(f"world {world}: {len(wallets)} wallets" + (
        f"; upstream limit {n} req / {window:g} s ({n / window:g} req/s), latency "
        f"{args.latency_ms:g} ms" if parts & {"1", "4"} else ""))

    if parts & {"1", "4"}:
        flags = ("--rate-limit", str(n), "--rate-window", str(window),
                 "--latency-ms", str(args.latency_ms))
        with replay_process(world, *flags) as url:
            fills_only = part1(url, wallets, args, rate) if "1" in parts else None
            if "4" in parts:
                part4(url, wallets, args, rate, fills_only)
    if parts & {"2", "3"}:
        with replay_process(world) as url:
            if "2" in parts:
                part2(url, wallets)
            if "3" in parts:
                part3(url, wallets)
    if "5" in parts:
        part5(world, wallets)


if __name__ == "__main__":
    main()
