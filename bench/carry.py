"""What a metrics run that carries over costs against one computed whole (metrics/incremental.py).

    .venv/bin/python bench/carry.py [--fills 1000000] [--spans 900 21600 share] [--base-curves]

A world (the same as bench/metrics.py's) is put straight into a store and enriched. For each
span, A2 is the world's last fill and A1 = A2 - span (`share`: the time before which 99% of
the fills happened): a run as of A1 computed whole, then a run as of A2 carrying over from it,
then one as of A2 computed whole — side by side, with the wallets the carrying run computed,
the share of the trade rows they hold, their positions it folded and copied, and a check that
both runs of A2 hold the same wallet rows. A span that crosses a UTC day computes every wallet
(the risk figures count the days), most from copied positions and fill figures.
--base-curves: the run as of A1 is computed with `carry`, as a refresh's runs are, so it writes
its equity curves down and the carrying run builds only their days from A1's day on.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import ensure_world, fresh_dir, load_world_into_store
from polyrank.enrich.trades import enrich
from polyrank.metrics.run import compute_metrics
from polyrank.store import Store

ROWS = ("SELECT window, category, wallet, trades, bets_closed, round(realized_pnl, 6), "
        "round(ifNull(omega_score, 0), 9), round(ifNull(sharpe_daily, 0), 9), skilled "
        "FROM wallet_metrics WHERE run_id = {r:String} ORDER BY window, category, wallet")


def timed(work, *args, **kwargs):
    started = time.perf_counter()
    result = work(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--spans", nargs="+", default=["900", "21600", "share"])
    ap.add_argument("--base-curves", action="store_true",
                    help="compute the run as of A1 with `carry` (its curves written down)")
    args = ap.parse_args()
    world = ensure_world(Path(f"worlds/bench-metrics-{args.fills}"), seed=args.seed,
                         fills=args.fills)
    with fresh_dir("bench-carry-") as tmp, Store.open(f"chdb://{tmp / 'store'}") as store:
        load_world_into_store(world, store, activities=True)
        enrich(store)
        last = store.scalar("SELECT max(ts) FROM trade_rows")
        trades = store.scalar("SELECT count() FROM trade_rows")
        for span in args.spans:
            a2 = last
            a1 = (store.scalar("SELECT quantileExactLow(0.99)(ts) FROM trade_rows")
                  if span == "share" else a2 - int(span))
            # (no base for A1: the readable run is the last span's, as of A2)
            compute_metrics(store, as_of=a1, carry=args.base_curves)
            carry_s, carried = timed(compute_metrics, store, as_of=a2, carry=True)
            got = store.rows(ROWS, {"r": carried.run_id})
            whole_s, whole = timed(compute_metrics, store, as_of=a2)
            same = got == store.rows(ROWS, {"r": whole.run_id})
            computed = carried.computed_wallets
            print(f"span {(a2 - a1) / 3600:7.2f} h: carried {carry_s:5.1f} s, whole "
                  f"{whole_s:5.1f} s = {carry_s / whole_s:.2f}; computed {computed:,} of "
                  f"{carried.wallets:,} wallets" + (" (carried over)" if carried.base_run
                                                    else " (whole)")
                  + f", {carried.computed_trades / trades:.0%} of the trade rows "
                  f"(positions: {carried.computed_positions:,} folded, "
                  f"{carried.copied_positions:,} copied; fill figures of "
                  f"{carried.copied_fill_figures:,} wallets copied, of "
                  f"{carried.partly_copied_fill_figures:,} some windows'; the equity curve's "
                  f"earlier days of {carried.kept_curves:,} kept); same wallet rows: {same}")
            steps = sorted(carried.step_s.items(), key=lambda kv: -kv[1])
            print("  carried steps: " + ", ".join(f"{k} {v:.2f}" for k, v in steps))


if __name__ == "__main__":
    main()
