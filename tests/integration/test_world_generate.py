"""The default world: exchange-shaped fills, conservation, complete histories, the ledger."""

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from polyrank.sim import ctf
from polyrank.sim.world import WorldParams, generate_world
from polyrank.sim.world.categories import CANONICAL, category_of
from polyrank.sim.world.params import EXCHANGES, MIGRATION_TS

SEED = 11


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("world")
    summary = generate_world(out, WorldParams(seed=SEED))
    assert summary["fills"] > 0
    return out


@pytest.fixture(scope="module")
def fills(world) -> dict[str, np.ndarray]:
    table = pq.read_table(world / "fills.parquet").to_pydict()
    return {k: np.asarray(v, dtype=object if isinstance(v[0], str) else None)
            for k, v in table.items()}


@pytest.fixture(scope="module")
def markets(world) -> dict[str, dict]:
    with open(world / "markets.jsonl") as f:
        return {m["condition_id"]: m for m in map(json.loads, f)}


@pytest.fixture(scope="module")
def events(world) -> list[dict]:
    with open(world / "events.jsonl") as f:
        return [json.loads(line) for line in f]


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1]


def test_meta_counts_and_time_span(world, fills):
    meta = json.loads((world / "world.json").read_text())
    assert meta["format"] == 1 and meta["seed"] == SEED
    assert meta["counts"]["fills"] == len(fills["id"])
    assert meta["as_of_ts"] == fills["timestamp"].max() == meta["end_ts"]
    assert meta["migration_ts"] == MIGRATION_TS and meta["exchanges"] == EXCHANGES
    assert fills["timestamp"].max() - fills["timestamp"].min() > 365 * 86400
    assert abs(len(fills["id"]) - 200_000) < 0.15 * 200_000  # the default fill target
    wallets = (world / "wallets.txt").read_text().split()
    assert len(wallets) == meta["counts"]["wallets"] == 2000


def test_v2_rows_after_the_migration(fills):
    v2 = fills["version"] == 2
    assert ((fills["timestamp"] >= MIGRATION_TS) == v2).all()
    assert 0.2 < v2.mean() < 0.6
    neg_risk_exchange = np.isin(fills["exchange"], [EXCHANGES["v1_neg_risk"],
                                                    EXCHANGES["v2_neg_risk"]])
    expected_v2 = np.isin(fills["exchange"], [EXCHANGES["v2_standard"], EXCHANGES["v2_neg_risk"]])
    assert (expected_v2 == v2).all()
    assert neg_risk_exchange.any() and (~neg_risk_exchange).any()


def test_ids_and_addresses_look_real(fills):
    assert len(set(fills["id"])) == len(fills["id"])
    sample = slice(0, 2000)
    for fid, tx, order in zip(fills["id"][sample], fills["transaction_hash"][sample],
                              fills["order_hash"][sample], strict=True):
        assert fid == f"{tx}_{order}" and len(tx) == 66 and len(order) == 66
    for addr in fills["maker"][sample]:
        assert len(addr) == 42 and addr == addr.lower() and addr.startswith("0x")


def test_each_match_is_emitted_the_exchange_way(fills):
    tx = _codes(fills["transaction_hash"])
    is_taker_row = np.isin(fills["taker"], list(EXCHANGES.values()))
    assert (np.bincount(tx, weights=is_taker_row) == 1).all()  # one taker order per match
    taker_of_tx = np.empty(tx.max() + 1, dtype=object)
    taker_of_tx[tx[is_taker_row]] = fills["maker"][is_taker_row]
    maker_rows = ~is_taker_row
    assert (fills["taker"][maker_rows] == taker_of_tx[tx[maker_rows]]).all()
    assert (fills["taker"][is_taker_row] == fills["exchange"][is_taker_row]).all()
    assert (fills["maker"] != fills["taker"]).all()
    assert (fills["fee"][maker_rows] == 0).all() and (fills["fee"][is_taker_row] > 0).any()
    # all rows of a transaction share its timestamp; many transactions have several rows
    per_tx_ts = np.unique(np.stack([tx, fills["timestamp"]]), axis=1)
    assert per_tx_ts.shape[1] == tx.max() + 1
    assert (np.bincount(tx) >= 3).sum() > 1000
    assert np.bincount(np.bincount(_codes(fills["maker"])) > 5000).tolist()[1] >= 3


def test_decoding_columns_agree(fills):
    buy = fills["side"] == 0
    assert (fills["maker_asset_id"][buy] == "0").all()
    assert (fills["taker_asset_id"][buy] == fills["token_id"][buy]).all()
    assert (fills["maker_asset_id"][~buy] == fills["token_id"][~buy]).all()
    assert (fills["taker_asset_id"][~buy] == "0").all()


def _outcome_index(fills, markets) -> np.ndarray:
    index = {tok: i for m in markets.values() for i, tok in enumerate(m["token_ids"])}
    return np.array([index[t] for t in fills["token_id"]])


def test_every_match_conserves_usdc_and_shares(fills, markets):
    tx = _codes(fills["transaction_hash"])
    n = tx.max() + 1
    assert (np.unique(np.stack([tx, _codes(fills["condition_id"])]), axis=1).shape[1] == n)
    buy = fills["side"] == 0
    usdc = np.where(buy, fills["maker_amount_filled"], fills["taker_amount_filled"])
    shares = np.where(buy, fills["taker_amount_filled"], fills["maker_amount_filled"])
    outcome = _outcome_index(fills, markets)
    net_usdc = np.bincount(tx, weights=np.where(buy, usdc, -usdc), minlength=n)
    net = [np.bincount(tx, weights=np.where(outcome == o, np.where(buy, shares, -shares), 0),
                       minlength=n) for o in (0, 1)]
    # USDC paid by buyers - USDC received by sellers = shares minted - shares merged,
    # the same on both outcomes (fees come out of what each order receives)
    assert (net[0] == net[1]).all()
    assert (net_usdc == net[0]).all()
    assert (net[0] > 0).sum() > 100  # MINT matches
    assert (net[0] < 0).sum() > 100  # MERGE matches
    assert (net[0] == 0).sum() > 100  # ordinary matches
    v1_buy = buy & (fills["version"] == 1)
    assert (fills["fee"][v1_buy] < shares[v1_buy]).all()


@pytest.fixture(scope="module")
def activity(world) -> list[dict]:
    return pq.read_table(world / "activity.parquet").to_pylist()


def test_activities_of_every_kind_in_both_eras(activity, markets):
    """Market makers split and merge, neg-risk holders convert, holders redeem — winners and
    (for nothing) losers —, before and after the exchange migration."""
    seen = {(a["type"], a["timestamp"] >= MIGRATION_TS) for a in activity}
    assert seen == {(kind, v2) for kind in ("SPLIT", "MERGE", "CONVERSION", "REDEEM")
                    for v2 in (False, True)}
    redeems = [a for a in activity if a["type"] == "REDEEM"]
    assert any(a["usdc_size"] == 0 for a in redeems) and any(a["usdc_size"] for a in redeems)
    ids = [a["id"] for a in activity]
    assert len(set(ids)) == len(ids) and all(i.startswith(a["transaction_hash"] + "_")
                                             for i, a in zip(ids, activity, strict=True))
    by_nr = {}
    for m in markets.values():
        if m["neg_risk"]:
            by_nr.setdefault(m["neg_risk_market_id"], []).append(m)
    conversions = [a for a in activity if a["type"] == "CONVERSION"]
    for a in conversions:
        questions = by_nr[a["condition_id"]]
        assert a["question_count"] == len(questions)
        k = bin(a["index_set"]).count("1")
        assert 0 < a["index_set"] < 1 << len(questions)
        assert a["usdc_size"] == a["size"] * (k - 1)
    assert {bin(a["index_set"]).count("1") for a in conversions} >= {1, 2, 3}


def _moves(fills, activity, markets) -> dict[tuple[str, str], list[tuple[int, str, int]]]:
    """(wallet, token) -> its holding changes (timestamp, id, micro shares): fills, splits,
    merges and conversions (redemptions excluded)."""
    moves: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
    buy = fills["side"] == 0
    received = np.where(buy, fills["taker_amount_filled"] - np.where(
        fills["version"] == 1, fills["fee"], 0), -fills["maker_amount_filled"])
    for w, tok, ts, fid, d in zip(fills["maker"], fills["token_id"], fills["timestamp"],
                                  fills["id"], received, strict=True):
        moves.setdefault((w, tok), []).append((int(ts), fid, int(d)))
    by_question = {(m["neg_risk_market_id"], m["neg_risk_index"]): m
                   for m in markets.values() if m["neg_risk"]}
    for a in activity:
        n, key = a["size"], (a["timestamp"], a["id"])
        if a["type"] in ("SPLIT", "MERGE"):
            for tok in markets[a["condition_id"]]["token_ids"]:
                moves.setdefault((a["wallet"], tok), []).append(
                    (*key, n if a["type"] == "SPLIT" else -n))
        elif a["type"] == "CONVERSION":
            for i in range(a["question_count"]):
                m = by_question[(a["condition_id"], i)]
                converted = a["index_set"] >> i & 1
                moves.setdefault((a["wallet"], m["token_ids"][1 if converted else 0]), []
                                 ).append((*key, -n if converted else n))
    return moves


def test_nobody_sells_more_than_they_hold(fills, activity, markets):
    """Per wallet and token, in (timestamp, id) order, fills and activities never take the
    holding below zero: every sell, merge and conversion is covered (no clamped sell)."""
    for events in _moves(fills, activity, markets).values():
        held = 0
        for _, _, d in sorted(events):
            held += d
            assert held >= 0


def test_ledger_invariant_realized_equals_minus_fees(world, fills, markets):
    summary = json.loads((world / "ledger" / "summary.json").read_text())
    assert summary["incomplete_positions"] == 0
    tolerance = 1e-6 * summary["fills"]
    assert abs(summary["sum_realized_resolved"] + summary["fees_usdc_value"]) < tolerance
    # recompute both sides independently of the ledger's own totals
    outcome = _outcome_index(fills, markets)
    payout = np.array([np.nan if markets[c]["payout_numerators"] is None else
                       markets[c]["payout_numerators"][o] / markets[c]["payout_denominator"]
                       for c, o in zip(fills["condition_id"], outcome, strict=True)])
    resolved = ~np.isnan(payout)
    share_fee = (fills["side"] == 0) & (fills["version"] == 1)
    fee_value = np.where(share_fee, fills["fee"] * np.nan_to_num(payout), fills["fee"]) / 1e6
    positions = pq.read_table(world / "ledger" / "positions.parquet").to_pydict()
    realized = sum(r for r, c in zip(positions["realized"], positions["condition_id"], strict=True)
                   if markets[c]["payout_numerators"] is not None)
    assert fee_value[resolved].sum() > 1000
    assert realized == pytest.approx(-fee_value[resolved].sum(), abs=tolerance)
    assert summary["fees_usdc_value"] == pytest.approx(fee_value[resolved].sum(), abs=tolerance)


def test_ledger_counts_each_wallets_own_rows(world, fills):
    metrics = pq.read_table(world / "ledger" / "wallet_metrics.parquet").to_pydict()
    trades = {w: t for w, win, c, t in zip(metrics["wallet"], metrics["window"],
                                           metrics["category"], metrics["trades"], strict=True)
              if win == "lifetime" and c == "all"}
    wallets, counts = np.unique(fills["maker"], return_counts=True)
    assert trades == dict(zip(wallets.tolist(), counts.tolist(), strict=True))


def test_catalogue_tags_categories_and_resolutions(events, markets):
    for ev in events:
        assert ev["category"] == category_of(t["slug"] for t in ev["tags"])
    multi = [ev for ev in events if sum(t["slug"] in CANONICAL for t in ev["tags"]) >= 2]
    assert any(ev["tags"][0]["slug"] != ev["category"] for ev in multi)
    by_event: dict[str, list[dict]] = {}
    for m in markets.values():
        by_event.setdefault(m["event_id"], []).append(m)
    neg_risk = [ms for ms in by_event.values() if ms[0]["neg_risk"]]
    assert neg_risk and all(3 <= len(ms) <= 8 for ms in neg_risk)
    for ms in neg_risk:
        if ms[0]["closed"]:
            assert sum(m["payout_numerators"] == [1, 0] for m in ms) == 1
    payouts = [m["payout_numerators"] for m in markets.values()]
    assert [1, 1] in payouts and None in payouts
    assert any(m["fee_rate_bps"] > 0 for m in markets.values())
    assert any(m["v2_fee_rate"] > 0 for m in markets.values())


def test_a_few_events_are_retagged_during_their_life(world, events, markets):
    end_ts = json.loads((world / "world.json").read_text())["end_ts"]
    retagged = [ev for ev in events if ev["retag_ts"] is not None]
    assert 1 <= len(retagged) <= 0.06 * len(events)
    for ev in events:
        if ev["retag_ts"] is None:
            assert ev["tags_before"] is None
            continue
        assert ev["start_ts"] < ev["retag_ts"] < min(ev["end_ts"], end_ts)
        assert category_of(t["slug"] for t in ev["tags_before"]) != ev["category"]
        assert all(set(t) == {"id", "label", "slug"} for t in ev["tags_before"])
    # the ledger books the world's end state: the final tags' category
    conditions = {m["condition_id"]: m["event_id"] for m in markets.values()}
    category = {ev["id"]: ev["category"] for ev in retagged}
    positions = pq.read_table(world / "ledger" / "positions.parquet",
                              columns=["condition_id", "category"]).to_pylist()
    booked = [p for p in positions if conditions[p["condition_id"]] in category]
    assert booked and all(p["category"] == category[conditions[p["condition_id"]]]
                          for p in booked)


def test_ids_follow_the_conditional_tokens_rules(markets):
    for m in list(markets.values())[:150]:
        if m["neg_risk"]:
            assert m["question_id"] == ctf.neg_risk_question_id(m["neg_risk_market_id"],
                                                                m["neg_risk_index"])
            assert m["condition_id"] == ctf.condition_id(ctf.NEG_RISK_ADAPTER, m["question_id"])
            assert tuple(m["token_ids"]) == ctf.neg_risk_position_ids(
                m["neg_risk_market_id"], m["neg_risk_index"])
        else:
            assert m["condition_id"] == ctf.condition_id(ctf.UMA_CTF_ADAPTER, m["question_id"])
            assert tuple(m["token_ids"]) == ctf.position_ids(ctf.USDC_E, m["condition_id"])


def test_only_some_holders_redeem_after_resolution(fills, activity, markets):
    """A redemption takes all a wallet holds of a resolved market, after its resolution;
    most holders of a winning side redeem, a few holders of only losing sides do (for $0)."""
    held = {key: sum(d for *_, d in events)
            for key, events in _moves(fills, activity, markets).items()}
    redeemed = set()
    for a in activity:
        if a["type"] != "REDEEM":
            continue
        m = markets[a["condition_id"]]
        assert a["timestamp"] > m["closed_ts"] and a["size"] == held[(a["wallet"], a["token_id"])]
        payout = m["payout_numerators"][a["outcome_index"]]
        assert a["usdc_size"] == a["size"] * payout // m["payout_denominator"]
        redeemed.add((a["wallet"], a["token_id"]))
    winners = {k for k, q in held.items() if q > 0 and _wins(markets, k[1])}
    losers = {k for k, q in held.items() if q > 0 and _loses(markets, k[1])}
    assert 0.4 * len(winners) < len(redeemed & winners) < 0.95 * len(winners)
    assert 0.05 * len(losers) < len(redeemed & losers) < 0.5 * len(losers)


def _payout(markets, token) -> int | None:
    """The token's payout numerator, None while its market is open (an index, built once)."""
    index = _PAYOUTS.get(id(markets))
    if index is None:
        index = _PAYOUTS[id(markets)] = {
            tok: (None if m["payout_numerators"] is None else m["payout_numerators"][i])
            for m in markets.values() for i, tok in enumerate(m["token_ids"])}
    return index[token]


_PAYOUTS: dict[int, dict] = {}


def _wins(markets, token) -> bool:
    return bool(_payout(markets, token))


def _loses(markets, token) -> bool:
    return _payout(markets, token) == 0


@pytest.fixture(scope="module")
def lifetime(world) -> dict[str, dict]:
    """wallet -> its lifetime "all" metrics row plus archetype and specialty."""
    wallets = pq.read_table(world / "wallets.parquet").to_pydict()
    kind = dict(zip(wallets["address"], zip(wallets["archetype"], wallets["specialty"],
                                            strict=True), strict=True))
    metrics = pq.read_table(world / "ledger" / "wallet_metrics.parquet").to_pylist()
    rows = {r["wallet"]: r for r in metrics if r["window"] == "lifetime" and r["category"] == "all"}
    for w, r in rows.items():
        r["archetype"], r["specialty"] = kind[w]
    return rows


def _of(lifetime, archetype, min_bets=5):
    return [r for r in lifetime.values() if r["archetype"] == archetype
            and r["bets_closed"] >= min_bets]


def _pooled_roi(rows):
    return sum(r["realized_pnl"] for r in rows) / sum(r["cost"] for r in rows)


def test_planted_specialists_are_found_and_favourites_are_not(world, lifetime):
    spec = pq.read_table(world / "ledger" / "specialists.parquet").to_pylist()
    found = {r["wallet"]: r for r in spec if r["is_specialist"]}
    planted = {w: r["specialty"] for w, r in lifetime.items() if r["archetype"] == "specialist"}
    hits = [w for w, c in planted.items() if w in found and found[w]["category"] == c]
    assert len(hits) >= 0.7 * len(planted)
    assert not [w for w in found if lifetime[w]["archetype"] == "favourite"]
    assert len(found) - len(hits) <= 0.1 * len(found)
    focus = [r["focus_share"] for r in spec if r["wallet"] in planted
             and r["category"] == planted[r["wallet"]]]
    assert np.median(focus) >= 0.6


def test_favourites_win_often_without_an_edge(lifetime):
    fav = _of(lifetime, "favourite")
    assert np.median([r["win_rate"] for r in fav]) >= 0.8
    assert -0.06 < _pooled_roi(fav) < 0.02
    assert np.mean([r["roi"] for r in fav]) < 0.03


def test_informed_traders_have_an_edge_and_noise_traders_lose_after_fees(lifetime):
    informed, noise = _of(lifetime, "informed"), _of(lifetime, "noise")
    assert np.mean([r["roi"] for r in informed]) > 0.1
    assert _pooled_roi(informed) > 0.1
    assert np.mean([r["roi"] for r in noise]) < 0 and _pooled_roi(noise) < 0
    assert np.mean([r["omega_score"] for r in informed]) > np.mean(
        [r["omega_score"] for r in noise])


def test_market_makers_whales_and_casuals(lifetime, fills):
    mm = _of(lifetime, "market_maker")
    assert mm and all(abs(r["realized_pnl"]) < 0.05 * r["volume_usdc"] for r in mm)
    for r in mm:  # both sides of the book
        sides = fills["side"][fills["maker"] == r["wallet"]]
        assert 0.2 < sides.mean() < 0.8
    whales = [r for r in lifetime.values() if r["archetype"] == "whale"]
    noise = _of(lifetime, "noise")
    assert np.median([r["bets_closed"] + r["bets_open"] for r in whales]) <= 15
    per_bet = [r["cost"] / r["bets_closed"] for r in whales if r["bets_closed"]]
    assert np.median(per_bet) > 10 * np.median([r["cost"] / r["bets_closed"] for r in noise])
    casual = [r for r in lifetime.values() if r["archetype"] == "casual"]
    assert casual and all(r["bets_closed"] + r["bets_open"] < 10 for r in casual)
    assert {r["eligibility"] for r in casual} <= {"unranked"}
