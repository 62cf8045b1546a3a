"""The second fill source: fills at or after the V2 migration (2026-04-28) from the Data API,
loaded through the real ingest against the replay server into a real chDB store."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.replay.data_api import DataApiLimits
from polyrank.sim.replay.server import ServiceLimits
from tests.ingest_support import (
    fill_key,
    run_ingest,
    settings_for,
    store_fill_keys,
    wallet_states,
    world_fills,
)
from tests.replay_world import write_world

DAY = 86400


def _v2_count(counter: Counter) -> int:
    return sum(n for key, n in counter.items() if key[0] == 2)


@pytest.mark.parametrize("shape", ["real caps", "tiny pages"])
def test_offset_cap_windows_and_shared_timestamps_lose_and_double_nothing(tmp_path, shape):
    """A wallet with more than 5,000 V2 fills is read in time windows (offset stops at 5000);
    many fills share each timestamp, so page and window boundaries fall inside timestamps."""
    if shape == "real caps":
        world = write_world(tmp_path / "w", n_wallets=6, n_matches=8000, hot_wallet_share=0.75,
                            start_ts=V2_MIGRATION_TS + DAY, end_ts=V2_MIGRATION_TS + 60 * DAY,
                            distinct_timestamps=60)
        limits, options = ServiceLimits(), {}
    else:  # the same walk with pages of 7 rows and windows of 42
        world = write_world(tmp_path / "w", n_wallets=5, n_matches=400, distinct_timestamps=9,
                            start_ts=V2_MIGRATION_TS - 20 * DAY,
                            end_ts=V2_MIGRATION_TS + 20 * DAY)
        limits = ServiceLimits(data_api=DataApiLimits(max_activity_offset=35))
        options = {"data_page_size": 7, "data_max_offset": 35, "page_size": 7}
    expected = world_fills(world.path)
    page = options.get("data_page_size", 500)
    hot_ts = sorted(r["timestamp"] for r in world.fills.to_pylist()
                    if r["maker"] == world.wallets[0] and r["version"] == 2)
    # some page boundaries of the hot wallet fall inside a timestamp
    assert any(hot_ts[i - 1] == hot_ts[i] for i in range(page, len(hot_ts), page))
    if shape == "real caps":
        assert _v2_count(expected[world.wallets[0]]) > 5500  # more than one window
    with ReplayServer(world.path, limits=limits) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, batch_wallets=3, **options)
        stats = server.stats()
    assert report.failed == {}
    got, count, distinct = store_fill_keys(settings.store_dsn)
    assert got == expected and count == distinct
    assert "400" not in stats["by_status"]  # never asked past the offset cap
    hot = _v2_count(expected[world.wallets[0]])
    assert report.data_api_requests > hot // page  # windows re-read their boundary timestamp


def test_kill_free_rerun_and_refresh_add_nothing_to_v2(tmp_path):
    world = write_world(tmp_path / "w", n_wallets=8, n_matches=600, distinct_timestamps=15,
                        start_ts=V2_MIGRATION_TS - 30 * DAY, end_ts=V2_MIGRATION_TS + 30 * DAY)
    with ReplayServer(world.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        first = run_ingest(settings, world.wallets, workers=2, data_page_size=9,
                           data_max_offset=27)
        forced = run_ingest(settings, world.wallets, workers=3, refresh=True,
                            data_page_size=500)
    assert first.fills_v2 > 0 and first.fills_new == first.fills_fetched
    assert forced.fills_new == 0 and forced.fills_duplicate == first.fills_fetched
    got, count, distinct = store_fill_keys(settings.store_dsn)
    assert got == world_fills(world.path) and count == distinct


def test_a_wallet_whose_data_api_history_fails_is_failed_then_retried(tmp_path):
    world = write_world(tmp_path / "w", n_wallets=6, n_matches=300,
                        start_ts=V2_MIGRATION_TS - 30 * DAY, end_ts=V2_MIGRATION_TS + 30 * DAY)
    broken = tmp_path / "broken"  # one V2 BUY of one wallet says it paid more than 1 a share
    shutil.copytree(world.path, broken)
    fills = pq.read_table(broken / "fills.parquet")
    rows = fills.to_pylist()
    victim_row = next(i for i, r in enumerate(rows) if r["version"] == 2 and r["side"] == 0)
    victim = rows[victim_row]["maker"]
    paid = fills["maker_amount_filled"].to_pylist()
    paid[victim_row] = rows[victim_row]["taker_amount_filled"] + 1_000_000
    fills = fills.set_column(fills.schema.get_field_index("maker_amount_filled"),
                             "maker_amount_filled", pa.array(paid, pa.int64()))
    pq.write_table(fills, broken / "fills.parquet")
    store = f"chdb://{tmp_path / 'store'}"
    with ReplayServer(broken) as server:
        settings = settings_for(server.url, store, tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, batch_wallets=3)
    assert list(report.failed) == [victim]
    assert report.failed[victim].startswith("Data API:") and "price above 1" in \
        report.failed[victim]
    states = wallet_states(store)
    assert states[victim][0] == "failed"  # never done, never empty
    assert {s[0] for w, s in states.items() if w != victim} == {"done"}
    got, _, _ = store_fill_keys(store)
    assert victim not in got  # nothing of it written: neither source
    expected = world_fills(world.path)
    assert got == {w: c for w, c in expected.items() if w != victim}
    status = json.loads((tmp_path / "rt" / "status.json").read_text())
    assert status["totals"]["wallets_failed"] == 1
    with ReplayServer(world.path) as server:
        settings = settings_for(server.url, store, tmp_path / "rt2")
        again = run_ingest(settings, world.wallets, workers=1)
    assert again.failed == {} and again.already_done == len(world.wallets) - 1
    log = (tmp_path / "rt2" / "parallel-loads" / "worker_0.log").read_text()
    assert f"Processing wallet: {victim}" in log.splitlines()[0]
    got, count, distinct = store_fill_keys(store)
    assert got == expected and count == distinct
    assert wallet_states(store)[victim][0] == "done"


def test_the_data_api_host_has_its_own_rate_limiter(tmp_path):
    world = write_world(tmp_path / "w", n_wallets=24, n_matches=300,
                        start_ts=V2_MIGRATION_TS - 30 * DAY, end_ts=V2_MIGRATION_TS + 30 * DAY)
    strict = FaultConfig(rate_limit=10, rate_window_s=1.0)
    with ReplayServer(world.path) as goldsky, ReplayServer(world.path, faults=strict) as data:
        settings = settings_for(goldsky.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        settings = settings.with_overrides(data_api_url=data.url)
        report = run_ingest(settings, world.wallets, workers=4, batch_wallets=6,
                            data_limit=(8, 1.0))
        stats = data.stats()
        goldsky_paths = goldsky.stats()["by_path"]
    assert report.failed == {}
    assert stats["by_path"]["data:/activity"] == len(world.wallets)
    assert stats["faults"].get("rate_limited", 0) == 0  # stayed under the host's limit
    assert "data:/activity" not in goldsky_paths
    got, count, distinct = store_fill_keys(settings.store_dsn)
    assert got == world_fills(world.path) and count == distinct


@pytest.mark.parametrize("option", ["no-data-api", "since"])
def test_no_data_api_and_since(tmp_path, option):
    world = write_world(tmp_path / "w", n_wallets=6, n_matches=300,
                        start_ts=V2_MIGRATION_TS - 30 * DAY, end_ts=V2_MIGRATION_TS + 30 * DAY)
    since = V2_MIGRATION_TS + 10 * DAY
    options = {"data_api": False} if option == "no-data-api" else {"since": since}
    with ReplayServer(world.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, **options)
        activity = server.stats()["by_path"].get("data:/activity", 0)
    got, count, distinct = store_fill_keys(settings.store_dsn)
    states = wallet_states(settings.store_dsn)
    assert report.failed == {} and count == distinct
    if option == "no-data-api":
        assert got == world_fills(world.path, v2=False) and activity == 0
        assert {s[4:] for s in states.values()} == {(0, 0, "")}  # V2 visibly not loaded
    else:
        expected = world_fills(world.path, since=since)
        assert got == expected and _v2_count(sum(expected.values(), Counter())) > 0
        assert all(s[6] == "data_api" for s in states.values())


def test_max_trades_keeps_the_most_recent_across_both_sources(tmp_path):
    world = write_world(tmp_path / "w", n_wallets=5, n_matches=400, distinct_timestamps=9,
                        start_ts=V2_MIGRATION_TS - 20 * DAY, end_ts=V2_MIGRATION_TS + 20 * DAY)
    cap = 25
    limits = ServiceLimits(data_api=DataApiLimits(max_activity_offset=35))
    with ReplayServer(world.path, limits=limits) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, world.wallets, workers=2, max_trades=cap, page_size=7,
                            data_page_size=7, data_max_offset=35)
    assert report.failed == {}
    got, count, distinct = store_fill_keys(settings.store_dsn)
    states = wallet_states(settings.store_dsn)
    by_wallet: dict[str, list] = defaultdict(list)
    for r in world.fills.to_pylist():
        buy = r["side"] == 0
        shares, usdc = ((r["taker_amount_filled"], r["maker_amount_filled"]) if buy
                        else (r["maker_amount_filled"], r["taker_amount_filled"]))
        by_wallet[r["maker"]].append((r["timestamp"], fill_key(
            r["version"], r["id"], r["transaction_hash"], r["token_id"],
            "BUY" if buy else "SELL", shares, usdc)))
    truncated_v2 = 0
    for wallet in world.wallets:
        mine = sorted(by_wallet[wallet], reverse=True)
        kept = got.get(wallet, Counter())
        assert sum(kept.values()) == min(cap, len(mine))
        assert not kept - Counter(k for _, k in mine)  # only real fills, none twice
        if len(mine) > cap:
            cutoff = mine[cap - 1][0]  # every fill newer than the cutoff timestamp is kept
            assert not Counter(k for t, k in mine if t > cutoff) - kept
            truncated_v2 += mine[cap][1][0] == 2
        assert bool(states[wallet][1]) == (len(mine) > cap) == (wallet in report.truncated)
    assert report.truncated and count == distinct
    # the V2 fills are the newest: some wallets are capped inside their V2 history
    assert truncated_v2 and pc.max(world.fills["timestamp"]).as_py() >= V2_MIGRATION_TS
