"""Ingest benchmark: is the upstream the bottleneck, and how much do batched
wallets save over one request per wallet?

    .venv/bin/python bench/ingest.py [--wallets 3000] [--limit 50/10] [--latency-ms 150]

Part 1 — against the replay server (own process) with 150 ms latency and a 50 req / 10 s limit:
  batched ingest: achieved request rate / limit, fills per request, fills/s / ceiling
  (ceiling = limit x 1,000 rows per page); then the same wallets one request per wallet, as the
  earlier loader this project replaced did; the ratio of the two wall times.
Part 2 — no latency, no limit: fills/s of our own pipeline (fetch + decode + resolve + insert)
  with 10 workers, and the share of each stage from a 1-worker run.
Parts 1 and 2 load the orderbook subgraph's fills only (--no-data-api --no-activities): the
V2 source is per wallet and has its own host limit. Part 3 — the V2 source (Data API, fills
from 2026-04-28 on), no latency, no limit: Data API requests per wallet, V2 fills per request.
Part 4 — with latency and the limit, as part 1: the same wallets' fills and activities
(splits, merges, redemptions from the activity subgraph) against the fills-only load of
part 1: requests per wallet and wall time, side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from pathlib import Path

from common import ensure_world, fresh_dir, replay_process, replay_reset, replay_stats
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.report import parse_rate
from polyrank.ingest.run import Ingest
from polyrank.settings import Settings
from polyrank.store import Store


def load(url: str, wallets: tuple[str, ...], **options) -> tuple[float, object]:
    with fresh_dir("bench-ingest-") as tmp:
        settings = Settings(store_dsn=f"chdb://{tmp / 'store'}", runtime_dir=tmp / "rt",
                            goldsky_url=url, gamma_url=url, data_api_url=url)
        with Store.open(settings.store_dsn) as store:
            started = time.perf_counter()
            report = asyncio.run(Ingest(settings, store, IngestOptions(**options)).run(wallets))
            return time.perf_counter() - started, report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", type=Path, default=Path("worlds/bench-ingest"))
    ap.add_argument("--wallets", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--limit", default="50/10", help="upstream limit N/SECONDS")
    ap.add_argument("--latency-ms", type=float, default=150.0)
    ap.add_argument("--batch-wallets", type=int, default=100)
    ap.add_argument("--heavy-rows", type=int, default=200)
    ap.add_argument("--skip-baseline", action="store_true",
                    help="skip the one-request-per-wallet run (it takes wallets/rate seconds)")
    args = ap.parse_args()
    world = ensure_world(args.world, seed=args.seed, wallets=args.wallets)
    wallets = tuple((world / "wallets.txt").read_text().split())
    n, window = parse_rate(args.limit)
    limit_rps = n / window
    print(f"world {world}: {len(wallets)} wallets; upstream limit {n} req / {window:g} s "
          f"({limit_rps:g} req/s), latency {args.latency_ms:g} ms")

    flags = ("--rate-limit", str(n), "--rate-window", str(window),
             "--latency-ms", str(args.latency_ms))
    with replay_process(world, *flags) as url:
        wall, rep = load(url, wallets, workers=10, goldsky_limit=(n, window),
                         batch_wallets=args.batch_wallets, heavy_rows=args.heavy_rows,
                         data_api=False, activities=False)
        stats = replay_stats(url)
        rate = stats["requests"] / wall
        # a sliding window of n per `window` s admits at most n per started window
        admissible = n * math.ceil(wall / window)
        ceiling = limit_rps * 1000
        print(f"\n[batched ({args.batch_wallets} wallets per request), 10 workers]")
        print(f"  wall {wall:.1f} s, {stats['requests']} requests, "
              f"{stats['faults'].get('rate_limited', 0)} answered 429")
        print(f"  request rate {rate:.2f}/s = {rate / limit_rps:.2f} of the limit (goal >= 0.9); "
              f"{stats['requests']} of the {admissible} requests the limit admits in that wall "
              f"time = {stats['requests'] / admissible:.2f}")
        print(f"  fills per request {rep.fills_fetched / stats['requests']:.0f}")
        print(f"  fills/s {rep.fills_fetched / wall:.0f} = {rep.fills_fetched / wall / ceiling:.2f}"
              f" of the ceiling ({ceiling:.0f} fills/s)")
        if not args.skip_baseline:
            replay_reset(url)
            base_wall, base = load(url, wallets, workers=10, goldsky_limit=(n, window),
                                   batch_wallets=1, data_api=False, activities=False)
            base_stats = replay_stats(url)
            print("\n[one request per wallet, 10 workers — the earlier loader's way]")
            print(f"  wall {base_wall:.1f} s, {base_stats['requests']} requests, "
                  f"fills per request {base.fills_fetched / base_stats['requests']:.0f}")
            print(f"  wall-time ratio one-per-wallet / batched = {base_wall / wall:.1f}x")
        replay_reset(url)
        act_wall, act = load(url, wallets, workers=10, goldsky_limit=(n, window),
                             batch_wallets=args.batch_wallets, heavy_rows=args.heavy_rows,
                             data_api=False)
        act_stats = replay_stats(url)
        print("\n[fills + activities (activity subgraph), batched, 10 workers]")
        print(f"  {act.activities_fetched} activities with {act.fills_fetched} fills; "
              f"{act_stats['requests']} requests = {act_stats['requests'] / len(wallets):.3f} "
              f"per wallet vs {stats['requests'] / len(wallets):.3f} for fills only "
              f"({act_stats['requests'] / stats['requests']:.2f}x)")
        print(f"  wall {act_wall:.1f} s vs {wall:.1f} s for fills only "
              f"({act_wall / wall:.2f}x)")

    with replay_process(world) as url:
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
        replay_reset(url)
        print("\n[the V2 source: Data API /activity, per wallet, 10 workers]")
        wall2, rep2 = load(url, wallets, workers=10, goldsky_limit=None, data_limit=None)
        pages = rep2.data_api_requests
        print(f"  {rep2.fills_v2} V2 fills of {rep2.fills_fetched}; {pages} Data API requests "
              f"= {pages / len(wallets):.2f} per wallet, {rep2.fills_v2 / max(pages, 1):.0f} "
              f"V2 fills per request (page 500); wall {wall2:.1f} s for both sources")
        print(f"  at the default Data API limit (200 / 10 s) those requests take at least "
              f"{pages / 20:.0f} s")


if __name__ == "__main__":
    main()
