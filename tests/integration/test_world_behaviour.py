"""The behaviours a world plants, measured straight from its files as docs/metrics.md §4.6 and
§4.8 define them, against the archetypes in wallets.parquet: high-frequency bots trade in
bursts, market makers rest, favourite buyers pay 0.90 and more, gamblers buy long shots and
hold them, informed traders have an edge and the others none."""

import json
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from polyrank.sim.world import WorldParams, generate_world

#: A flag needs this many fills (§4.8), the favourite (and long-shot) test this many buys.
MIN_FILLS = MIN_BUYS = 10


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("behaviour")
    generate_world(out, WorldParams(seed=3, wallets=800, markets=200, fills=80_000))
    return out


@pytest.fixture(scope="module")
def archetype(world) -> dict[str, str]:
    table = pq.read_table(world / "wallets.parquet", columns=["address", "archetype"])
    return dict(zip(*table.to_pydict().values(), strict=True))


@pytest.fixture(scope="module")
def measures(world) -> dict[str, dict]:
    """wallet -> its fills' measures: a wallet's fills are the rows it is the maker of
    (§1.1); a row is passive when its taker is the counterparty, not the exchange."""
    f = pq.read_table(world / "fills.parquet", columns=[
        "maker", "taker", "exchange", "timestamp", "side", "maker_amount_filled",
        "taker_amount_filled", "condition_id"]).to_pydict()
    maker = np.asarray(f["maker"], dtype=object)
    ts = np.asarray(f["timestamp"])
    order = np.lexsort((ts, maker))
    maker, ts = maker[order], ts[order]
    passive = (np.asarray(f["taker"], dtype=object) != np.asarray(f["exchange"],
                                                                  dtype=object))[order]
    side = np.asarray(f["side"])[order]
    buy_usdc = np.asarray(f["maker_amount_filled"])[order]
    buy_shares = np.asarray(f["taker_amount_filled"])[order]
    condition = np.asarray(f["condition_id"], dtype=object)[order]
    bounds = np.flatnonzero(np.r_[True, maker[1:] != maker[:-1], True])
    out = {}
    for a, b in pairwise(bounds):
        buys = side[a:b] == 0
        prices = buy_usdc[a:b][buys] / buy_shares[a:b][buys]
        out[maker[a]] = {
            "fills": b - a, "buys": int(buys.sum()), "sells": int((~buys).sum()),
            "median_gap_s": float(np.median(np.diff(ts[a:b]))) if b - a > 1 else None,
            "passive_share": float(passive[a:b].mean()),
            "median_entry": float(np.median(prices)) if buys.any() else None,
            "max_entry": float(prices.max()) if buys.any() else None,
            "buy_usdc": buy_usdc[a:b][buys] / 1e6,
            "markets": len(set(condition[a:b])),
        }
    return out


@pytest.fixture(scope="module")
def edges(world) -> dict[str, list[float]]:
    """wallet -> x of each closed bet (§4.6): its positions' realized P&L per share bought."""
    pos = pq.read_table(world / "ledger" / "positions.parquet",
                        columns=["wallet", "bet_key", "realized", "bought"]).to_pydict()
    bets = pq.read_table(world / "ledger" / "bets.parquet",
                         columns=["wallet", "bet_key", "closed"]).to_pydict()
    closed = {(w, k) for w, k, c in zip(*bets.values(), strict=True) if c}
    per_bet: dict[tuple[str, str], list[float]] = {}
    for w, k, realized, bought in zip(*pos.values(), strict=True):
        if (w, k) in closed:
            sums = per_bet.setdefault((w, k), [0.0, 0.0])
            sums[0] += realized
            sums[1] += bought
    out: dict[str, list[float]] = {}
    for (w, _), (p, q) in per_bet.items():
        if q > 0:
            out.setdefault(w, []).append(p / q)
    return out


def _wallets(archetype, measures, kind, min_fills=MIN_FILLS):
    return [measures[w] for w, k in archetype.items()
            if k == kind and w in measures and measures[w]["fills"] >= min_fills]


def _rule(archetype, measures, kind, flagged) -> tuple[float, float]:
    """(precision, recall) of a flag against the wallets planted as `kind`."""
    hits = {w for w, m in measures.items() if flagged(m)}
    planted = {w for w, k in archetype.items() if k == kind}
    true = len(hits & planted)
    return true / max(len(hits), 1), true / len(planted)


def test_the_world_has_every_archetype(archetype):
    counts = Counter(archetype.values())
    assert counts["hf_bot"] == 8 and counts["gambler"] == 16  # 1% and 2% of 800
    assert {"informed", "specialist", "noise", "favourite", "market_maker", "whale",
            "casual"} <= set(counts)


def test_every_match_and_activity_of_an_event_has_a_second_of_its_own(world):
    """Bursts seconds apart keep the clock's rule: within an event, no two transactions
    share a second (only the splits feeding one match share the second before it, one per
    maker), so a wallet's fills and activities are in the order they happened whatever
    their random ids."""
    event_of = {}
    with open(world / "markets.jsonl") as f:
        for m in map(json.loads, f):
            event_of[m["condition_id"]] = event_of[m["neg_risk_market_id"]] = m["event_id"]
    fills = pq.read_table(world / "fills.parquet",
                          columns=["transaction_hash", "timestamp", "condition_id"]).to_pydict()
    activity = pq.read_table(world / "activity.parquet", columns=[
        "transaction_hash", "timestamp", "condition_id", "type", "wallet"]).to_pydict()
    txs = {(tx, event_of[c], ts, "MATCH") for tx, ts, c in zip(*fills.values(), strict=True)}
    splits: dict[tuple[str, int], list[str]] = {}
    for tx, ts, c, kind, wallet in zip(*activity.values(), strict=True):
        if kind == "SPLIT":
            splits.setdefault((event_of[c], ts), []).append(wallet)
        elif kind != "REDEEM":
            txs.add((tx, event_of[c], ts, kind))
    seconds = Counter((event, ts) for _, event, ts, _ in txs)
    assert max(seconds.values()) == 1
    assert not set(splits) & set(seconds)
    assert all(len(set(w)) == len(w) for w in splits.values())
    matches: dict[str, list[int]] = {}
    for _, event, ts, kind in txs:
        if kind == "MATCH":
            matches.setdefault(event, []).append(ts)
    gaps = np.concatenate([np.diff(sorted(t)) for t in matches.values()])
    assert (gaps < 30).mean() > 0.06  # bursts (without them about 2% are)


def test_high_frequency_bots_trade_in_bursts_across_many_events(archetype, measures):
    bots = _wallets(archetype, measures, "hf_bot")
    assert len(bots) == 8
    assert np.mean([m["median_gap_s"] < 60 for m in bots]) >= 0.9
    assert np.median([m["median_gap_s"] for m in bots]) < 30
    assert min(m["markets"] for m in bots) >= 10
    assert np.median(np.concatenate([m["buy_usdc"] for m in bots])) < 20  # small orders
    assert all(m["passive_share"] == 0 for m in bots)  # takers only
    others = [m for w, m in measures.items()
              if archetype[w] not in ("hf_bot", "market_maker") and m["fills"] >= MIN_FILLS]
    assert np.mean([m["median_gap_s"] < 60 for m in others]) <= 0.02
    precision, recall = _rule(archetype, measures, "hf_bot", lambda m: (
        m["fills"] >= MIN_FILLS and m["median_gap_s"] < 60))
    assert precision >= 0.9 and recall >= 0.9


def test_market_makers_are_the_resting_side(archetype, measures):
    makers = _wallets(archetype, measures, "market_maker")
    assert makers and all(m["passive_share"] >= 0.4 for m in makers)
    others = [m for w, m in measures.items()
              if archetype[w] != "market_maker" and m["fills"] >= MIN_FILLS]
    assert np.mean([m["passive_share"] >= 0.4 for m in others]) <= 0.05
    _, recall = _rule(archetype, measures, "market_maker", lambda m: (
        m["fills"] >= MIN_FILLS and m["passive_share"] >= 0.4))
    assert recall == 1.0


def test_favourite_buyers_pay_090_and_more(archetype, measures):
    favourites = [m for m in _wallets(archetype, measures, "favourite", 0)
                  if m["buys"] >= MIN_BUYS]
    assert len(favourites) >= 20
    assert np.mean([m["median_entry"] >= 0.9 for m in favourites]) >= 0.9
    assert all(m["sells"] == 0 and m["max_entry"] <= 0.98 for m in favourites)
    _, recall = _rule(archetype, measures, "favourite", lambda m: (
        m["buys"] >= MIN_BUYS and m["median_entry"] >= 0.9))
    assert recall >= 0.8


def test_gamblers_buy_long_shots_with_large_stakes_and_hold_them(archetype, measures, world):
    gamblers = _wallets(archetype, measures, "gambler", 0)
    assert len(gamblers) == 16
    assert all(m["sells"] == 0 and m["max_entry"] <= 0.15 for m in gamblers)
    enough = [m for m in gamblers if m["buys"] >= MIN_BUYS]
    assert len(enough) >= 0.8 * len(gamblers)
    assert all(m["median_entry"] <= 0.2 for m in enough)
    stake = np.median(np.concatenate([m["buy_usdc"] for m in gamblers]))
    noise = np.median(np.concatenate([m["buy_usdc"] for m in _wallets(archetype, measures,
                                                                      "noise")]))
    assert stake > 5 * noise
    # enough closed bets to be ranked, and a few lucky ones with a large P&L
    metrics = pq.read_table(world / "ledger" / "wallet_metrics.parquet").to_pylist()
    life = {r["wallet"]: r for r in metrics
            if r["window"] == "lifetime" and r["category"] == "all"}
    rows = [life[w] for w, k in archetype.items() if k == "gambler" and w in life]
    assert sum(r["eligibility"] == "ranked" for r in rows) >= 0.6 * len(rows)
    assert sum(r["realized_pnl"] > 2000 for r in rows) >= 2


def test_only_informed_archetypes_have_an_edge(archetype, edges):
    def pooled(kind):
        xs = [x for w, k in archetype.items() if k == kind for x in edges.get(w, [])]
        return float(np.mean(xs)), len(xs)

    for kind in ("informed", "specialist"):
        edge, n = pooled(kind)
        assert n >= 200 and edge > 0.05, kind
    for kind in ("noise", "hf_bot", "favourite", "gambler"):
        edge, n = pooled(kind)
        assert n >= 100 and edge < 0.03, kind
