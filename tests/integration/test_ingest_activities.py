"""Position-changing activities loaded by the real ingest against the replay into a real chDB
store, in the same commit as the wallet's fills: V2-era SPLIT, MERGE, REDEEM, CONVERSION rows
of the Data API (exactly the world's rows from the migration or --since on, once each) and
V1-era splits, merges and redemptions of the activity subgraph (one per transaction)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.replay.data_api import DataApiLimits
from polyrank.sim.replay.server import ServiceLimits
from polyrank.store import Store
from tests.ingest_support import (
    FAST_RETRY,
    run_ingest,
    settings_for,
    store_fill_keys,
    wallet_states,
    world_fills,
)
from tests.replay_world import write_world

DAY = 86400
TINY = {"data_page_size": 7, "data_max_offset": 35, "page_size": 7}
TINY_LIMITS = ServiceLimits(data_api=DataApiLimits(max_activity_offset=35))


def _world(tmp_path: Path):
    """A world across the migration whose REDEEM rows also fall before it, exactly at it,
    twice identically (the same transaction, amounts and token) and twice in one transaction;
    generated worlds redeem only near their end, after the migration."""
    world = write_world(tmp_path / "w", n_wallets=8, n_matches=600, distinct_timestamps=15,
                        start_ts=V2_MIGRATION_TS - 30 * DAY, end_ts=V2_MIGRATION_TS + 30 * DAY)
    rows = world.activity.to_pylist()
    extra = []
    for i, base in enumerate(rows[:6]):
        moved = {**base, "transaction_hash": "0x" + f"{i + 1:02x}" * 32}
        extra.append({**moved, "timestamp": V2_MIGRATION_TS - DAY * (i + 1)})  # before: not
        extra.append({**moved, "timestamp": V2_MIGRATION_TS, "usdc_size": 0})  # at: loaded
    extra.append(dict(rows[6]))  # an identical twin: a second row, not the same one
    extra.append({**rows[7], "size": rows[7]["size"] + 100, "usdc_size": 0})  # same tx
    table = pa.Table.from_pylist(rows + extra, schema=world.activity.schema)
    pq.write_table(table, world.path / "activity.parquet")
    return world


def _markets(world_dir: Path) -> dict:
    """(neg-risk market id, question index) -> the market record."""
    markets = [json.loads(line) for line in (world_dir / "markets.jsonl").read_text().splitlines()]
    return {(m["neg_risk_market_id"], m["neg_risk_index"]): m for m in markets if m["neg_risk"]}


def world_activities(world_dir: Path, wallets, since: int = 0) -> Counter:
    """The world's activities from the migration (or `since`) on, as the Data API lists them
    and the store keeps them: (wallet, timestamp, condition, amount, usdc, tx, kind); usdc is
    kept for redemptions only, and a conversion is one row per converted question."""
    start = max(since, V2_MIGRATION_TS)
    table = pq.read_table(world_dir / "activity.parquet")
    questions = _markets(world_dir)
    out: Counter = Counter()
    for r in table.to_pylist():
        if r["timestamp"] < start or r["wallet"] not in set(wallets):
            continue
        key = (r["wallet"], r["timestamp"])
        tail = (r["transaction_hash"], r["type"].lower())
        if r["type"] == "CONVERSION":
            for i in range(r["question_count"]):
                if r["index_set"] >> i & 1:
                    cond = questions[(r["condition_id"], i)]["condition_id"]
                    out[(*key, cond.lower(), r["size"], 0, *tail)] += 1
        else:
            usdc = r["usdc_size"] if r["type"] == "REDEEM" else 0
            out[(*key, r["condition_id"].lower(), r["size"], usdc, *tail)] += 1
    return out


def world_v1_activities(world_dir: Path, wallets, since: int = 0) -> Counter:
    """The world's activities before the migration as the activity subgraph keys them: one
    per (transaction, wallet), a redemption's payouts summed (the subgraph reports no share
    amount for it); (wallet, timestamp, condition or neg-risk market, amount, usdc, tx, kind)."""
    groups: dict = {}
    for r in pq.read_table(world_dir / "activity.parquet").to_pylist():
        if (since <= r["timestamp"] < V2_MIGRATION_TS and r["wallet"] in set(wallets)):
            key = (r["transaction_hash"].lower(), r["wallet"], r["type"].lower())
            redeem = r["type"] == "REDEEM"
            ts, cond, amount, usdc = groups.get(key, (r["timestamp"], r["condition_id"].lower(),
                                                      0, 0))
            groups[key] = (min(ts, r["timestamp"]), cond,
                           amount + (0 if redeem else r["size"]),
                           usdc + (r["usdc_size"] if redeem else 0))
    return Counter((w, ts, cond, amount, usdc, tx, kind)
                   for (tx, w, kind), (ts, cond, amount, usdc) in groups.items())


def store_v1_activities(dsn: str) -> Counter:
    with Store.open(dsn) as store:
        rows = store.rows("SELECT wallet, timestamp, condition_id, amount, usdc, tx_hash, kind, "
                          "exchange_version, id FROM activities FINAL "
                          "WHERE source = 'activity_subgraph'")
    assert all(version == 1 and act_id.startswith(tx) and act_id.endswith(":" + kind)
               for *_, tx, kind, version, act_id in rows), rows
    return Counter(tuple(r[:7]) for r in rows)


def store_activities(dsn: str) -> tuple[Counter, int, int]:
    """(the stored Data API activities as a multiset, raw row count, distinct ids over both
    sources) — raw, without FINAL, so a doubled row shows. Checks what every row says about
    its source."""
    with Store.open(dsn) as store:
        rows = store.rows("SELECT wallet, timestamp, condition_id, amount, usdc, tx_hash, kind, "
                          "exchange_version, source, id, toString(index_set) FROM activities "
                          "WHERE source = 'data_api'")
        count, distinct = store.rows("SELECT count(), uniqExact(id) FROM activities")[0]
    got: Counter = Counter()
    for wallet, ts, cond, amount, usdc, tx, kind, version, source, act_id, index_set in rows:
        assert (version, source, index_set) == (2, "data_api", "0"), rows
        assert act_id.startswith(tx + "_0x")
        got[(wallet, ts, cond, amount, usdc, tx, kind)] += 1
    return got, count, distinct


@pytest.mark.parametrize("faults", ["none", "error_rate 0.2"])
def test_every_v2_redeem_once_with_faults_tiny_pages_and_a_refresh(tmp_path, faults):
    world = _world(tmp_path)
    expected = world_activities(world.path, world.wallets)
    assert sum(expected.values()) > 40 and max(expected.values()) == 2  # the twin
    assert any(k[1] == V2_MIGRATION_TS and k[4] == 0 for k in expected)
    fault = FaultConfig(fault_seed=5, error_rate=0.2) if faults != "none" else None
    # (up to 11 attempts a request: with 6, one of the tiny pages' many requests failed six
    # times in a row about once in a few dozen runs, its wallet then rightly reported failed;
    # the workers' order of requests, and so which draw of the faults each gets, varies)
    retry = replace(FAST_RETRY, retries=10)
    with ReplayServer(world.path, faults=fault, limits=TINY_LIMITS) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        first = run_ingest(settings, world.wallets, workers=3, batch_wallets=3, retry=retry,
                           **TINY)
        stats = server.stats()
    assert first.failed == {}
    if fault:
        assert sum(stats["faults"].values()) > 20 and first.http["retries"] > 0
    got, count, distinct = store_activities(settings.store_dsn)
    v1 = world_v1_activities(world.path, world.wallets)
    assert sum(v1.values()) >= 6 and store_v1_activities(settings.store_dsn) == v1
    n = sum(expected.values()) + sum(v1.values())
    assert got == expected and count == distinct == n
    assert (first.activities_fetched, first.activities_new, first.activities_skipped) == (n, n, 0)
    fills, fill_count, fill_distinct = store_fill_keys(settings.store_dsn)
    assert fills == world_fills(world.path) and fill_count == fill_distinct  # one listing
    # a second run of every wallet stores nothing twice
    with ReplayServer(world.path, limits=TINY_LIMITS) as server:
        settings = settings_for(server.url, settings.store_dsn, tmp_path / "rt2")
        again = run_ingest(settings, world.wallets, workers=2, refresh=True, retry=retry)
    assert again.failed == {} and (again.activities_fetched, again.activities_new) == (n, 0)
    got, count, distinct = store_activities(settings.store_dsn)
    assert got == expected and count == distinct == n
    assert store_v1_activities(settings.store_dsn) == v1
    status = (tmp_path / "rt2" / "status.json").read_text()
    assert '"activities_fetched": ' + str(n) in status


def test_since_later_than_the_migration_starts_there(tmp_path):
    world = _world(tmp_path)
    since = V2_MIGRATION_TS + 29 * DAY
    expected = world_activities(world.path, world.wallets, since)
    assert 0 < sum(expected.values()) < sum(world_activities(world.path, world.wallets).values())
    with ReplayServer(world.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, world.wallets[:5], workers=2, since=since)
    assert report.failed == {}
    got, count, distinct = store_activities(settings.store_dsn)
    assert got == world_activities(world.path, world.wallets[:5], since) and count == distinct


def test_a_malformed_activity_fails_its_wallet_then_it_is_retried(tmp_path):
    world = _world(tmp_path)
    broken = tmp_path / "broken"  # one V2 REDEEM pays more than 1 a share
    shutil.copytree(world.path, broken)
    table = pq.read_table(broken / "activity.parquet")
    rows = table.to_pylist()
    victim_row = next(i for i, r in enumerate(rows)
                      if r["timestamp"] > V2_MIGRATION_TS and r["type"] == "REDEEM")
    victim = rows[victim_row]["wallet"]
    rows[victim_row]["usdc_size"] = rows[victim_row]["size"] + 1_000_000
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), broken / "activity.parquet")
    store = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(broken) as server:
        settings = settings_for(server.url, store, tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, batch_wallets=3)
    assert list(report.failed) == [victim]
    assert report.failed[victim].startswith("Data API:") and "payout above 1 a share" in \
        report.failed[victim] and "REDEEM" in report.failed[victim]
    states = wallet_states(store)
    assert states[victim][0] == "failed"
    assert {s[0] for w, s in states.items() if w != victim} == {"done"}
    got, _, _ = store_activities(store)
    others = [w for w in world.wallets if w != victim]
    assert got == world_activities(world.path, others)  # nothing of the victim written
    assert victim not in store_fill_keys(store)[0]  # neither its fills
    with ReplayServer(world.path) as server:
        settings = settings_for(server.url, store, tmp_path / "rt2")
        again = run_ingest(settings, world.wallets, workers=1)
    assert again.failed == {} and again.already_done == len(world.wallets) - 1
    got, count, distinct = store_activities(store)
    assert got == world_activities(world.path, world.wallets) and count == distinct
    assert wallet_states(store)[victim][0] == "done"


@pytest.mark.parametrize("option", ["max-trades", "no-data-api", "no-activities"])
def test_max_trades_loads_no_activities_and_no_data_api_only_v1_ones(tmp_path, option):
    world = _world(tmp_path)
    options = {"max-trades": {"max_trades": 25}, "no-data-api": {"data_api": False},
               "no-activities": {"activities": False}}[option]
    with ReplayServer(world.path, limits=TINY_LIMITS) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, **options, **TINY)
    v1 = world_v1_activities(world.path, world.wallets)
    loaded = sum(v1.values()) if option == "no-data-api" else 0
    assert report.failed == {} and report.activities_fetched == loaded
    got, count, _ = store_activities(settings.store_dsn)
    assert count == loaded and not got   # no Data API activity
    assert store_v1_activities(settings.store_dsn) == (Counter() if loaded == 0 else v1)
    if option == "max-trades":
        assert report.fills_v2 > 0 and report.truncated
