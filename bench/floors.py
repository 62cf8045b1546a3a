"""Floors: what the engine takes on this machine for the bare data movement that an exact
computation of the figures cannot avoid, beside the product's own time and the speed goals.

    .venv/bin/python bench/floors.py [--fills 10000000] [--refresh-fills 1000000]
                                     [--new-share 0.01] [--world-dir worlds]

A floor statement reads and writes what a step must, and computes nothing: no fold, no sum
of a figure, no window's arithmetic. An implementation that moves this data takes longer than
their sum on this engine and machine; the lenient sum leaves out what another design could
avoid (keeping no enriched rows; gathering each wallet's fills in time order once for both the
fold and the windows). A goal below it is not met here by better SQL.

Whole run (the metrics bench world of --fills, fills only, as `bench/metrics.py`): the world
loaded into a fresh store (not timed), then enrich + metrics timed (the product; the run
writes its equity curves down, as a pipeline's run does), then each floor on that store, the
best of three (background merges done):
  read     the fills deduplicated (FINAL; loads overlap), the columns the enrich reads
  trades   the enriched trade rows written (trade_rows' definition), from memory
  fold     each position's fills gathered in time order (per wallet and token)
  windows  each wallet's and scope's fills gathered in time order (the fill figures' input)
  curves   the run's equity-curve points (each wallet's days per scope) gathered per wallet
           and put in order, fewer than the position-days they are summed from
  write    the run's positions, bets and wallet rows written from memory into tables of their
           definitions (projections included)

Refresh (the refresh bench world of --refresh-fills, as `bench/refresh.py`, its last
--new-share of fills being new): the world loaded, the rebuild (enrich + metrics as of t2, the
end) timed, then a run as of t1 (the time before the new fills); how many wallet rows differ
between the two runs (all of those a refresh must write), and the floors of a refresh:
  write    writing that many wallet rows, from memory
  medians  the exact medians of the windows that slide (30, 90 and 180 days: the median gap
           and entry over each wallet's and scope's fills, the median cost of its closed bets,
           which the omega score's cushion is) computed from those windows' rows, as exact
           medians need, for every wallet with a fill or a bet in them
  curves   the points of the equity curves' last 180 days, which the windows' risk figures
           read, gathered per wallet and scope as they are kept
against the aim of a refresh at a tenth of the rebuild; then the refresh's own metrics run (as
of t2, carrying over from the run as of t1) with every statement recorded, and each planned
again without reading a row (EXPLAIN PLAN): what the product's statements cost before their
data, beside the floors.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from common import ensure_world, fresh_dir, load_world_into_store, wait_for_merges

READ = """
INSERT INTO floor_null
SELECT cityHash64(id, maker, taker, token_id, side, shares, usdc, fee, timestamp,
                  exchange_version)
FROM fills FINAL"""

FOLD = """
INSERT INTO floor_null
SELECT length(arraySort(x -> x.1, groupArray((ts, usdc, shares, received, cash, fee_usdc))))
FROM trade_rows
GROUP BY wallet_key, token_key"""

WINDOWS = """
INSERT INTO floor_null
SELECT length(arraySort(x -> x.1, groupArray((r.ts, r.usdc, t.condition_key, r.role, r.is_buy,
                                              t.bet_hash, r.shares))))
FROM trade_rows AS r
JOIN trade_tokens AS t ON t.token_key = r.token_key
ARRAY JOIN ['all', toString(t.category)] AS scope
GROUP BY r.wallet_key, scope"""

CURVES = """
INSERT INTO floor_null
SELECT length(arraySort(groupArrayArray(
           arrayMap(d -> bitOr(bitShiftLeft(cityHash64(category) % 256, 32), d), days))))
FROM risk_curves
WHERE run_id = {run:String}
GROUP BY wallet_key"""

# the medians of the windows that slide, from their rows, for every wallet and scope with a
# fill or a closed bet in the longest of them
MEDIANS = """
INSERT INTO floor_null
SELECT cityHash64(wallet_key, scope, d,
                  arrayReduce('quantileExactInclusive(0.5)', arrayPopFront(arrayDifference(sl.1))),
                  arrayReduce('quantileExactInclusive(0.5)', arrayFilter(p -> p IS NOT NULL, sl.2)))
FROM (
    SELECT wallet_key, scope, d, arrayFilter(x -> x.1 > {as_of:UInt32} - d * 86400, fs) AS sl
    FROM (
        SELECT r.wallet_key AS wallet_key, scope,
               arraySort(x -> x.1, groupArray((r.ts, if(r.is_buy AND r.shares > 0,
                                                        r.usdc / r.shares, NULL)))) AS fs
        FROM trade_rows AS r
        JOIN trade_tokens AS t ON t.token_key = r.token_key
        ARRAY JOIN ['all', toString(t.category)] AS scope
        WHERE r.ts <= {as_of:UInt32} AND r.ts > {as_of:UInt32} - 180 * 86400
        GROUP BY wallet_key, scope
    )
    ARRAY JOIN [30, 90, 180] AS d
)
UNION ALL
SELECT cityHash64(b.wallet_key, scope, d, quantileExactInclusive(0.5)(b.cost))
FROM (SELECT wallet_key, bet_hash, cost, closed_ts FROM bet_rows
      WHERE run_id = {run:String} AND closed AND closed_ts <= {as_of:UInt32}
            AND closed_ts > {as_of:UInt32} - 180 * 86400) AS b
JOIN (SELECT bet_hash, toString(category) AS category FROM run_bets
      WHERE run_id = {run:String}) AS k ON k.bet_hash = b.bet_hash
ARRAY JOIN ['all', k.category] AS scope
ARRAY JOIN arrayFilter(x -> b.closed_ts > {as_of:UInt32} - x * 86400, [30, 90, 180]) AS d
GROUP BY b.wallet_key, scope, d"""


# the points of every equity curve that the windows' risk figures read (their last 180 days'),
# gathered per wallet and scope as the curves are kept (risk_curves: a wallet's and scope's
# days in one row)
WINDOW_CURVES = """
INSERT INTO floor_null
SELECT cityHash64(wallet_key, category,
                  arrayFilter((d, c) -> d > intDiv({as_of:UInt32}, 86400) - 180, days, changes))
FROM risk_curves
WHERE run_id = {run:String}"""


def best_of(store, sql: str, params: dict | None = None, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        t0 = time.perf_counter()
        store.command(sql, params or {})
        best = min(best, time.perf_counter() - t0)
    return best


def write_floor(store, table: str, where: str, params: dict,
                times: int = 3) -> tuple[float, int]:
    """Writing a run's rows of `table` into an empty table of its definition, from memory."""
    store.command("DROP TABLE IF EXISTS floor_src")
    store.command("DROP TABLE IF EXISTS floor_dst")
    store.command(f"CREATE TABLE floor_src ENGINE = Memory AS SELECT * FROM {table} "
                  f"WHERE {where}", params)
    store.command(f"CREATE TABLE floor_dst AS {table}")
    n = store.scalar("SELECT count() FROM floor_src")
    best = float("inf")
    for _ in range(times):
        store.command("TRUNCATE TABLE floor_dst")
        t0 = time.perf_counter()
        store.command("INSERT INTO floor_dst SELECT * FROM floor_src")
        best = min(best, time.perf_counter() - t0)
    store.command("DROP TABLE floor_src")
    store.command("DROP TABLE floor_dst")
    return best, n


def timed_run(store, **kwargs):
    from polyrank.enrich.trades import enrich
    from polyrank.metrics.run import compute_metrics

    t0 = time.perf_counter()
    enrich(store)
    t1 = time.perf_counter()
    report = compute_metrics(store, **kwargs)
    t2 = time.perf_counter()
    wait_for_merges(store)
    return t1 - t0, t2 - t1, report


def show(label: str, seconds: float, what: str = "") -> None:
    print(f"  {label:<26}{seconds:7.2f} s  {what}", flush=True)


def whole_floors(world: Path, goal_s: float) -> None:
    from polyrank.store import Store

    with fresh_dir("bench-floors-") as tmp, Store.open(f"chdb://{tmp / 'store'}") as store:
        fills = load_world_into_store(world, store)
        enrich_s, metrics_s, report = timed_run(store, carry=True)
        run = {"run": report.run_id}
        print(f"\n[{fills:,} fills, {report.wallets:,} wallets, {report.positions:,} "
              f"positions, {report.bets:,} bets]")
        print(f"  the product: enrich {enrich_s:.1f} s + metrics {metrics_s:.1f} s = "
              f"{enrich_s + metrics_s:.1f} s (every figure of every window and category)")
        store.command("DROP TABLE IF EXISTS floor_null")
        store.command("CREATE TABLE floor_null (x UInt64) ENGINE = Null")
        points = store.scalar("SELECT sum(length(days)) FROM risk_curves WHERE run_id = "
                              "{run:String}", run)
        floors = {
            "read": (best_of(store, READ), f"{fills:,} fills, FINAL"),
            "trades": write_floor(store, "trade_rows", "1", {}),
            "fold": (best_of(store, FOLD), f"{report.positions:,} positions"),
            "windows": (best_of(store, WINDOWS), "per wallet and scope"),
            "curves": (best_of(store, CURVES, run), f"{points:,} curve points"),
        }
        for table in ("position_rows", "bet_rows", "wallet_metric_rows"):
            floors[f"write {table}"] = write_floor(store, table, "run_id = {run:String}", run)
        store.command("DROP TABLE floor_null")
        total = 0.0
        for label, (seconds, what) in floors.items():
            total += seconds
            show(label, seconds, what if isinstance(what, str) else f"{what:,} rows")
        print(f"  floors together {total:.1f} s, the product {enrich_s + metrics_s:.1f} s, the "
              f"goal {goal_s:.0f} s: the floors are {total / goal_s:.2f} of the goal, leaving "
              f"{max(0.0, goal_s - total):.1f} s for every figure's arithmetic")
        # counted leniently: a design that keeps no enriched rows (computing from the fills
        # each run) and gathers each wallet's fills in time order once for both the fold and
        # the windows
        lenient = total - floors["trades"][0] - min(floors["fold"][0], floors["windows"][0])
        print(f"  counted leniently (no enriched rows written; one time-ordered gathering for "
              f"the fold and the windows): {lenient:.1f} s, leaving "
              f"{max(0.0, goal_s - lenient):.1f} s")


def planning(store, **kwargs) -> tuple[float, float, list[tuple[float, str]]]:
    """A metrics run with every statement it runs recorded, then each INSERT ... SELECT of it
    parsed, analysed and planned again (EXPLAIN PLAN, best of three) without reading a row:
    the run's seconds, its statements' planning seconds, and each statement's (seconds, first
    line)."""
    from polyrank.metrics.run import compute_metrics
    from polyrank.store import Store

    ran: list[tuple[str, dict]] = []
    command = Store.command

    def recording(self, sql, params=None):
        ran.append((sql, dict(params or {})))
        return command(self, sql, params)

    Store.command = recording
    try:
        t0 = time.perf_counter()
        compute_metrics(store, **kwargs)
        run_s = time.perf_counter() - t0
    finally:
        Store.command = command
    plans = []
    for sql, params in ran:
        select = re.search(r"^(WITH|SELECT)\b", sql, re.M)
        if select is None or not re.search(r"^INSERT\b", sql, re.M):
            continue
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            store.rows("EXPLAIN PLAN " + sql[select.start():], params)
            best = min(best, time.perf_counter() - t0)
        plans.append((best, sql.lstrip().splitlines()[0]))
    return run_s, sum(s for s, _ in plans), sorted(plans, reverse=True)


def refresh_floors(world: Path, new_share: float, aim: float) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from polyrank.metrics.run import compute_metrics
    from polyrank.store import Store

    stamps = pq.read_table(world / "fills.parquet", columns=["timestamp"]).column("timestamp")
    t2 = int(pc.max(stamps).as_py())
    t1 = int(pc.quantile(stamps, q=1 - new_share, interpolation="lower")[0].as_py())
    with fresh_dir("bench-floors-") as tmp, Store.open(f"chdb://{tmp / 'store'}") as store:
        fills = load_world_into_store(world, store)
        enrich_s, metrics_s, report = timed_run(store, as_of=t2, carry=True)
        before = compute_metrics(store, as_of=t1)
        rebuild = enrich_s + metrics_s
        print(f"\n[refresh: {fills:,} fills, the last {new_share:.0%} new over "
              f"{(t2 - t1) / 86400:.1f} days; {report.wallets:,} wallets]")
        print(f"  the rebuild: enrich {enrich_s:.2f} s + metrics {metrics_s:.2f} s = "
              f"{rebuild:.2f} s; the aim, a tenth of it: {aim * rebuild:.2f} s")
        columns = [c for (c,) in store.rows(
            "SELECT name FROM system.columns WHERE database = currentDatabase() "
            "AND table = 'wallet_metric_rows' AND name != 'run_id'")]
        # (over the row as text: a hash of Nullable columns is NULL when one of them is)
        digest = f"cityHash64(toString(tuple({', '.join(columns)})))"
        runs = {"a": before.run_id, "b": report.run_id}
        same, idle = store.rows(
            f"SELECT count(), countIf(trades = 0) FROM (SELECT {digest} AS h, trades "
            "FROM wallet_metric_rows WHERE run_id = {b:String}) WHERE h IN (SELECT " + digest
            + " FROM wallet_metric_rows WHERE run_id = {a:String})", runs)[0]
        rows = store.scalar("SELECT count() FROM wallet_metric_rows WHERE run_id = {b:String}",
                            runs)
        print(f"  {rows - same:,} of {rows:,} wallet rows differ from the run at t1 (a refresh "
              f"writes them whatever it computes); of the {same:,} the same, {idle:,} hold "
              "no fill")
        store.command("DROP TABLE IF EXISTS floor_null")
        store.command("CREATE TABLE floor_null (x UInt64) ENGINE = Null")
        write_s, written = write_floor(store, "wallet_metric_rows",
                                 "run_id = {b:String} AND " + digest
                                 + " NOT IN (SELECT " + digest + " FROM wallet_metric_rows "
                                 "WHERE run_id = {a:String})", runs)
        medians_s = best_of(store, MEDIANS, {"as_of": t2, "run": report.run_id})
        curves_s = best_of(store, WINDOW_CURVES, {"as_of": t2, "run": report.run_id})
        points = store.scalar(
            "SELECT sum(length(arrayFilter(d -> d > intDiv({as_of:UInt32}, 86400) - 180, days)))"
            " FROM risk_curves WHERE run_id = {run:String}", {"as_of": t2, "run": report.run_id})
        store.command("DROP TABLE floor_null")
        show("write", write_s, f"{written:,} wallet rows")
        show("medians", medians_s, "30, 90 and 180 days, every wallet and scope")
        show("curves", curves_s, f"{points:,} points of the curves' last 180 days")
        total = write_s + medians_s + curves_s
        print(f"  floors together {total:.2f} s = {total / rebuild:.3f} of the rebuild, "
              f"against the aim of {aim:.2f}, leaving {max(0.0, aim * rebuild - total):.2f} s "
              "for the enrich and every figure's arithmetic")
        # what the product's statements cost before they read a row: the refresh's own
        # metrics run (carrying over from the run as of t1), each statement planned again
        run_s, plan_s, plans = planning(store, as_of=t2, carry=True)
        print(f"  a refresh's metrics run (carrying over from t1) took {run_s:.2f} s; parsing, "
              f"analysing and planning its {len(plans)} statements {plan_s:.2f} s "
              f"= {plan_s / rebuild:.3f} of the rebuild, the largest:")
        for seconds, line in plans[:3]:
            print(f"    {seconds:5.2f} s  {line[:90]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, default=10_000_000,
                    help="the metrics bench world of the whole-run floors (0: none)")
    ap.add_argument("--goal-s", type=float, default=12.0)
    ap.add_argument("--refresh-fills", type=int, default=1_000_000,
                    help="the refresh bench world of the refresh floors (0: none)")
    ap.add_argument("--new-share", type=float, default=0.01)
    ap.add_argument("--aim", type=float, default=0.10)
    ap.add_argument("--world-dir", type=Path, default=Path("worlds"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.fills:
        whole_floors(ensure_world(args.world_dir / f"bench-metrics-{args.fills}", seed=7,
                                  fills=args.fills), args.goal_s)
    if args.refresh_fills:
        refresh_floors(ensure_world(args.world_dir / f"bench-refresh-{args.refresh_fills}",
                                    seed=7, fills=args.refresh_fills),
                       args.new_share, args.aim)
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
