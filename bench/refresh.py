"""Refresh benchmark: what keeping a store current costs, against rebuilding it.

    .venv/bin/python bench/refresh.py [--fills 1000000] [--new-share 0.01 | --span S
                                      [--rounds R]] [--world DIR] [--chain]

A world is served by the replay (own process) with its clock at t1, the time by which all but
`--new-share` of its fills had happened (or `--span` seconds before its last fill: 900 is a
quarter-hour refresh; the metrics run carries the unchanged wallets over, and computes every
wallet when the span crosses a UTC day). Store A is built at t1 (discover the tape from the
world's start, then the pipeline over the registry). The clock moves to t2 (the world's end)
and A is refreshed (the same discovery, then `refresh`); with `--rounds R`, t1 is R spans
before the end and A is refreshed once per span, as a store kept current every span is.
Store B is built from scratch at t2.
Side by side, refresh / rebuild:
  requests (counted by the replay, per service), wall time, and compute (enrich + metrics s);
then a second refresh with nothing new (what an idle round costs), and discovery's requests
per wallet found. The two stores are checked to hold the same lifetime board.
No rate limits (the client's and the replay's) and no latency: requests are counted, not
waited for.

--chain: both stores use the replay's JSON-RPC as the V2 era's source (`rpc_url`), discover
from the chain's tape, and the refresh brings the wallets known at t1 up to date with one
sweep of the tape since their cursor (docs/architecture.md, "Refresh").
"""

from __future__ import annotations

import argparse
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

import polyrank
from common import ensure_world, fresh_dir, replay_process, replay_reset, replay_stats
from polyrank.enrich.trades import margin_s
from polyrank.session import REFRESH_SOURCES
from polyrank.settings import Settings
from polyrank.store.dsn import parse_dsn


def service(route: str) -> str:
    """The replay's route keys are `<service>:<path>`: the Goldsky subgraphs share one key,
    the REST services are told apart by their path."""
    name, _, path = route.partition(":")
    if name in ("goldsky", "rpc"):
        return {"goldsky": "subgraphs", "rpc": "rpc"}[name]
    return f"{name}:{path}"


def by_service(stats: dict) -> Counter:
    out: Counter = Counter()
    for path, n in stats["by_path"].items():
        out[service(path)] += n
    return out


def set_clock(url: str, at: int) -> None:
    req = urllib.request.Request(f"{url}/_replay/clock?at={at}&speed=0", data=b"",
                                 method="POST")
    urllib.request.urlopen(req, timeout=30).read()


def open_store(url: str, root: Path, chain: bool = False):
    settings = Settings(store_dsn=f"chdb://{root / 'store'}", runtime_dir=root / "rt",
                        goldsky_url=url, gamma_url=url, data_api_url=url,
                        rpc_url=f"{url}/rpc" if chain else "")
    return polyrank.open(settings=settings)


NO_LIMITS = {"goldsky_limit": None, "data_limit": None, "rpc_limit": None}


def timed(url: str, work) -> tuple[float, Counter, object]:
    replay_reset(url)
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, by_service(replay_stats(url)), result


def build(url: str, root: Path, since: int, chain: bool):
    with open_store(url, root, chain) as pr:
        found = pr.discover(since=since, sources=("chain",) if chain else REFRESH_SOURCES,
                            data_limit=None, rpc_limit=None)
        return found, pr.run_pipeline(**NO_LIMITS)


def refresh(url: str, root: Path, since: int, chain: bool):
    with open_store(url, root, chain) as pr:
        return pr.refresh(discover_since=since, **NO_LIMITS)


def board(root: Path, url: str) -> list[tuple]:
    with open_store(url, root) as pr:
        rows = pr.leaderboard(limit=200).rows
    return [(r["wallet"], round(r["omega_score"] or 0, 9), round(r["realized_pnl"], 6))
            for r in rows]


def compute_s(report) -> float:
    return (report.enrich.seconds if report.enrich else 0.0) + (
        report.metrics.seconds if report.metrics else 0.0)


def show(name: str, seconds: float, requests: Counter, compute: float) -> None:
    parts = ", ".join(f"{k} {v}" for k, v in sorted(requests.items()))
    print(f"{name:<22} {seconds:8.1f} s wall, {compute:6.1f} s enrich+metrics, "
          f"{sum(requests.values()):7d} requests ({parts})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", type=Path, default=None)
    ap.add_argument("--fills", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--new-share", type=float, default=0.01)
    ap.add_argument("--span", type=int, default=None,
                    help="t1 this many seconds before the world's last fill (not --new-share)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="with --span: t1 this many spans before the last fill, and A refreshed "
                         "once per span (the last round is what each round of a store kept "
                         "current every span costs)")
    ap.add_argument("--chain", action="store_true",
                    help="the chain (the replay's JSON-RPC) as the V2 source and the tape")
    args = ap.parse_args()
    chain = args.chain
    world = ensure_world(args.world or Path(f"worlds/bench-refresh-{args.fills}"),
                         seed=args.seed, fills=args.fills)
    stamps = pq.read_table(world / "fills.parquet", columns=["timestamp"]).column("timestamp")
    t2 = int(pc.max(stamps).as_py())
    t1 = t2 - args.span * args.rounds if args.span else int(
        pc.quantile(stamps, q=1 - args.new_share, interpolation="lower")[0].as_py())
    new = pc.sum(pc.greater(stamps, t1)).as_py()
    start = int(pc.min(stamps).as_py())
    print(f"world {world}: {len(stamps):,} fills; t1 {t1}, t2 {t2}: {new:,} fills "
          f"({new / len(stamps):.2%}) after t1")
    with replay_process(world, "--clock", str(t1)) as url, fresh_dir("bench-refresh-") as tmp:
        a, b = tmp / "a", tmp / "b"
        s, req, (_, first) = timed(url, lambda: build(url, a, start, chain))
        show("build A at t1", s, req, compute_s(first))
        rounds, done = [], time.monotonic()
        margin = margin_s(parse_dsn(f"chdb://{a / 'store'}"))
        for r in range(args.rounds, 0, -1):
            at = t2 - (r - 1) * (args.span or 0)
            set_clock(url, at)
            # an incremental enrich reads again what was loaded in the margin before the
            # last enrich's latest load (none on an embedded store, as here; a server
            # store's). Rounds a quarter hour apart reach back only to the round before (or
            # the build), back-to-back ones past it (the next round would read the build's
            # last loads again): wait that long after the build and after each round, as a
            # store kept current does (not counted)
            time.sleep(max(0.0, margin - (time.monotonic() - done)))
            rounds.append(timed(url, lambda: refresh(url, a, start, chain)))
            done = time.monotonic()
            show(f"refresh A to t2-{(r - 1) * (args.span or 0)}" if r > 1 else
                 "refresh A to t2", rounds[-1][0], rounds[-1][1], compute_s(rounds[-1][2]))
        ref_s, ref_req, ref = rounds[-1]
        idle_s, idle_req, idle = timed(url, lambda: refresh(url, a, start, chain))
        show("refresh A, nothing new", idle_s, idle_req, compute_s(idle))
        reb_s, reb_req, (found_b, rebuilt) = timed(url, lambda: build(url, b, start, chain))
        show("rebuild B at t2", reb_s, reb_req, compute_s(rebuilt))
        same = board(a, url) == board(b, url)
        total_ref, total_reb = sum(ref_req.values()), sum(reb_req.values())
        print(f"\nrefresh / rebuild: requests {total_ref / total_reb:.3f}, wall "
              f"{ref_s / reb_s:.3f}, enrich+metrics {compute_s(ref) / compute_s(rebuilt):.3f}")
        if len(rounds) > 1:
            print("  every round's enrich+metrics / the rebuild's: " + ", ".join(
                f"{compute_s(rep) / compute_s(rebuilt):.3f}" for _, _, rep in rounds)
                + " (the figures below are the last round's)")
            compacted = [rep.metrics.compacted_rows for _, _, rep in rounds
                         if rep.metrics is not None]
            print(f"  compaction: {sum(n > 0 for n in compacted)} of {len(rounds)} rounds "
                  f"dropped {sum(compacted):,} rows no kept run read")
        for name in sorted(set(ref_req) | set(reb_req)):
            print(f"  {name:<10} {ref_req[name]:7d} / {reb_req[name]:7d} = "
                  f"{ref_req[name] / max(1, reb_req[name]):.3f}")
        print(f"refresh: {ref.ingest.fills_new:,} new fills, {ref.ingest.fills_duplicate:,} "
              f"read again (the overlap), {ref.ingest.activities_new:,} new activities; "
              f"enrich {ref.enrich.seconds:.2f} s vs {rebuilt.enrich.seconds:.2f} s, metrics "
              f"{ref.metrics.seconds:.2f} s vs {rebuilt.metrics.seconds:.2f} s")
        print(f"refresh's enrich built the activity rows of {ref.enrich.activity_wallets} "
              f"wallets again: {ref.enrich.activity_wallets_whole} whole, the others' new "
              "rows added to their kept ones")
        for name, rep in (("refresh", ref), ("rebuild", rebuilt)):
            print(f"{name}'s enrich by step: " + ", ".join(
                f"{k} {v:.2f}" for k, v in rep.enrich.step_s.items()))
            print(f"{name}'s metrics by step: " + ", ".join(
                f"{k} {v:.2f}" for k, v in rep.metrics.step_s.items()))
        run = ref.metrics
        print(f"refresh's metrics run: {run.computed_wallets:,} of {run.wallets:,} wallets "
              "computed" + (f" ({run.copied_positions:,} positions and the fill figures of "
                            f"{run.copied_fill_figures:,} of them copied, of "
                            f"{run.partly_copied_fill_figures:,} some windows', the equity curve's "
                            f"earlier days of {run.kept_curves:,} kept), the others carried "
                            f"over from {run.base_run}" if run.base_run
                            else " (whole: no run to carry over from)")
              + f"; {run.compacted_rows:,} rows no kept run reads dropped (compaction); the "
              "tape's prices read again " + (f"from day {run.prices_from} on (the days before "
                                             "copied)" if run.prices_from else "for every day"))
        stages = {"discover": ref.discover.seconds if ref.discover else 0.0,
                  "catalogue": ref.catalogue.seconds, "ingest": ref.ingest.seconds,
                  "enrich": ref.enrich.seconds, "metrics": ref.metrics.seconds}
        print("refresh stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        if chain:
            print(f"refresh: {ref.ingest.swept:,} wallets brought up to date by one sweep of "
                  f"the tape, {ref.ingest.done - ref.ingest.swept:,} loaded per job")
        print(f"nothing new: metrics computed {idle.changed}, {sum(idle_req.values())} "
              f"requests, {idle_s:.1f} s")
        print(f"discovery (rebuild): {found_b.requests} requests for {found_b.registry:,} "
              f"wallets = {found_b.requests / max(1, found_b.registry):.3f} requests per "
              "wallet found")
        print(f"same lifetime board (top 200) in both stores: {same}")


if __name__ == "__main__":
    main()
