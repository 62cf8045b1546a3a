"""`refresh` against the replay's clock: a store loaded at t1 and refreshed at t2 equals, on
every row and column of every result table, a store built from scratch at t2 — with wallets
first seen after t1, markets created and resolved in between, and the V2 migration crossed in
between (both sources read from each wallet's cursor). A refresh with nothing new computes
nothing; a refresh killed midway (as it loads, enriches or computes) and run again ends the
same."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import polyrank
from polyrank.ingest.options import DEFAULT_OVERLAP_S
from polyrank.runtime_files import read_job
from polyrank.session import REFRESH_SOURCES
from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import ReplayServer
from polyrank.sim.replay.clock import parse_time
from polyrank.sim.replay.loader import load_world
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.ingest_support import FAST_RETRY, settings_for

START = "2026-01-01"
T1, T2 = parse_time("2026-03-01"), parse_time("2026-06-05")
# what is compared: the metrics run's tables (without the run id) and the enriched tables
RESULTS = {
    "positions": "SELECT * EXCEPT run_id FROM positions WHERE run_id = {run:String}",
    "bets": "SELECT * EXCEPT run_id FROM bets WHERE run_id = {run:String}",
    "wallet_metrics": "SELECT * EXCEPT run_id FROM wallet_metrics WHERE run_id = {run:String}",
    "specialists": "SELECT * EXCEPT run_id FROM specialists WHERE run_id = {run:String}",
    "trades": "SELECT * FROM trades",
    "activity_rows": "SELECT * FROM activity_rows",
    "trade_tokens": "SELECT * FROM trade_tokens",
    "wallet_registry": "SELECT * FROM wallet_registry",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("refresh") / "world"
    generate_world(path, WorldParams(seed=17, wallets=90, markets=36, start=START,
                                     end="2026-07-10"))
    return path


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(load_world(world), clock=T1) as srv:
        yield srv


def open_store(server, dsn: str, root: Path):
    return polyrank.open(dsn, settings=settings_for(server.url, dsn, root))


def build(server, dsn: str, root: Path):
    """From scratch at the clock's time: discover the tape, then the whole pipeline."""
    with open_store(server, dsn, root) as pr:
        pr.discover(since=START, sources=REFRESH_SOURCES, data_limit=None)
        return pr.run_pipeline(retry=FAST_RETRY, goldsky_limit=None, data_limit=None)


def refresh(server, dsn: str, root: Path):
    with open_store(server, dsn, root) as pr:
        return pr.refresh(discover_since=START, retry=FAST_RETRY, goldsky_limit=None,
                          data_limit=None)


def refresh_command(server, dsn: str, runtime: Path) -> list[str]:
    """`polyrank refresh` at the replay, as a user runs it, in a process of its own."""
    return [sys.executable, "-m", "polyrank", "refresh", "--discover-since", START,
            "--store", dsn, "--goldsky-url", server.url, "--gamma-url", server.url,
            "--data-api-url", server.url, "--runtime-dir", str(runtime)]


def snapshot(dsn: str) -> dict[str, list[tuple]]:
    """Every compared table's rows, in one order that does not depend on float rounding."""
    with Store.open(dsn) as store:
        run = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                           "WHERE key = 'metrics_run'")
        return {name: sorted((tuple(row) for row in store.rows(sql, {"run": run})),
                             key=_order) for name, sql in RESULTS.items()}


def _order(row: tuple) -> tuple:
    exact = tuple(repr(v) for v in row if not isinstance(v, float))
    return exact, tuple(f"{v:.6g}" for v in row if isinstance(v, float))


def _same(a, b) -> bool:
    """Equal, floats to 1e-9 relative (sums over rows inserted in another order differ in
    their last bits)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (
            math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def counts(dsn: str) -> dict[str, int]:
    with Store.open(dsn) as store:
        return {"fills": store.scalar("SELECT count() FROM fills"),
                "activities": store.scalar("SELECT count() FROM activities"),
                "runs": store.scalar("SELECT count() FROM metrics_runs"),
                "run": store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                                    "WHERE key = 'metrics_run'")}


def assert_same(got: dict, want: dict) -> None:
    for name in RESULTS:
        assert len(got[name]) == len(want[name]), name
        differing = [(a, b) for a, b in zip(got[name], want[name], strict=True)
                     if not _same(a, b)]
        shown = [(a[:3], [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True))
                          if not _same(x, y)]) for a, b in differing[:3]]
        assert not differing, (name, len(differing), shown)


@pytest.fixture(scope="module")
def rebuilt(server, tmp_path_factory):
    """The store built from scratch at t2."""
    root = tmp_path_factory.mktemp("rebuilt")
    server.set_clock(T2, 0)
    try:
        report = build(server, f"chdb://{root / 'store'}", root / "rt")
    finally:
        server.set_clock(T1, 0)
    return f"chdb://{root / 'store'}", report


@pytest.fixture(scope="module")
def refreshed(server, tmp_path_factory):
    """A store built at t1, then refreshed at t2 (and the reports of both)."""
    root = tmp_path_factory.mktemp("refreshed")
    dsn = f"chdb://{root / 'store'}"
    server.set_clock(T1, 0)
    first = build(server, dsn, root / "rt")
    at_t1 = counts(dsn)
    with Store.open(dsn) as store:
        at_t1["tags"] = dict(store.rows("SELECT id, tag_slugs FROM events FINAL"))
    server.set_clock(T2, 0)
    try:
        again = refresh(server, dsn, root / "rt")
    finally:
        server.set_clock(T1, 0)
    return dsn, first, at_t1, again


def test_the_world_changes_between_t1_and_t2(world):
    """The scenario is there: new wallets, markets created and resolved in between, and the
    migration in between (so both sources are read from cursors)."""
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist()
    before = {f["maker"] for f in fills if f["timestamp"] <= T1}
    between = {f["maker"] for f in fills if T1 < f["timestamp"] <= T2}
    assert between - before, "no wallet first seen after t1"
    markets = [json.loads(line) for line in (world / "markets.jsonl").read_text().splitlines()]
    born_and_resolved = [m for m in markets if (m.get("start_ts") or 0) > T1
                         and m.get("closed_ts") and m["closed_ts"] <= T2]
    assert born_and_resolved, "no market created and resolved between t1 and t2"
    events = [json.loads(line) for line in (world / "events.jsonl").read_text().splitlines()]
    retagged = [e for e in events if e.get("retag_ts") and T1 < e["retag_ts"] <= T2
                and e["start_ts"] <= T1]
    assert retagged, "no event seen at t1 whose tags change before t2"
    assert T1 < V2_MIGRATION_TS < T2


def test_refresh_at_t2_equals_a_rebuild_at_t2(refreshed, rebuilt, world):
    """Every result row equal — including the trades of the event re-tagged between t1 and
    t2, whose category the refresh changed."""
    dsn, first, at_t1, again = refreshed
    events = [json.loads(line) for line in (world / "events.jsonl").read_text().splitlines()]
    event = next(e for e in events if e.get("retag_ts") and T1 < e["retag_ts"] <= T2)
    with Store.open(dsn) as store:
        tags = store.scalar("SELECT argMax(tag_slugs, updated_at) FROM events WHERE id = "
                            "{id:String}", {"id": event["id"]})
        categories = {r[0] for r in store.rows("SELECT DISTINCT category FROM trades WHERE "
                                               "event_id = {id:String}", {"id": event["id"]})}
    assert at_t1["tags"][event["id"]] == [t["slug"] for t in event["tags_before"]]
    assert tags == [t["slug"] for t in event["tags"]] and categories == {event["category"]}
    assert first.metrics is not None and again.metrics is not None
    assert again.catalogue.incremental and not first.catalogue.incremental
    assert again.ingest.failed == {}
    assert_same(snapshot(dsn), snapshot(rebuilt[0]))
    assert counts(dsn)["fills"] == counts(rebuilt[0])["fills"]
    # every wallet that traded by t2 was found (both tapes) and loaded
    makers = {r["maker"] for r in pq.read_table(world / "fills.parquet", columns=[
        "maker", "timestamp"]).to_pylist() if r["timestamp"] <= T2}
    with Store.open(dsn) as store:
        loaded = {r[0] for r in store.rows("SELECT DISTINCT maker FROM fills")}
    assert loaded == makers
    assert counts(dsn)["activities"] == counts(rebuilt[0])["activities"]


def test_refresh_reads_each_known_wallet_only_from_its_cursor(refreshed, rebuilt, world):
    """The refresh re-reads of a wallet known at t1 only the overlap before its cursor: the
    fills it fetched again are exactly the stored ones of [cursor - overlap, t1], where the
    cursor is the upstream's present at t1 (before the migration: the newest trade)."""
    dsn, _, at_t1, again = refreshed
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist()
    known = {f["maker"] for f in fills if f["timestamp"] <= T1}
    cursor = max(f["timestamp"] for f in fills if f["timestamp"] <= T1)
    with Store.open(dsn) as store:
        assert store.scalar("SELECT uniqExact(loaded_to) FROM ingest_wallets FINAL") == 1
    overlap = sum(1 for f in fills if f["maker"] in known
                  and cursor - DEFAULT_OVERLAP_S <= f["timestamp"] <= T1)
    assert again.ingest.fills_duplicate == overlap
    assert at_t1["fills"] + again.ingest.fills_new == counts(dsn)["fills"]
    assert again.ingest.fills_fetched < rebuilt[1].ingest.fills_fetched


def test_a_refresh_with_nothing_new_computes_nothing(server, refreshed, tmp_path):
    dsn, *_ = refreshed
    before = counts(dsn)
    server.set_clock(T2, 0)
    try:
        report = refresh(server, dsn, tmp_path / "rt")
    finally:
        server.set_clock(T1, 0)
    assert report.ingest.fills_new == 0 and report.ingest.activities_new == 0
    assert report.catalogue.events_written == 0 and report.catalogue.markets_written == 0
    assert report.metrics is None and report.enrich is None and not report.changed
    assert counts(dsn) == before  # no fill, no activity, no metrics run written
    with open_store(server, dsn, tmp_path / "rt") as pr:
        assert pr.status().stage == "ready"


def test_a_refresh_killed_midway_and_run_again_ends_the_same(world, rebuilt, tmp_path):
    """SIGKILL while the refresh loads (t1 -> t2, through the command line, its requests
    paced so that the kill lands mid-load: after 30 of its Data API reads), then a rerun:
    the store equals the rebuild at t2."""
    dsn = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(load_world(world), clock=T1) as server:
        build(server, dsn, tmp_path / "rt")
        server.set_clock(T2, 0)
        cmd = [*refresh_command(server, dsn, tmp_path / "rt"), "--workers", "2"]
        before = _activity_reads(server)
        proc = subprocess.Popen([*cmd, "--rate-limit", "20/1", "--data-rate-limit", "20/1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if _activity_reads(server) >= before + 30:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the refresh ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        done = subprocess.run([*cmd, "--rate-limit", "none", "--data-rate-limit", "none"],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert_same(snapshot(dsn), snapshot(rebuilt[0]))


# where a refresh is killed while it computes: once its enrich has appended the new fills'
# trade rows (whatever statement of it runs next), or once its metrics run is computing its
# wallet rows (or a later statement of it, before the run is made readable)
AFTER_THE_APPEND = ("build_trade_tokens", "build_trade_wallets", "kept_activity_rows",
                    "attach_activity_rows", "build_activity_rows", "conversion_legs",
                    "build_conversion_rows", "swap")
IN_THE_WALLET_ROWS = ("wallet_rows", "carry_over", "run_sources", "skilled", "specialists")


@pytest.mark.parametrize(("job", "steps"), [("enrich", AFTER_THE_APPEND),
                                            ("metrics", IN_THE_WALLET_ROWS)])
def test_a_refresh_killed_while_it_computes_and_run_again_ends_the_same(world, rebuilt,
                                                                        tmp_path, job, steps):
    """SIGKILL while the refresh's enrich or metrics run works (read from the job file it
    publishes for `polyrank status`), then a rerun: the store equals the rebuild at t2 — the
    trade rows the killed enrich appended are not doubled, the half-written run is never
    read."""
    dsn = f"chdb://{tmp_path / 'store'}"
    runtime = tmp_path / "rt"
    with ReplayServer(load_world(world), clock=T1) as server:
        build(server, dsn, runtime)
        server.set_clock(T2, 0)
        cmd = [*refresh_command(server, dsn, runtime), "--rate-limit", "none",
               "--data-rate-limit", "none"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            state = read_job(runtime) or {}
            if state.get("pid") == proc.pid and state.get("job") == job and state.get(
                    "running") and state.get("step", "").removeprefix(f"{job}: ").startswith(
                    steps):
                seen = state["step"]
                break
            time.sleep(0.001)
        assert seen is not None and proc.poll() is None, "the refresh ended before the kill"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        with Store.open(dsn) as store:
            readable = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                                    "WHERE key = 'metrics_run'")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    assert_same(snapshot(dsn), snapshot(rebuilt[0]))
    assert counts(dsn)["run"] != readable, f"killed at {seen}: the rerun made no new run"
    with Store.open(dsn) as store:
        # (the killed run's rows, never recorded as a run, dropped by the rerun's)
        for table in ("position_rows", "bet_rows", "wallet_metric_rows", "risk_curves"):
            assert not store.scalar(
                f"SELECT count() FROM {table} WHERE run_id NOT IN "
                "(SELECT run_id FROM metrics_runs)"), (table, seen)


def _activity_reads(server) -> int:
    return sum(n for path, n in server.stats()["by_path"].items() if "/activity" in path)


def _wallets_done(status: Path) -> int:
    try:
        published = json.loads(status.read_text())
    except (OSError, ValueError):
        return 0
    if published.get("stage") != "ingest":
        return 0
    return int(published.get("totals", {}).get("wallets_done", 0))


def test_refresh_every_runs_rounds_while_the_api_answers(world, tmp_path):
    """`refresh --every --serve` with the replay's clock running fast (three days a
    second): two rounds, each with new data and a new metrics run, while the API answers
    every request from a complete run."""
    dsn = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(load_world(world), clock=T1) as server:
        build(server, dsn, tmp_path / "rt")
        first = counts(dsn)
        server.set_clock(T1, 3 * 86400)
        cmd = [sys.executable, "-m", "polyrank", "refresh", "--every", "2s", "--rounds", "2",
               "--serve", "--port", "0", "--store", dsn, "--goldsky-url", server.url,
               "--gamma-url", server.url, "--data-api-url", server.url, "--runtime-dir",
               str(tmp_path / "rt"), "--rate-limit", "none", "--data-rate-limit", "none"]
        log = tmp_path / "stderr.txt"
        with log.open("w") as err_file:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err_file, text=True)
        url = _served_url(proc, log)
        answers = []
        while proc.poll() is None:
            try:
                answers.append(_get(url + "/api/omega/leaderboard?limit=5"))
            except urllib.error.URLError as exc:
                # refused: only allowed as the command ends (it stops serving, then exits)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    raise AssertionError(f"refused after {len(answers)} answers while the "
                                         "command still runs") from exc
            time.sleep(0.05)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, log.read_text()[-2000:]
    assert "round 1:" in out and "round 2:" in out and "round 1 failed" not in out
    assert len(answers) > 10 and set(answers) == {200}, answers
    last = counts(dsn)
    assert last["runs"] >= first["runs"] + 2 and last["fills"] > first["fills"]


def _served_url(proc, log: Path) -> str:
    """The URL the command prints once it serves."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        for line in log.read_text().splitlines():
            if line.startswith("serving ") and " on http" in line:
                return line.split(" on ")[1].split()[0]
        time.sleep(0.05)
    raise AssertionError("the command never said where it serves: " + log.read_text()[-2000:])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def quiet_stretch(world, wallets: int = 3, span: int = 7200) -> tuple[list[str], int]:
    """Some wallets and a time t such that in (t, t + span] other wallets trade markets open
    at t (their prices move) while these wallets do nothing and no market starts, resolves
    or is re-tagged."""
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist()
    acts = pq.read_table(world / "activity.parquet", columns=["wallet", "timestamp"]).to_pylist()
    markets = [json.loads(x) for x in (world / "markets.jsonl").read_text().splitlines()]
    events = [json.loads(x) for x in (world / "events.jsonl").read_text().splitlines()]
    moments = sorted({m.get("start_ts") or 0 for m in markets}
                     | {m.get("closed_ts") or 0 for m in markets}
                     | {e.get("retag_ts") or 0 for e in events})
    busy = sorted({f["maker"] for f in fills})
    for t in range(T1, T2, span):
        if any(t < m <= t + span for m in moments):
            continue
        inside = {f["maker"] for f in fills if t < f["timestamp"] <= t + span}
        acting = {a["wallet"] for a in acts if t < a["timestamp"] <= t + span}
        quiet = [w for w in busy if w not in inside | acting
                 and any(f["maker"] == w and f["timestamp"] <= t for f in fills)]
        if inside and len(quiet) >= wallets:
            return quiet[:wallets], t
    raise AssertionError("no quiet stretch in the world")


def test_prices_moving_without_new_fills_of_ours_compute_nothing(server, world, tmp_path):
    """Gamma's prices of open markets move with everyone's trades, so the catalogue sync
    rewrites those markets — but the metrics do not read those prices (marks are the latest
    fill's): with no new fill or activity of the store's wallets, no run is computed."""
    wallets, t = quiet_stretch(world)
    dsn = f"chdb://{tmp_path / 'store'}"
    server.set_clock(t, 0)
    try:
        with open_store(server, dsn, tmp_path / "rt") as pr:
            pr.run_pipeline(wallets, retry=FAST_RETRY, goldsky_limit=None, data_limit=None)
        before = counts(dsn)
        server.set_clock(t + 7200, 0)
        with open_store(server, dsn, tmp_path / "rt") as pr:  # no discovery: these wallets
            report = pr.refresh(retry=FAST_RETRY, goldsky_limit=None, data_limit=None)
    finally:
        server.set_clock(T1, 0)
    assert report.catalogue.markets_written > 0      # prices moved: market rows rewritten
    assert report.ingest.fills_new == 0 and report.ingest.activities_new == 0
    assert report.metrics is None and counts(dsn) == before


def a_busy_stretch(world, span: int = 3 * 3600) -> tuple[int, int]:
    """t1 < t2 = t1 + span after T1, in one UTC day with a fill before t1, such that wallets
    that traded by t1 trade in (t1, t2]: a refresh at t2 of a store built at t1 stays within
    the day of its last run."""
    fills = sorted((f["timestamp"], f["maker"]) for f in pq.read_table(
        world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist())
    for t2 in sorted({ts for ts, _ in fills if ts > T1}):
        t1 = t2 - span
        before = {m for ts, m in fills if ts <= t1}
        if (t1 // 86400 == t2 // 86400
                and any(t1 // 86400 * 86400 <= ts <= t1 for ts, _ in fills)
                and {m for ts, m in fills if t1 < ts <= t2} & before):
            return t1, t2
    raise AssertionError("no busy stretch in the world")


def test_a_refresh_within_the_day_computes_only_what_changed(server, world, tmp_path):
    """A store built at t1 and refreshed at t2, a few hours later the same day: the metrics
    run computes the wallets whose figures can have changed and carries the others over
    (metrics/incremental.py), and equals a store built from scratch at t2."""
    t1, t2 = a_busy_stretch(world)
    refreshed, rebuilt = f"chdb://{tmp_path / 'a'}", f"chdb://{tmp_path / 'b'}"
    try:
        server.set_clock(t1, 0)
        build(server, refreshed, tmp_path / "rt-a")
        server.set_clock(t2, 0)
        report = refresh(server, refreshed, tmp_path / "rt-a")
        with open_store(server, refreshed, tmp_path / "rt-a") as pr:
            latest = pr.status().runs[0]
        build(server, rebuilt, tmp_path / "rt-b")
    finally:
        server.set_clock(T1, 0)
    run = report.metrics
    assert report.ingest.fills_new > 0 and run is not None
    assert run.base_run and 0 < run.computed_wallets < run.wallets
    # the pipeline's run wrote its equity curves down: the refresh built only the as-of
    # day's part of some computed wallets' curves
    assert 0 < run.kept_curves <= run.computed_wallets
    # the refresh's enrich appended fills of the day alone: the tape's prices read again from
    # the base run's day on, the days before copied (enrich_log)
    assert run.prices_from == t1 // 86400 > 0
    assert (latest["run_id"], latest["base_run"], latest["computed_wallets"]) == (
        run.run_id, run.base_run, run.computed_wallets)  # what `status` and /api/status say
    assert_same(snapshot(refreshed), snapshot(rebuilt))
