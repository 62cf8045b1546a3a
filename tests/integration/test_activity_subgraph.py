"""The activity-subgraph client against the replay over a generated world: every redemption
of the asked wallets before the migration, exactly once, paged by id, also under faults."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import aiohttp
import pyarrow.parquet as pq
import pytest

from polyrank.errors import UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.world import WorldParams, generate_world
from polyrank.upstream.activity_subgraph import ActivitySubgraph, parse_activity
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak, RetryPolicy


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("activity") / "world"
    # across the migration: redemptions in both eras
    generate_world(root, WorldParams(seed=3, wallets=120, markets=60, start="2026-01-01",
                                     end="2026-07-15"))
    return root


def expected(world, wallets, until):
    """The world's REDEEM rows as the subgraph keys them: one per (transaction, wallet)."""
    by_tx: dict = defaultdict(lambda: [None, None, None, 0])
    for r in pq.read_table(world / "activity.parquet").to_pylist():
        if r["type"] == "REDEEM" and r["wallet"] in wallets and r["timestamp"] < until:
            e = by_tx[(r["transaction_hash"], r["wallet"])]
            e[0], e[1], e[2] = r["timestamp"], r["condition_id"].lower(), r["wallet"]
            e[3] += r["usdc_size"]
    return sorted((tx.lower(), w, ts, c, usdc) for (tx, w), (ts, c, _, usdc) in by_tx.items())


def fetch(server, wallets, since, until, page=1000):
    async def main():
        async with aiohttp.ClientSession() as session:
            policy = RetryPolicy(retries=6, base_delay_s=0.01, max_delay_s=0.05, jitter_s=0,
                                 pause_s=0.01)
            http = Http(session, policy=policy)
            client = ActivitySubgraph(http, server.subgraph_url("activity-subgraph"), page=page)
            return await client.fetch(wallets, since, until, FailureStreak(policy))

    return asyncio.run(main())


@pytest.mark.parametrize("faults", [FaultConfig(), FaultConfig(fault_seed=4, error_rate=0.2,
                                                                 malformed_rate=0.05)])
def test_every_v1_redemption_of_the_wallets_once(world, faults):
    wallets = sorted({r["wallet"] for r in pq.read_table(world / "activity.parquet").to_pylist()
                      if r["type"] == "REDEEM"})[:40]
    with ReplayServer(world, faults=faults) as server:
        got = fetch(server, wallets, 0, V2_MIGRATION_TS, page=7)   # small pages: many cursors
    want = expected(world, set(wallets), V2_MIGRATION_TS)
    assert want, "the world has V1 redemptions"
    assert sorted((a.tx_hash, a.wallet, a.timestamp, a.condition_id, a.usdc) for a in got) == want
    assert all(a.kind == "redeem" and a.timestamp < V2_MIGRATION_TS for a in got)
    assert len({a.id for a in got}) == len(got)


def test_a_malformed_row_names_its_field():
    row = {"id": "0x" + "ab" * 32, "timestamp": "17", "redeemer": "0xnope",
           "condition": "0x" + "cd" * 32, "payout": "5"}
    with pytest.raises(UpstreamDataError, match="malformed redeemer"):
        parse_activity("redeem", row)
    split = parse_activity("split", {**row, "stakeholder": "0x" + "1" * 40, "amount": "2500000"})
    assert (split.kind, split.amount, split.usdc, split.wallet) == ("split", 2_500_000, 0,
                                                                   "0x" + "1" * 40)
