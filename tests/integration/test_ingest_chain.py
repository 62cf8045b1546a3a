"""The chain as a source (docs/protocols.md §7): a whole world loaded with an RPC URL — the V2
era's fills (with their fees) and activities read from the replay's JSON-RPC logs — equals the
world's ground-truth ledger on every row and column, fees included; under a provider's range
and result caps and a fifth of its requests failing, nothing is lost or doubled; killed and
run again, the same."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import ChainLimits, FaultConfig, ReplayServer, ServiceLimits
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.ingest_support import FAST_RETRY, run_ingest, settings_for
from tests.metrics_support import KEYS, ledger_differences, load_and_compute


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A world across the migration with activities of every kind in both eras, loaded with
    the chain as the V2 era's source (the V1 era from the subgraphs)."""
    root = tmp_path_factory.mktemp("chain-world")
    world = root / "world"
    generate_world(world, WorldParams(seed=11, wallets=200, markets=60, start="2026-01-01",
                                      end="2026-09-30"))
    dsn, report = load_and_compute(world, root, chain=True, rpc_limit=None)
    return world, dsn, report


@pytest.mark.parametrize("table", list(KEYS))
def test_every_figure_equals_the_ledger_fees_included(loaded, table):
    """The same comparison the Data API path passes only against a fee-less copy of the
    world (test_ingest_v2_pnl.py): here against the world itself."""
    world, dsn, _ = loaded
    compared, problems = ledger_differences(world, dsn, table)
    assert compared > 50
    assert problems == []


def test_every_fill_and_activity_once_with_its_fee(loaded):
    world, dsn, report = loaded
    fills = pq.read_table(world / "fills.parquet").to_pylist()
    v2 = [f for f in fills if f["version"] == 2]
    assert report.fills_v2 == len(v2) and report.fills_without_fee == 0
    assert report.data_api_requests == 0 and report.rpc_requests > 0
    with Store.open(dsn) as store:
        stored = {r[0]: r[1:] for r in store.rows(
            "SELECT id, fee, exchange_version, source FROM fills")}
        assert store.scalar("SELECT count() FROM fills") == len(stored) == len(fills)
        sources = dict(store.rows("SELECT v2_source, count() FROM ingest_wallets FINAL "
                                  "GROUP BY v2_source"))
        assert store.scalar("SELECT sum(v2_fills_without_fee) FROM ingest_wallets FINAL") == 0
        acts = store.rows("SELECT kind, source, exchange_version FROM activities")
        assert store.scalar("SELECT count() FROM activities") == \
            store.scalar("SELECT uniqExact(id) FROM activities")
    assert sources == {"chain": 200}
    # the chain's fill ids are the world's (<tx>_<orderHash>), with the world's fees
    assert all(stored[f["id"]] == (f["fee"], 2, "chain") for f in v2)
    assert sum(f["fee"] for f in v2) > 0
    # V2-era activities from the chain: splits, merges, conversions once each; a redemption
    # once per transaction (the chain logs one event for all of a market's tokens)
    world_acts = pq.read_table(world / "activity.parquet").to_pylist()
    later = [a for a in world_acts if a["timestamp"] >= V2_MIGRATION_TS]
    want = Counter(a["type"].lower() for a in later if a["type"] != "REDEEM")
    want["redeem"] = len({a["transaction_hash"] for a in later if a["type"] == "REDEEM"})
    got = Counter(kind for kind, source, _ in acts if source == "chain")
    assert got == {"conversion" if k == "conversion" else k: n for k, n in want.items()}
    assert all(v == 2 for _, s, v in acts if s == "chain")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A V2-era world, loaded from its last three days only (`since`): few enough blocks for
    a 1,000-block range cap."""
    root = tmp_path_factory.mktemp("chain-small")
    world = root / "world"
    generate_world(world, WorldParams(seed=5, wallets=50, markets=12, start="2026-05-01",
                                      end="2026-06-30"))
    return world


SINCE = 1782604800  # 2026-06-28T00:00:00Z


def fill_set(dsn: str) -> tuple[int, set]:
    with Store.open(dsn) as store:
        rows = store.rows("SELECT id, maker, timestamp, maker_amount_filled, "
                          "taker_amount_filled, fee FROM fills")
        acts = store.rows("SELECT id, wallet, kind, timestamp, amount, usdc, index_set "
                          "FROM activities")
    return len(rows) + len(acts), {*rows, *acts}


def test_range_and_result_caps_and_faults_lose_and_double_nothing(small, tmp_path):
    """A provider that caps a call at 1,000 blocks and 10 logs (a busy wallet has more than
    that in one range), and fails about a fifth of requests (5xx, dropped connections,
    malformed bodies, JSON-RPC timeouts, 429s): the store holds exactly what a clean load
    holds."""
    world = small
    wallets = (world / "wallets.txt").read_text().split()
    with ReplayServer(world) as clean:
        settings = settings_for(clean.url, f"chdb://{tmp_path / 'clean'}", tmp_path / "rt1")
        settings = settings.with_overrides(rpc_url=clean.rpc_url)
        ok = run_ingest(settings, wallets, rpc_limit=None, batch_wallets=25, since=SINCE)
    want = fill_set(settings.store_dsn)
    fills = pq.read_table(world / "fills.parquet", columns=["maker", "timestamp"]).to_pylist()
    assert max(Counter(f["maker"] for f in fills if f["timestamp"] >= SINCE).values()) > 10
    assert ok.failed == {} and want[0] == len(want[1]) > 100

    faults = FaultConfig(fault_seed=3, error_rate=0.10, drop_rate=0.04, malformed_rate=0.05,
                         timeout_rate=0.04, rate_limit=200, rate_window_s=1)
    limits = ServiceLimits(chain=ChainLimits(max_block_range=1000, max_results=10))
    with ReplayServer(world, faults=faults, limits=limits) as srv:
        settings = settings_for(srv.url, f"chdb://{tmp_path / 'faulty'}", tmp_path / "rt2")
        settings = settings.with_overrides(rpc_url=srv.rpc_url)
        # (a client limit for the host, so that a 429's Retry-After holds every worker back;
        # retries enough that a fifth of requests failing never exhausts them)
        report = run_ingest(settings, wallets, rpc_limit=(150, 1.0), batch_wallets=25,
                            goldsky_limit=None, data_limit=None, since=SINCE,
                            retry=replace(FAST_RETRY, retries=10))
        stats = srv.stats()
    assert report.failed == {}
    assert fill_set(settings.store_dsn) == want
    faulted = sum(stats["faults"].values())
    assert faulted >= 0.2 * stats["requests"], stats["faults"]
    assert report.http["retries"] > 0
    # the caps were met, and the ranges split to fit them
    assert stats["by_status"].get("200", 0) > ok.rpc_requests


def test_killed_and_run_again_the_same(small, tmp_path):
    """SIGKILL during a chain load (through the command line, paced so the kill lands mid
    load), then a rerun: the same rows as a load never interrupted."""
    world = small
    wallets = tmp_path / "wallets.txt"
    wallets.write_text((world / "wallets.txt").read_text())
    clean = f"chdb://{tmp_path / 'clean'}"
    with ReplayServer(world) as srv:
        settings = settings_for(srv.url, clean, tmp_path / "rt1").with_overrides(
            rpc_url=srv.rpc_url)
        run_ingest(settings, wallets.read_text().split(), rpc_limit=None, batch_wallets=5,
                   since=SINCE)
        dsn = f"chdb://{tmp_path / 'killed'}"
        cmd = [sys.executable, "-m", "polyrank", "ingest", "--wallets", str(wallets),
               "--store", dsn, "--goldsky-url", srv.url,
               "--data-api-url", srv.url, "--rpc-url", srv.rpc_url, "--runtime-dir",
               str(tmp_path / "rt2"), "--workers", "2", "--batch-wallets", "5",
               "--rpc-max-span", "2000", "--since", str(SINCE)]
        before = _rpc_reads(srv)
        # (one host serves every upstream here: the Goldsky limit paces the RPC calls too)
        proc = subprocess.Popen([*cmd, "--rate-limit", "20/1", "--rpc-rate-limit", "20/1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if _rpc_reads(srv) >= before + 40:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the load ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        # what `polyrank status` read meanwhile: the workers' scans, by block
        status = json.loads((tmp_path / "rt2" / "status.json").read_text())
        assert any(0 < w["block"] <= w["block_to"] for w in status["workers"]), status
        with Store.open(dsn) as store:
            done = store.scalar("SELECT count() FROM ingest_wallets FINAL WHERE status = 'done'")
        assert done < len(wallets.read_text().split())
        rerun = subprocess.run([*cmd, "--rate-limit", "none", "--rpc-rate-limit", "none"],
                               capture_output=True, text=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert fill_set(dsn) == fill_set(clean)


def _rpc_reads(server) -> int:
    return sum(n for path, n in server.stats()["by_path"].items() if path.startswith("rpc:"))
