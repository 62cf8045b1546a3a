"""docs/metrics.md §8: each trap of the earlier loader, shown not to happen here. Trap 8 (a
failed wallet silently skipped and checkpointed past) is covered by the ingest tests
(test_failed_wallets_are_reported_never_empty_and_retried_first)."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from polyrank.enrich.trades import enrich
from polyrank.metrics.run import compute_metrics
from polyrank.sim.replay import ReplayServer
from polyrank.store import Store
from tests.ingest_support import run_ingest, settings_for
from tests.metrics_support import DAY, T0, Book, current
from tests.replay_world import write_world

A = "0x" + "a1" * 20


def test_1_taker_side_rows_are_not_counted_as_the_wallets_trades(loaded):
    world, dsn = loaded
    fills = pq.read_table(world / "fills.parquet", columns=["id", "maker", "taker"]).to_pylist()
    exchanges = set(json.loads((world / "world.json").read_text())["exchanges"].values())
    as_taker = Counter(f["taker"] for f in fills if f["taker"] not in exchanges)
    wallet = as_taker.most_common(1)[0][0]
    theirs = {f["id"] for f in fills if f["taker"] == wallet}
    mine = {f["id"] for f in fills if f["maker"] == wallet}
    with Store.open(dsn) as store:
        stored = {r[0] for r in store.rows(
            "SELECT fill_id FROM trades_raw WHERE wallet_address = {w:String}", {"w": wallet})}
        enriched = store.scalar("SELECT count() FROM trades WHERE wallet = {w:String}",
                                {"w": wallet})
        counted = current(store, "wallet_metrics", "wallet = {w:String} AND window = 'lifetime' "
                          "AND category = 'all'", {"w": wallet})[0]["trades"]
    assert theirs and not (theirs & stored)
    assert stored == mine and counted == enriched == len(mine)


def test_2_fills_of_one_transaction_are_all_kept_once(loaded):
    world, dsn = loaded
    fills = pq.read_table(world / "fills.parquet", columns=["transaction_hash"]).to_pylist()
    per_tx = Counter(f["transaction_hash"] for f in fills)
    busy = [tx for tx, n in per_tx.items() if n >= 3][:50]
    with Store.open(dsn) as store:
        got = dict(store.rows("SELECT transaction_hash, count() FROM fills FINAL "
                              "WHERE transaction_hash IN {t:Array(String)} GROUP BY 1",
                              {"t": busy}))
        rows, ids = store.rows("SELECT count(), uniqExact(id) FROM fills")[0]
    assert busy and got == {tx: per_tx[tx] for tx in busy}   # (tx, timestamp) is no key
    assert rows == ids


def test_3_sides_and_outcome_indexes_are_kept_apart(store):
    book = Book()
    m = book.market("no-wins", payout=(0, 1), resolved=T0 + DAY)
    book.trade(A, m, "BUY", 100, 30, outcome=1, ts=T0)     # BUY of NO at 0.30
    book.trade(A, m, "SELL", 40, 16, outcome=1, ts=T0 + 1)  # SELL of NO at 0.40
    book.load(store)
    trades = store.rows("SELECT is_buy, outcome_index FROM trades ORDER BY ts")
    assert trades == [(1, 1), (0, 1)]
    p = current(store, "positions")[0]
    # NO won: 40 x (0.40 - 0.30) + 60 x (1 - 0.30) = 4 + 42
    assert p["realized"] == pytest.approx(46.0)


def test_4_amounts_are_exactly_integers_over_a_million(store):
    book = Book()
    m = book.market("exact")
    book.trade(A, m, "BUY", 1.234567, 0.617283, ts=T0)
    book.load(store)
    shares, usdc = store.rows("SELECT shares, usdc_value FROM trades_raw")[0]
    assert shares == Decimal("1.234567") and usdc == Decimal("0.617283")
    assert current(store, "positions")[0]["cost"] == pytest.approx(0.617283, abs=1e-12)


def test_5_fees_are_charged_so_pnl_is_net_and_the_world_sums_to_minus_fees(loaded):
    world, dsn = loaded
    summary = json.loads((world / "ledger" / "summary.json").read_text())
    markets = [json.loads(line) for line in (world / "markets.jsonl").read_text().splitlines()]
    resolved = [m["condition_id"] for m in markets if m["payout_numerators"] is not None]
    with Store.open(dsn) as store:
        total = store.scalar(
            "SELECT sum(realized) FROM positions WHERE run_id = (SELECT argMax(value, "
            "updated_at) FROM pipeline_state WHERE key = 'metrics_run') AND condition_id IN "
            "{c:Array(String)}", {"c": resolved})
        fees = store.scalar("SELECT sum(fee_usdc) FROM trades") / 1e6
    assert fees > 0
    assert total == pytest.approx(-summary["fees_usdc_value"], abs=1e-4)


def test_6_metrics_follow_the_ingest_automatically(loaded):
    # the fixture runs the pipeline's stages in order; `polyrank pipeline` does the same by
    # default (tested in test_metrics_world): after a load the stage is "ready", not "ingested"
    _, dsn = loaded
    with Store.open(dsn) as store:
        assert store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                            "WHERE key = 'stage'") == "ready"


def test_7_omega_is_per_bet_and_never_capped(store):
    book = Book()
    m = book.market("many-fills", payout=(1, 0), resolved=T0 + DAY)
    for i in range(5):                                   # five fills, one bet
        book.trade(A, m, "BUY", 20, 10, ts=T0 + i)
    book.load(store)
    row = current(store, "wallet_metrics", "window = 'lifetime' AND category = 'all'")[0]
    assert row["bets_closed"] == 1 and row["trades"] == 5
    assert row["omega"] is None and row["omega_unbounded"] == 1   # not 0, not 99999
    assert row["omega_score"] == pytest.approx((50 + 10 * 25) / (10 * 25))


def test_9_a_capped_history_is_flagged_in_the_metrics(tmp_path):
    tiny = write_world(tmp_path / "w", n_wallets=5, n_matches=300, end_ts=1777334399)
    with ReplayServer(tiny.path) as server:
        settings = settings_for(server.url, f"chdb://{tmp_path / 'store'}", tmp_path / "rt")
        report = run_ingest(settings, tiny.wallets, workers=2, max_trades=20)
    assert report.truncated
    with Store.open(settings.store_dsn) as store:
        store.insert("tokens", [(t, m["condition_id"], i, m["id"])
                                for m in tiny.markets for i, t in enumerate(m["token_ids"])],
                     ("token_id", "condition_id", "outcome_index", "market_id"))
        enrich(store)
        compute_metrics(store)
        flagged = {r["wallet"]: r["truncated"] for r in current(
            store, "wallet_metrics", "window = 'lifetime' AND category = 'all'")}
    assert {w for w, t in flagged.items() if t} == set(report.truncated)
