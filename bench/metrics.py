"""Metrics benchmark: enrich + metrics as SQL in chDB vs a straightforward pandas
implementation of positions / bets / omega over the same fills, and vs the same lifetime
figures as one DuckDB query over the world's files (load included); checks that all three
agree on every wallet, and draws the cost curve.

    .venv/bin/python -m pip install -e '.[bench]'      # DuckDB and matplotlib, bench only
    .venv/bin/python bench/metrics.py [--fills 1000000 3000000 10000000]
                                      [--skip-pandas-above N] [--plot docs/metrics-cost.png]
                                      [--whole]

The world's activities (splits, merges, conversions, redemptions) are folded with the fills
in a second SQL run on the same world ("fills + activities"), timed beside the fills-only run
that the pandas baseline (fills only) is checked against.

Each side runs in its own process; peak memory is sampled during the timed part only (the
SQL side loads its store in one process and enriches + computes in another).
Worlds are generated once under worlds/bench-metrics-<fills>/ (or --world-dir). The pandas and
DuckDB sides compute lifetime positions -> bets -> omega only (every category together); the
SQL side every figure of every window and category, risk and skill included.

With --plot, seconds and peak GB of each side against fills go to a PNG (log-log axes, a
dotted line of slope 1 for linear cost). With --whole, the SQL side also runs in one slice
(the wallet steps over every wallet at once, as before slicing) beside the sliced run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import RssSampler, ensure_world, fresh_dir, load_world_into_store

HERE = Path(__file__).resolve().parent


def run_sql(world: Path, out: Path, activities: bool = False, whole: bool = False) -> dict:
    """Load the world into a fresh store (not timed), then enrich + metrics in a process of
    their own, as `polyrank enrich` and `polyrank metrics` would run: its peak RSS is theirs,
    not the loader's."""
    from polyrank.store import Store

    with fresh_dir("bench-metrics-") as tmp:
        with Store.open(f"chdb://{tmp / 'store'}") as store:
            t0 = time.perf_counter()
            fills = load_world_into_store(world, store, activities=activities)
            load_s = time.perf_counter() - t0
        result = side("compute-whole" if whole else "compute", tmp / "store", out)
    return {"fills": fills, "load_s": load_s, **result}


def compute(store_dir: Path, out: Path, whole: bool) -> dict:
    from polyrank.enrich.trades import enrich
    from polyrank.metrics.run import compute_metrics
    from polyrank.settings import DEFAULT_METRICS_SLICE_ROWS
    from polyrank.store import Store

    with Store.open(f"chdb://{store_dir}") as store:
        with RssSampler() as rss:
            t0 = time.perf_counter()
            enriched = enrich(store)
            t1 = time.perf_counter()
            report = compute_metrics(store, slice_rows=0 if whole
                                     else DEFAULT_METRICS_SLICE_ROWS)
            t2 = time.perf_counter()
        rows = store.rows("SELECT wallet, bets_closed, realized_pnl, omega_score FROM "
                          "wallet_metrics WHERE run_id = {r:String} AND window = 'lifetime' "
                          "AND category = 'all' AND bets_closed > 0", {"r": report.run_id})
        n_activities = store.scalar("SELECT count() FROM activities")
    out.write_text(json.dumps([list(r) for r in rows]))
    return {"enrich_s": t1 - t0, "metrics_s": t2 - t1, "total_s": t2 - t0,
            "peak_rss": rss.peak, "steps": report.step_s, "positions": report.positions,
            "bets": report.bets, "wallets": report.wallets,
            "unresolved": enriched.unresolved_fills, "activities": n_activities}


def run_baseline(world: Path, out: Path, engine: str) -> dict:
    """The pandas or DuckDB lifetime implementation, timed with its loading."""
    if engine == "duckdb":
        from metrics_duckdb import lifetime_omega
    else:
        from metrics_pandas import lifetime_omega

    with RssSampler() as rss:
        t0 = time.perf_counter()
        frame = lifetime_omega(world)
        total = time.perf_counter() - t0
    out.write_text(frame.to_json(orient="values"))
    return {"total_s": total, "peak_rss": rss.peak}


def side(mode: str, world: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, str(HERE / "metrics.py"), "--side", mode,
                           str(world), str(out)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} side failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def agree(sql_out: Path, other_out: Path) -> tuple[int, int]:
    sql = {r[0]: r[1:] for r in json.loads(sql_out.read_text())}
    pdx = {r[0]: r[1:] for r in json.loads(other_out.read_text())}
    bad = 0
    for wallet in set(sql) | set(pdx):
        a, b = sql.get(wallet), pdx.get(wallet)
        if a is None or b is None or int(a[0]) != int(b[0]) or abs(a[1] - b[1]) > 1e-6 or (
                (a[2] is None) != (b[2] is None) or (a[2] is not None
                                                     and abs(a[2] - b[2]) > 1e-9)):
            bad += 1
    return len(set(sql) | set(pdx)), bad


def _steps(side_result: dict) -> str:
    return "    steps: " + ", ".join(f"{k} {v:.1f} s"
                                    for k, v in side_result["steps"].items())


def scaling(sizes: list[dict]) -> None:
    """How each step grows from the smallest world to each larger one, beside how the data
    grows: fills, and the positions and bets the fold, the bets and the risk steps work on
    (a world's wallets hold more positions each as its markets grow, so these outgrow the
    fills). Steps under 0.05 s in the smallest world are left out (too small to time)."""
    first = sizes[0]
    print("\nscaling from the smallest world (x = larger / smallest):")
    for size in sizes[1:]:
        grow = {k: size[k] / first[k] for k in ("fills", "positions", "bets", "total_s")}
        print(f"  {first['fills']:,} -> {size['fills']:,} fills: fills x{grow['fills']:.1f}, "
              f"positions x{grow['positions']:.1f}, bets x{grow['bets']:.1f}; time "
              f"x{grow['total_s']:.1f} (enrich x{size['enrich_s'] / first['enrich_s']:.1f})")
        steps = [f"{k} x{v / first['steps'][k]:.1f}" for k, v in size["steps"].items()
                 if first["steps"].get(k, 0) >= 0.05]
        print("    steps: " + ", ".join(steps))


def report(target: int, world: Path, skip_baselines: bool, whole: bool,
           sizes: list[dict]) -> dict:
    """Every side on one world, printed (its SQL side's figures appended to `sizes`);
    returns {side: (seconds, peak bytes)}."""
    gb = 1024 ** 3
    with fresh_dir("bench-metrics-out-") as tmp:
        sql = side("sql", world, tmp / "sql.json")
        sizes.append(sql)
        print(f"\n[{sql['fills']:,} fills]")
        print(f"  SQL (chDB): enrich {sql['enrich_s']:.1f} s + metrics {sql['metrics_s']:.1f}"
              f" s = {sql['total_s']:.1f} s -> {sql['fills'] / sql['total_s']:,.0f} fills/s;"
              f" peak RSS {sql['peak_rss'] / gb:.2f} GB (loading the store took "
              f"{sql['load_s']:.1f} s, not timed)")
        print(_steps(sql))
        print(f"    over {sql['wallets']:,} wallets, {sql['positions']:,} positions, "
              f"{sql['bets']:,} bets")
        costs = {"chDB, every figure": (sql["total_s"], sql["peak_rss"])}
        act = side("sql+activities", world, tmp / "sql-activities.json")
        print(f"  SQL, fills + {act['activities']:,} activities: enrich "
              f"{act['enrich_s']:.1f} s + metrics {act['metrics_s']:.1f} s = "
              f"{act['total_s']:.1f} s ({act['total_s'] / sql['total_s']:.2f}x the fills "
              f"only); peak RSS {act['peak_rss'] / gb:.2f} GB")
        print(_steps(act))
        if whole:
            one = side("sql-whole", world, tmp / "sql-whole.json")
            costs["chDB, one slice"] = (one["total_s"], one["peak_rss"])
            print(f"  SQL in one slice (the wallet steps over every wallet at once): "
                  f"{one['total_s']:.1f} s ({one['total_s'] / sql['total_s']:.2f}x the "
                  f"slices); peak RSS {one['peak_rss'] / gb:.2f} GB "
                  f"({one['peak_rss'] / sql['peak_rss']:.2f}x)")
            print(_steps(one))
        if skip_baselines:
            print("  pandas baseline skipped (--skip-pandas-above)")
        for engine in (("duckdb",) if skip_baselines else ("duckdb", "pandas")):
            other = side(engine, world, tmp / f"{engine}.json")
            wallets, bad = agree(tmp / "sql.json", tmp / f"{engine}.json")
            costs[f"{engine}, lifetime only"] = (other["total_s"], other["peak_rss"])
            print(f"  {engine} (lifetime positions -> bets -> omega, load included): "
                  f"{other['total_s']:.1f} s -> {sql['fills'] / other['total_s']:,.0f} fills/s;"
                  f" peak RSS {other['peak_rss'] / gb:.2f} GB; {engine} / SQL = "
                  f"{other['total_s'] / sql['total_s']:.2f}x")
            print(f"    agreement with the SQL on lifetime bets_closed / realized_pnl / "
                  f"omega_score: {wallets - bad} of {wallets} wallets")
    return {name: (target, *cost) for name, cost in costs.items()}


def plot(curve: dict[str, list[tuple[int, float, int]]], path: Path) -> None:
    """Seconds and peak GB against fills, one line per side, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (time_ax, mem_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for name, points in curve.items():
        fills = [p[0] for p in points]
        time_ax.plot(fills, [p[1] for p in points], marker="o", label=name)
        mem_ax.plot(fills, [p[2] / 1024 ** 3 for p in points], marker="o", label=name)
    first = curve["chDB, every figure"][0]
    last = curve["chDB, every figure"][-1]
    time_ax.plot([first[0], last[0]], [first[1], first[1] * last[0] / first[0]], ":",
                 color="grey", label="linear from the first chDB point")
    for ax, label in ((time_ax, "seconds (enrich + metrics)"), (mem_ax, "peak RSS, GB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("fills")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    time_ax.legend(fontsize=8)
    fig.suptitle("polyrank metrics: cost against fills (bench/metrics.py, 2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\ncost curve written to {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fills", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    ap.add_argument("--world-dir", type=Path, default=Path("worlds"))
    ap.add_argument("--skip-pandas-above", type=int, default=None,
                    help="run the pandas baseline only for worlds up to this many fills")
    ap.add_argument("--plot", type=Path, default=None, help="write the cost curve to this PNG")
    ap.add_argument("--whole", action="store_true",
                    help="also run the SQL side in one slice (metrics_slice_rows 0) beside")
    ap.add_argument("--side", nargs=3, metavar=("MODE", "WORLD", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        mode, world, out = args.side
        if mode in ("pandas", "duckdb"):
            result = run_baseline(Path(world), Path(out), mode)
        elif mode.startswith("compute"):
            result = compute(Path(world), Path(out), whole=mode == "compute-whole")
        else:
            result = run_sql(Path(world), Path(out), activities=mode == "sql+activities",
                             whole=mode == "sql-whole")
        print(json.dumps(result))
        return
    curve: dict[str, list[tuple[int, float, int]]] = {}
    sizes: list[dict] = []
    for target in args.fills:
        world = ensure_world(args.world_dir / f"bench-metrics-{target}", seed=7, fills=target)
        skip = args.skip_pandas_above is not None and target > args.skip_pandas_above
        for name, point in report(target, world, skip, args.whole, sizes).items():
            curve.setdefault(name, []).append(point)
    print("\nside                    " + "".join(f"{t:>14,}" for t in args.fills))
    for name, points in curve.items():
        print(f"{name:24s}" + "".join(f"{p[1]:>9.1f} s   " for p in points))
    if len(sizes) > 1:
        scaling(sizes)
    if args.plot:
        plot(curve, args.plot)


if __name__ == "__main__":
    main()
