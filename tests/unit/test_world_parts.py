"""The generator's building blocks: parameters, categories, fees, prices, times."""

import json

import numpy as np
import pytest

from polyrank.errors import WorldError
from polyrank.sim.world import WorldParams
from polyrank.sim.world.catalogue import EventPlan
from polyrank.sim.world.categories import CANONICAL, TAGS, category_of
from polyrank.sim.world.fees import v1_fee, v2_fee
from polyrank.sim.world.simulate import STEPS, action_times, payouts_of, price_paths
from tests.conftest import FIXTURES


def test_params_defaults_and_scaling_with_a_fill_target():
    p = WorldParams().resolved()
    assert (p.wallets, p.markets, p.fills) == (2000, 400, 200_000)
    big = WorldParams(fills=10_000_000).resolved()
    assert (big.wallets, big.markets, big.fills) == (50_000, 16_666, 10_000_000)
    explicit = WorldParams(wallets=300, markets=50, fills=20_000).resolved()
    assert (explicit.wallets, explicit.markets) == (300, 50)
    assert p.end_ts - p.start_ts > 365 * 86400


@pytest.mark.parametrize("bad", [
    {"wallets": 10}, {"markets": 2}, {"fills": 10}, {"open_share": 1.5},
    {"start": "2025-13-01"}, {"start": "2026-01-01", "end": "2026-01-10"},
])
def test_bad_params_raise_world_error(bad):
    with pytest.raises(WorldError):
        WorldParams(**bad).resolved()


def test_category_follows_priority_not_tag_order():
    assert category_of(["politics", "crypto", "btc"]) == "crypto"
    assert category_of(["mentions", "sports"]) == "sports"
    assert category_of(["science", "awards"]) == "other"
    assert category_of([]) == "other"
    assert all(TAGS[c]["slug"] == c for c in CANONICAL)
    assert len({t["id"] for t in TAGS.values()}) == len(TAGS)


def test_v2_fee_reproduces_every_real_chain_sample():
    rows = json.loads((FIXTURES / "chain" / "v2_order_filled_taker_fees.json").read_text())
    for r in rows:
        shares = int(r["taker_amount_filled"] if r["side"] == "BUY" else r["maker_amount_filled"])
        fee = v2_fee(shares, round(float(r["price"]) * 1000), round(float(r["fee_rate"]) * 10000))
        assert fee == int(r["fee"]), r


def test_v1_fee_is_in_shares_on_buys_and_usdc_on_sells():
    # 100 shares at 0.40 with 200 bps: min(p, 1-p) = 0.40
    assert v1_fee(0, 100_000_000, 400, 200) == 2_000_000  # 0.02 * 0.4 * 100 / 0.4 shares
    assert v1_fee(1, 100_000_000, 400, 200) == 800_000  # 0.02 * 0.4 * 100 USDC
    assert v1_fee(0, 100_000_000, 400, 0) == 0


def _event(n_markets=1, void=False, resolved=True):
    ev = EventPlan(index=0, id="1", slug="e", title="t", category="sports", tags=[],
                   neg_risk=n_markets > 1, neg_risk_market_id=None, start_ts=0, end_ts=1000,
                   trade_end=1000, resolution_ts=2000 if resolved else None, void=void,
                   actions=10)
    ev.markets = [None] * n_markets  # price paths only look at the count
    return ev


def test_binary_prices_are_calibrated_and_converge_to_the_outcome():
    rng = np.random.default_rng(1)
    mids, wins, final_gap = [], [], []
    for _ in range(1500):
        yes, winner = price_paths(rng, _event())
        assert yes.shape == (1, STEPS + 1) and ((yes >= 0) & (yes <= 1)).all()
        won = 1.0 if winner == 0 else 0.0
        step = rng.integers(0, STEPS)
        mids.append(yes[0, step])
        wins.append(won)
        final_gap.append(abs(yes[0, -1] - won))
    mids, wins = np.array(mids), np.array(wins)
    for lo, hi in [(0.1, 0.3), (0.4, 0.6), (0.75, 0.95)]:
        sel = (mids >= lo) & (mids < hi)
        assert abs(wins[sel].mean() - mids[sel].mean()) < 0.08
    assert np.median(final_gap) < 0.05


def test_neg_risk_prices_sum_to_one_and_exactly_one_market_wins():
    rng = np.random.default_rng(2)
    ev = _event(n_markets=5)
    yes, winner = price_paths(rng, ev)
    assert yes.shape == (5, STEPS + 1)
    assert np.allclose(yes.sum(axis=0), 1.0)
    payouts = payouts_of(ev, winner)
    assert sum(p[0][0] for p in payouts) == 1
    assert all(p[1] == 1 for p in payouts)


def test_void_and_open_payouts():
    assert payouts_of(_event(void=True), -1) == [([1, 1], 2)]
    assert payouts_of(_event(resolved=False), 0) == [None]


def test_action_times_are_strictly_increasing_and_inside_the_event():
    rng = np.random.default_rng(3)
    ev = _event()
    ts = action_times(rng, ev, 500)
    assert (np.diff(ts) > 0).all()
    assert ts[0] >= ev.start_ts and ts[-1] <= ev.trade_end
    ev.force_last = True
    assert action_times(rng, ev, 50)[-1] == ev.trade_end
