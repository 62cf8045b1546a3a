"""The activity-subgraph client against the replay over a generated world: every redemption
and neg-risk conversion of the asked wallets before the migration, exactly once, paged by id,
also under faults."""

from __future__ import annotations

import asyncio
import shutil
from collections import defaultdict

import aiohttp
import pyarrow as pa
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


@pytest.fixture(scope="module")
def converting_world(world, tmp_path_factory):
    """The world with V1-era CONVERSION rows added to activity.parquet, in the form worlds
    give them: condition_id = the neg-risk market id, size = the amount, and the columns
    `id`, `index_set`, `question_count` (null on the other rows)."""
    root = tmp_path_factory.mktemp("converting") / "world"
    shutil.copytree(world, root)
    rows = pq.read_table(root / "activity.parquet").to_pylist()
    wallets = sorted({r["wallet"] for r in rows})[:5]
    extra = []
    for i in range(23):
        tx = f"0x{0xc0 + i:064x}"
        extra.append({"wallet": wallets[i % 5], "timestamp": V2_MIGRATION_TS - 1000 * (i + 1),
                      "type": "CONVERSION", "condition_id": "0x" + f"{i % 3:02x}" * 31 + "00",
                      "token_id": "", "outcome_index": None, "size": 1_000_000 * (i + 1),
                      "usdc_size": 0, "transaction_hash": tx, "id": f"{tx}_{i}",
                      "index_set": (1 << (i % 4 + 1)) - 1 if i % 2 else 0b101,
                      "question_count": 4 + i % 3})
    table = pa.Table.from_pylist(rows + extra, schema=pq.read_schema(
        root / "activity.parquet").append(pa.field("id", pa.string())).append(
        pa.field("index_set", pa.int64())).append(pa.field("question_count", pa.int16())))
    pq.write_table(table, root / "activity.parquet")
    return root, wallets, extra


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


def test_every_v1_conversion_of_the_wallets_once_paged(converting_world):
    world, wallets, rows = converting_world
    with ReplayServer(world, faults=FaultConfig(fault_seed=6, error_rate=0.2)) as server:
        got = fetch(server, wallets[:4], 0, V2_MIGRATION_TS, page=4)
    conversions = [a for a in got if a.kind == "conversion"]
    want = sorted((r["id"] + ":conversion", r["transaction_hash"], r["wallet"], r["timestamp"],
                   r["condition_id"], r["size"], r["index_set"], r["question_count"])
                  for r in rows if r["wallet"] in wallets[:4])
    assert len(want) > 3 * 4   # more than three pages
    assert sorted((a.id, a.tx_hash, a.wallet, a.timestamp, a.condition_id, a.amount,
                   a.index_set, a.question_count) for a in conversions) == want
    assert all((a.usdc, a.exchange_version, a.source) == (0, 1, "activity_subgraph")
               for a in conversions)
    assert any(a.kind == "redeem" for a in got)   # asked in the same requests


def test_a_world_without_the_conversion_columns_serves_none(world):
    with ReplayServer(world) as server:
        wallets = sorted({r["wallet"] for r in pq.read_table(
            world / "activity.parquet").to_pylist()})[:5]
        assert not [a for a in fetch(server, wallets, 0, V2_MIGRATION_TS)
                    if a.kind == "conversion"]


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
