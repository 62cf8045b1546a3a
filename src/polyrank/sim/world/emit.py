"""Turn one simulated event into the rows of the world's files (fills, activity, catalogue)."""

from __future__ import annotations

import numpy as np

from polyrank.sim.world.catalogue import EventPlan
from polyrank.sim.world.files import ACTIVITY
from polyrank.sim.world.ledger import MarketInfo
from polyrank.sim.world.params import EXCHANGES
from polyrank.sim.world.simulate import EventTrades


def _hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random `0x` + 64 hex strings."""
    raw = rng.bytes(32 * n).hex()
    return np.array(["0x" + raw[i:i + 64] for i in range(0, 64 * n, 64)], dtype=object)


def fill_columns(tr: EventTrades, ev: EventPlan, addresses: np.ndarray,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """fills.parquet columns of the event, as the exchange emits them."""
    row_tx = np.asarray(tr.row_tx, dtype=np.int64)
    tx_hash = _hashes(rng, len(tr.tx_ts))[row_tx]
    order_hash = _hashes(rng, row_tx.size)
    version = np.asarray(tr.tx_version, dtype=np.int8)[row_tx]
    kind = "neg_risk" if ev.neg_risk else "standard"
    exchange = np.where(version == 2, EXCHANGES[f"v2_{kind}"], EXCHANGES[f"v1_{kind}"])
    exchange = exchange.astype(object)
    row_taker = np.asarray(tr.row_taker, dtype=np.int64)
    taker = np.where(row_taker < 0, exchange, addresses[np.maximum(row_taker, 0)])
    tokens = np.array([tok for m in ev.markets for tok in m.token_ids], dtype=object)
    market = np.asarray(tr.row_market, dtype=np.int64)
    token = tokens[market * 2 + np.asarray(tr.row_outcome, dtype=np.int64)]
    side = np.asarray(tr.row_side, dtype=np.int8)
    buy = side == 0
    shares = np.asarray(tr.row_shares, dtype=np.int64)
    usdc = np.asarray(tr.row_usdc, dtype=np.int64)
    return {
        "id": np.array([a + "_" + b for a, b in zip(tx_hash, order_hash, strict=True)],
                       dtype=object),
        "transaction_hash": tx_hash,
        "timestamp": np.asarray(tr.tx_ts, dtype=np.int64)[row_tx],
        "order_hash": order_hash,
        "maker": addresses[np.asarray(tr.row_maker, dtype=np.int64)],
        "taker": taker,
        "maker_asset_id": np.where(buy, "0", token).astype(object),
        "taker_asset_id": np.where(buy, token, "0").astype(object),
        "maker_amount_filled": np.where(buy, usdc, shares),
        "taker_amount_filled": np.where(buy, shares, usdc),
        "fee": np.asarray(tr.row_fee, dtype=np.int64),
        "exchange": exchange,
        "version": version,
        "side": side,
        "token_id": token,
        "condition_id": np.array([m.condition_id for m in ev.markets], dtype=object)[market],
    }


def activity_columns(tr: EventTrades, ev: EventPlan, addresses: np.ndarray,
                     rng: np.random.Generator) -> dict[str, list]:
    """activity.parquet columns of the event: its splits, merges and conversions (one row
    each, its own transaction; a conversion names the neg-risk market id as its condition and
    the converted questions as an index set), then its redemptions (one row per outcome
    redeemed, one transaction per wallet and market). Ids are `<tx hash>_<row in the tx>`."""
    n_redeem_tx = len({r[6] for r in tr.redeems})
    hashes = _hashes(rng, len(tr.actions) + n_redeem_tx)
    cols: dict[str, list] = {name: [] for name in ACTIVITY.names}

    def add(kind, w, ts, condition, token, outcome, size, usdc, tx, n, index_set=0,
            questions=0):
        for name, value in (("id", f"{tx}_{n}"), ("wallet", addresses[w]), ("timestamp", ts),
                            ("type", kind), ("condition_id", condition), ("token_id", token),
                            ("outcome_index", outcome), ("size", size), ("usdc_size", usdc),
                            ("transaction_hash", tx), ("index_set", index_set),
                            ("question_count", questions)):
            cols[name].append(value)

    for k, (kind, w, ts, m, amount, usdc, markets) in enumerate(tr.actions):
        if kind == "CONVERSION":
            index_set = sum(1 << plan.neg_risk_index for i, plan in enumerate(ev.markets)
                            if markets >> i & 1)  # type: ignore[operator]
            add(kind, w, ts, ev.neg_risk_market_id, "", None, amount, usdc, hashes[k], 0,
                index_set, len(ev.markets))
        else:
            add(kind, w, ts, ev.markets[m].condition_id, "", None, amount, usdc, hashes[k], 0)
    row_in_tx: dict[int, int] = {}
    for w, ts, m, o, size, usdc, number in tr.redeems:
        market = ev.markets[m]
        n = row_in_tx[number] = row_in_tx.get(number, -1) + 1
        add("REDEEM", w, ts, market.condition_id, market.token_ids[o], o, size, usdc,
            hashes[len(tr.actions) + number], n)
    return cols


def _price_str(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def market_records(tr: EventTrades, ev: EventPlan) -> list[dict]:
    """markets.jsonl records of the event."""
    out = []
    for m, plan in enumerate(ev.markets):
        payout = tr.payouts[m]
        if payout is not None:
            nums, den = payout
            prices = [_price_str(x / den) for x in nums]
        else:
            last = tr.last_price[m]
            yes = last[0] / 1000 if last[0] is not None else (
                1 - last[1] / 1000 if last[1] is not None else tr.final_yes[m])
            no = last[1] / 1000 if last[1] is not None else 1 - yes
            prices = [_price_str(yes), _price_str(no)]
        out.append({
            "id": plan.id, "event_id": ev.id, "question": plan.question, "slug": plan.slug,
            "condition_id": plan.condition_id, "question_id": plan.question_id,
            "outcomes": ["Yes", "No"], "token_ids": list(plan.token_ids),
            "neg_risk": ev.neg_risk, "neg_risk_market_id": ev.neg_risk_market_id,
            "neg_risk_index": plan.neg_risk_index, "start_ts": ev.start_ts, "end_ts": ev.end_ts,
            "closed": payout is not None,
            "closed_ts": ev.resolution_ts if payout is not None else None,
            "uma_resolution_status": "resolved" if payout is not None else None,
            "payout_numerators": payout[0] if payout is not None else None,
            "payout_denominator": payout[1] if payout is not None else None,
            "outcome_prices": prices, "fee_rate_bps": plan.fee_bps,
            "v2_fee_rate": plan.v2_fee_bps / 10000, "volume_usdc": tr.volume[m] / 1e6,
        })
    return out


def event_record(ev: EventPlan) -> dict:
    return {
        "id": ev.id, "slug": ev.slug, "title": ev.title, "neg_risk": ev.neg_risk,
        "neg_risk_market_id": ev.neg_risk_market_id, "tags": ev.tags, "category": ev.category,
        "start_ts": ev.start_ts, "end_ts": ev.end_ts, "closed": ev.resolved,
        "retag_ts": ev.retag_ts, "tags_before": ev.tags_before,
    }


def market_infos(tr: EventTrades, ev: EventPlan) -> list[MarketInfo]:
    """What the ledger needs about the event's markets."""
    infos = []
    for m, plan in enumerate(ev.markets):
        payout = tr.payouts[m]
        infos.append(MarketInfo(
            condition_id=plan.condition_id, token_ids=plan.token_ids,
            bet_key=ev.neg_risk_market_id if ev.neg_risk else plan.condition_id,  # type: ignore[arg-type]
            category=ev.category, question=plan.neg_risk_index, event_id=ev.id,
            payouts=None if payout is None else tuple(x / payout[1] for x in payout[0]),
            resolved_ts=ev.resolution_ts if payout is not None else None,
        ))
    return infos
