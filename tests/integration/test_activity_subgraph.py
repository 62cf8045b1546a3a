"""The activity-subgraph client against the replay over a generated world: every redemption
and neg-risk conversion of the asked wallets before the migration, exactly once, paged by id,
also under faults."""

from __future__ import annotations

import asyncio
import shutil
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
    # across the migration: activities of every kind in both eras
    generate_world(root, WorldParams(seed=3, wallets=120, markets=60, start="2026-01-01",
                                     end="2026-07-15"))
    return root


@pytest.fixture(scope="module")
def bare_world(world, tmp_path_factory):
    """The world with activity.parquet cut to the columns of a hand-made world: no `id`,
    `index_set` or `question_count` (so its CONVERSION rows cannot be served)."""
    root = tmp_path_factory.mktemp("bare") / "world"
    shutil.copytree(world, root)
    table = pq.read_table(root / "activity.parquet")
    pq.write_table(table.drop_columns(["id", "index_set", "question_count"]),
                   root / "activity.parquet")
    return root


def v1_rows(world, kind):
    return [r for r in pq.read_table(world / "activity.parquet").to_pylist()
            if r["type"] == kind and r["timestamp"] < V2_MIGRATION_TS]


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
    redeems = [a for a in got if a.kind == "redeem"]
    assert sorted((a.tx_hash, a.wallet, a.timestamp, a.condition_id, a.usdc)
                  for a in redeems) == want
    assert all(a.timestamp < V2_MIGRATION_TS for a in got)
    assert len({a.id for a in got}) == len(got)
    # the other kinds come in the same requests, one entity per world row
    for kind in ("SPLIT", "MERGE", "CONVERSION"):
        rows = [r for r in v1_rows(world, kind) if r["wallet"] in set(wallets)]
        assert sorted((r["transaction_hash"], r["size"]) for r in rows) == sorted(
            (a.tx_hash, a.amount) for a in got if a.kind == kind.lower())


def test_every_v1_conversion_of_the_wallets_once_paged(world):
    rows = v1_rows(world, "CONVERSION")
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["wallet"]] += 1
    wallets = sorted(counts, key=lambda w: -counts[w])[:4]
    with ReplayServer(world, faults=FaultConfig(fault_seed=6, error_rate=0.2)) as server:
        got = fetch(server, wallets, 0, V2_MIGRATION_TS, page=4)
    conversions = [a for a in got if a.kind == "conversion"]
    want = sorted((r["id"] + ":conversion", r["transaction_hash"], r["wallet"], r["timestamp"],
                   r["condition_id"], r["size"], r["index_set"], r["question_count"])
                  for r in rows if r["wallet"] in wallets)
    assert len(want) > 3 * 4   # more than three pages
    assert sorted((a.id, a.tx_hash, a.wallet, a.timestamp, a.condition_id, a.amount,
                   a.index_set, a.question_count) for a in conversions) == want
    assert all((a.usdc, a.exchange_version, a.source) == (0, 1, "activity_subgraph")
               for a in conversions)
    assert any(a.kind == "redeem" for a in got)   # asked in the same requests


def test_a_world_without_the_conversion_columns_serves_none(bare_world):
    wallets = sorted({r["wallet"] for r in v1_rows(bare_world, "CONVERSION")})[:5]
    assert wallets
    with ReplayServer(bare_world) as server:
        got = fetch(server, wallets, 0, V2_MIGRATION_TS)
    assert got and not [a for a in got if a.kind == "conversion"]


def test_a_conversion_row_is_parsed_and_checked():
    row = {"id": "0x" + "ab" * 32 + "_3", "timestamp": "17", "stakeholder": "0x" + "1" * 40,
           "negRiskMarketId": "0x" + "CD" * 31 + "00", "amount": "2500000",
           "indexSet": str(1 << 200 | 5), "questionCount": 201}
    conv = parse_activity("conversion", row)
    assert (conv.kind, conv.condition_id, conv.amount, conv.index_set, conv.question_count,
            conv.tx_hash, conv.id) == ("conversion", "0x" + "cd" * 31 + "00", 2_500_000,
                                       1 << 200 | 5, 201, "0x" + "ab" * 32, row["id"] +
                                       ":conversion")
    for bad, field in (({"questionCount": 0}, "questionCount"),
                       ({"questionCount": "4"}, "questionCount"),
                       ({"indexSet": "-1"}, "indexSet"),
                       ({"negRiskMarketId": "0x" + "cd" * 32 + "ff"}, "negRiskMarketId")):
        with pytest.raises(UpstreamDataError, match=field):
            parse_activity("conversion", {**row, **bad})


def test_a_malformed_row_names_its_field():
    row = {"id": "0x" + "ab" * 32, "timestamp": "17", "redeemer": "0xnope",
           "condition": "0x" + "cd" * 32, "payout": "5"}
    with pytest.raises(UpstreamDataError, match="malformed redeemer"):
        parse_activity("redeem", row)
    split = parse_activity("split", {**row, "stakeholder": "0x" + "1" * 40, "amount": "2500000"})
    assert (split.kind, split.amount, split.usdc, split.wallet) == ("split", 2_500_000, 0,
                                                                   "0x" + "1" * 40)
