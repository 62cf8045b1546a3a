"""What the Data API's missing fee costs, proven against the world's ground-truth ledger.

A world spanning the V2 migration is loaded through the replay (V1 fills from the orderbook
subgraph, V2 fills from the Data API, which carries no fee: stored with fee 0), then enriched
and computed. V2 fees are taker-only and paid in USDC, so share inventories are untouched and
every closed bet's P&L in the store exceeds the ledger's by exactly the V2 fees that wallet
paid on that bet's fills — and by nothing else."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from polyrank.settings import V2_MIGRATION_TS
from polyrank.sim.world import WorldParams, generate_world
from polyrank.store import Store
from tests.metrics_support import (
    KEYS,
    as_the_data_api_shows_it,
    current,
    ledger_differences,
    load_and_compute,
)

M = 1_000_000


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A world across the migration, with activities of every kind in both eras, loaded
    through the replay (V1: orderbook and activity subgraphs; V2: the Data API)."""
    root = tmp_path_factory.mktemp("v2-world")
    world = root / "world"
    generate_world(world, WorldParams(seed=11, wallets=200, markets=60, start="2026-01-01",
                                      end="2026-09-30"))
    dsn, report = load_and_compute(world, root)
    return world, dsn, report, root


@pytest.mark.parametrize("table", list(KEYS))
def test_every_figure_equals_the_ledger_of_the_world_the_data_api_shows(loaded, table):
    """Every row and column of positions, bets, wallet metrics (pnl_polymarket included) and
    specialists equals the ledger of the same world with its V2 fees at 0 — splits, merges,
    conversions and redemptions of both eras folded as the ledger folds them."""
    world, dsn, _, root = loaded
    kinds = {(r["type"], r["timestamp"] >= V2_MIGRATION_TS)
             for r in pq.read_table(world / "activity.parquet").to_pylist()}
    assert kinds == {(k, v2) for k in ("SPLIT", "MERGE", "CONVERSION", "REDEEM")
                     for v2 in (False, True)}
    feeless = root / "feeless"
    if not feeless.exists():
        as_the_data_api_shows_it(world, feeless)
    compared, problems = ledger_differences(feeless, dsn, table)
    assert compared > 50
    assert problems == []


def test_closed_bet_pnl_differs_from_the_ledger_by_exactly_the_v2_fees(loaded):
    world, dsn, report, _ = loaded
    assert report.fills_v2 > report.fills_fetched // 3
    with Store.open(dsn) as store:
        bets = {(b["wallet"], b["bet_key"]): (b["pnl"], b["closed"])
                for b in current(store, "bets")}
        positions = {(p["wallet"], p["token_id"]): p["amount"]
                     for p in current(store, "positions")}

    bet_of = {}
    for line in (world / "markets.jsonl").read_text().splitlines():
        m = json.loads(line)
        bet_of[m["condition_id"]] = m["neg_risk_market_id"] if m["neg_risk"] else \
            m["condition_id"]
    v2_fees: dict[tuple[str, str], int] = defaultdict(int)
    for r in pq.read_table(world / "fills.parquet").to_pylist():
        if r["version"] == 2:
            assert r["timestamp"] >= V2_MIGRATION_TS
            v2_fees[(r["maker"], bet_of[r["condition_id"]])] += r["fee"]

    ledger_bets = pq.read_table(world / "ledger" / "bets.parquet").to_pylist()
    assert {(b["wallet"], b["bet_key"]) for b in ledger_bets} == set(bets)
    closed = [b for b in ledger_bets if b["closed"]]
    with_fee = 0
    for b in closed:
        key = (b["wallet"], b["bet_key"])
        pnl, is_closed = bets[key]
        fee = v2_fees.get(key, 0) / M
        assert is_closed, key
        assert abs((pnl - b["pnl"]) - fee) <= 1e-6, (key, pnl, b["pnl"], fee)
        with_fee += fee > 0
    # the check bites: many closed bets paid V2 fees, many did not (and those match exactly)
    assert with_fee > 50 and len(closed) - with_fee > 50
    # fees are USDC-only in V2: every position's share amount is the ledger's
    ledger_positions = pq.read_table(world / "ledger" / "positions.parquet").to_pylist()
    assert {(p["wallet"], p["token_id"]) for p in ledger_positions} == set(positions)
    assert all(abs(positions[(p["wallet"], p["token_id"])] - p["amount"]) <= 1e-6
               for p in ledger_positions)
