"""Does the ranking predict? Rank wallets on the first half of a world's history, then see how
their second half went, for several rank keys side by side.

    .venv/bin/python bench/persistence.py [--fills 600000] [--seed 31] [--world DIR]
                                          [--min-bets 5]

A world (its trader archetypes planted: informed and specialist traders who know more than
the price, favourite-buyers, market makers, high-frequency bots, gamblers who buy long shots
and sometimes get lucky, noise) is put into a store straight from its files. One metrics run
as of the middle of its history gives each wallet's first-half figures; a run as of its end
gives the bets closed after the middle: each wallet's second-half ROI (Σ P / Σ C) and edge
(mean P / shares bought, docs/metrics.md §4.6).

Wallets ranked (eligible) in the first half with at least --min-bets closed bets in the
second are compared, per rank key (omega_score, the board's default; edge_lb; roi;
realized_pnl): Spearman's rank correlation of the first-half key with the second-half ROI and
edge, and the mean second-half edge and ROI of the key's top decile against its bottom decile.
Also: who carries the first-half skilled badge, by archetype.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from common import ensure_world, fresh_dir, load_world_into_store

HERE = Path(__file__).resolve().parent
KEYS = ("omega_score", "edge_lb", "roi", "realized_pnl")
SKILLED_KINDS = ("informed", "specialist")


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: list[float], y: list[float]) -> float:
    rx, ry = ranks(x), ranks(y)
    n = len(x)
    mx, my = sum(rx) / n, sum(ry) / n
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / (vx * vy) ** 0.5 if vx and vy else float("nan")


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def measure(world: Path, min_bets: int) -> dict:
    from polyrank.enrich.trades import enrich
    from polyrank.metrics.run import compute_metrics
    from polyrank.store import Store

    meta = json.loads((world / "world.json").read_text())
    params = meta.get("params", meta)
    start, end = _bounds(world)
    middle = start + (end - start) // 2
    archetype = {r["address"]: r["archetype"]
                 for r in pq.read_table(world / "wallets.parquet").to_pylist()}
    with fresh_dir("bench-persistence-") as tmp, Store.open(f"chdb://{tmp / 'store'}") as store:
        load_world_into_store(world, store, activities=True)
        enrich(store)
        t0 = time.perf_counter()
        first = compute_metrics(store, as_of=middle)
        first_rows = store.rows(
            "SELECT wallet, omega_score, edge_lb, roi, realized_pnl, skilled FROM "
            "wallet_metrics WHERE run_id = {r:String} AND window = 'lifetime' AND category = "
            "'all' AND eligibility = 'ranked'", {"r": first.run_id})
        # the first run is kept readable until the next one: read it before computing again
        second = compute_metrics(store)
        later = store.rows(
            "SELECT wallet, count(), sum(pnl) / sum(cost), avgIf(pnl / shares_bought, "
            "shares_bought > 0) FROM bets WHERE run_id = {r:String} AND closed AND "
            "closed_ts > {m:UInt32} AND cost > 0 GROUP BY wallet",
            {"r": second.run_id, "m": middle})
        compute_s = time.perf_counter() - t0
    outcome = {w: (n, roi, edge) for w, n, roi, edge in later if n >= min_bets}
    rows = [dict(zip(("wallet", *KEYS, "skilled"), r, strict=True)) for r in first_rows]
    rows = [r for r in rows if r["wallet"] in outcome]
    return {"params": params, "middle": middle, "start": start, "end": end,
            "rows": rows, "outcome": outcome, "archetype": archetype,
            "ranked_first_half": len(first_rows), "compute_s": compute_s}


def _bounds(world: Path) -> tuple[int, int]:
    ts = pq.read_table(world / "fills.parquet", columns=["timestamp"])["timestamp"]
    values = ts.to_pylist()
    return min(values), max(values)


def report(m: dict) -> None:
    rows, outcome, archetype = m["rows"], m["outcome"], m["archetype"]
    print(f"world {m['params']}: middle {time.strftime('%Y-%m-%d', time.gmtime(m['middle']))}"
          f"; {m['ranked_first_half']} wallets ranked in the first half, {len(rows)} with "
          f"enough second-half bets (2 metrics runs in {m['compute_s']:.1f} s)")
    print(f"\n{'rank key':<14} {'spearman ROI':>13} {'spearman edge':>14} "
          f"{'top10% edge':>12} {'bottom10% edge':>15} {'top10% ROI':>11} "
          f"{'bottom10% ROI':>14} {'top10% skilled kinds':>21}")
    for key in KEYS:
        usable = [r for r in rows if r[key] is not None]
        x = [float(r[key]) for r in usable]
        roi2 = [outcome[r["wallet"]][1] for r in usable]
        edge2 = [outcome[r["wallet"]][2] for r in usable]
        order = sorted(range(len(usable)), key=lambda i: x[i], reverse=True)
        decile = max(1, len(order) // 10)
        top, bottom = order[:decile], order[-decile:]
        kinds = sum(archetype[usable[i]["wallet"]] in SKILLED_KINDS for i in top) / decile
        print(f"{key:<14} {spearman(x, roi2):>13.3f} {spearman(x, edge2):>14.3f} "
              f"{mean([edge2[i] for i in top]):>12.4f} {mean([edge2[i] for i in bottom]):>15.4f}"
              f" {mean([roi2[i] for i in top]):>11.3f} {mean([roi2[i] for i in bottom]):>14.3f}"
              f" {kinds:>21.0%}")
    badged = [r for r in rows if r["skilled"]]
    by_kind = Counter(archetype[r["wallet"]] for r in badged)
    population = Counter(archetype[r["wallet"]] for r in rows)
    print(f"\nskilled badge in the first half: {len(badged)} of {len(rows)} wallets")
    for kind, n in sorted(population.items(), key=lambda kv: -kv[1]):
        got = by_kind.get(kind, 0)
        later = mean([outcome[r["wallet"]][1] for r in rows if archetype[r["wallet"]] == kind])
        print(f"  {kind:<13} {got:>4} of {n:>5} badged; their second-half ROI (all of the "
              f"kind) {later:+.3f}")
    if badged:
        print(f"  second-half ROI: badged {mean([outcome[r['wallet']][1] for r in badged]):+.3f}"
              f", not badged "
              f"{mean([outcome[r['wallet']][1] for r in rows if not r['skilled']]):+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fills", type=int, default=600_000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--min-bets", type=int, default=5)
    args = parser.parse_args()
    world = args.world or HERE.parent / "worlds" / f"bench-persistence-{args.fills}-{args.seed}"
    t0 = time.perf_counter()
    ensure_world(world, fills=args.fills, seed=args.seed)
    print(f"world ready in {time.perf_counter() - t0:.0f} s: {world}")
    report(measure(world, args.min_bets))


if __name__ == "__main__":
    main()
