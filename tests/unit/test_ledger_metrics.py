"""Hand-computed examples of wallet metrics, eligibility and specialists (docs/metrics.md §4-§7)."""

import math

import numpy as np
import pytest

from polyrank.sim.world.categories import CATEGORY_CODE
from polyrank.sim.world.ledger import LedgerConfig
from polyrank.sim.world.metrics import (
    BetArrays,
    FillArrays,
    PositionArrays,
    bet_metrics,
    compute_wallet_metrics,
    eligibility,
    median,
    omega_score,
    roi_and_se,
    wilson_lower_bound,
)
from polyrank.sim.world.specialists import compute_specialists

CFG = LedgerConfig()
DAY = 86400


def test_omega_score_of_three_equal_wins_and_no_loss_is_1_6():
    assert omega_score(300.0, 0.0, [100.0, 100.0, 100.0], k=10, cbar_fraction=0.5) == (
        pytest.approx(1.6))
    m = bet_metrics([100.0, 100.0, 100.0], [100.0, 100.0, 100.0], CFG)
    assert m["omega_score"] == pytest.approx(1.6)


def test_omega_is_null_without_losses_and_flagged_unbounded_only_with_gains():
    won = bet_metrics([10.0, 20.0], [100.0, 100.0], CFG)
    assert won["omega"] is None and won["omega_unbounded"] is True
    flat = bet_metrics([0.0, 0.0], [100.0, 100.0], CFG)
    assert flat["omega"] is None and flat["omega_unbounded"] is False
    mixed = bet_metrics([30.0, -10.0], [100.0, 100.0], CFG)
    assert mixed["omega"] == pytest.approx(3.0) and mixed["omega_unbounded"] is False


@pytest.mark.parametrize(("wins", "n", "expected"), [(3, 3, 0.44), (60, 100, 0.50)])
def test_wilson_lower_bound(wins, n, expected):
    assert round(wilson_lower_bound(wins, n, 1.96), 2) == expected


def test_wilson_lower_bound_is_null_without_decided_bets():
    assert wilson_lower_bound(0, 0, 1.96) is None


def test_roi_and_its_standard_error():
    # roi = 25/250 = 0.1; residuals 0, -10, 10; se = sqrt(3/2 * 200) / 250
    roi, se = roi_and_se([10.0, -5.0, 20.0], [100.0, 50.0, 100.0])
    assert roi == pytest.approx(0.1)
    assert se == pytest.approx(math.sqrt(300) / 250)
    assert roi_and_se([10.0], [100.0]) == (pytest.approx(0.1), None)
    assert roi_and_se([], []) == (None, None)


def test_win_rate_ignores_zero_pnl_bets_but_they_count_as_closed():
    m = bet_metrics([10.0, 0.0, -5.0], [10.0, 10.0, 10.0], CFG)
    assert m["bets_closed"] == 3
    assert (m["bets_won"], m["bets_lost"]) == (1, 1)
    assert m["win_rate"] == pytest.approx(0.5)
    assert m["avg_loss"] == pytest.approx(5.0) and m["max_loss"] == pytest.approx(5.0)


def test_median_of_an_even_count_is_the_mean_of_the_middle_values():
    assert median([4.0, 1.0, 3.0, 2.0]) == pytest.approx(2.5)
    assert median([5.0, 1.0, 3.0]) == pytest.approx(3.0)


@pytest.mark.parametrize(("bets", "cost", "span_days", "expected"), [
    (20, 500.0, 14, "ranked"),
    (19, 5000.0, 100, "provisional"),
    (10, 0.0, 0, "provisional"),
    (9, 5000.0, 100, "unranked"),
    (20, 499.0, 100, "unranked"),
    (25, 5000.0, 13, "unranked"),
])
def test_eligibility_overall(bets, cost, span_days, expected):
    assert eligibility("all", bets, cost, 0, span_days * DAY, CFG) == expected


@pytest.mark.parametrize(("bets", "cost", "expected"), [
    (10, 250.0, "ranked"), (9, 1000.0, "unranked"), (30, 249.0, "unranked")])
def test_eligibility_per_category(bets, cost, expected):
    assert eligibility("crypto", bets, cost, None, None, CFG) == expected


def _arrays(closed_ts, pnl, cost, fills_ts, category="crypto"):
    code = CATEGORY_CODE[category]
    n, k = len(closed_ts), len(fills_ts)
    bets = BetArrays(wallet=np.zeros(n, np.int32), category=np.full(n, code, np.int8),
                     pnl=np.array(pnl, float), cost=np.array(cost, float),
                     closed=np.array([t is not None for t in closed_ts]),
                     closed_ts=np.array([-1 if t is None else t for t in closed_ts], np.int64),
                     pnl_polymarket=np.array(pnl, float) + 1, pnl_fee_effect=np.full(n, -0.5),
                     pnl_unredeemed=np.full(n, -0.5))
    fills = FillArrays(wallet=np.zeros(k, np.int32), category=np.full(k, code, np.int8),
                       timestamp=np.array(fills_ts, np.int64), usdc=np.full(k, 10.0),
                       market=np.arange(k, dtype=np.int32) % 2)
    positions = PositionArrays(wallet=np.zeros(1, np.int32), category=np.full(1, code, np.int8),
                               realized=np.array([1.0]), unrealized=np.array([2.0]),
                               incomplete=np.array([False]), pnl_polymarket=np.array([1.5]),
                               pnl_fee_effect=np.array([0.0]), pnl_unredeemed=np.array([-0.5]))
    return bets, fills, positions


def _rows(metrics):
    return {(r["window"], r["category"]): r for r in
            (dict(zip(metrics, v, strict=True)) for v in zip(*metrics.values(), strict=True))}


def test_window_membership_by_closed_at_and_fill_timestamp():
    as_of = 1_000 * DAY
    edge = as_of - 30 * DAY
    bets, fills, positions = _arrays(
        closed_ts=[edge, edge + 1, as_of, None], pnl=[5.0, 7.0, -2.0, 100.0],
        cost=[10.0, 10.0, 10.0, 10.0], fills_ts=[edge, edge + 1, as_of - DAY, as_of])
    rows = _rows(compute_wallet_metrics(["0xw"], bets, fills, positions, as_of, CFG))
    d30, life = rows[("30d", "crypto")], rows[("lifetime", "all")]
    assert d30["bets_closed"] == 2 and d30["realized_pnl"] == pytest.approx(5.0)
    assert d30["trades"] == 3 and d30["volume_usdc"] == pytest.approx(30.0)
    assert (d30["first_trade_at"], d30["last_trade_at"]) == (edge + 1, as_of)
    assert d30["active_days"] == 3 and d30["markets_traded"] == 2
    assert d30["bets_open"] == life["bets_open"] == 1
    assert d30["realized_pnl_all"] is None and d30["total_pnl"] is None
    assert life["bets_closed"] == 3 and life["trades"] == 4
    assert life["realized_pnl_all"] == pytest.approx(1.0)
    assert life["unrealized_pnl"] == pytest.approx(2.0)
    assert life["total_pnl"] == pytest.approx(3.0)
    assert set(rows) == {(w, c) for w in ("30d", "90d", "180d", "lifetime")
                         for c in ("crypto", "all")}
    # Polymarket's convention: the window's closed bets (each bet's pnl + 1, fee effect and
    # unredeemed -0.5 each) beside its realized_pnl; lifetime: every position
    assert (d30["pnl_polymarket"], d30["pnl_fee_effect"], d30["pnl_unredeemed"]) == \
        pytest.approx((7.0, -1.0, -1.0))
    assert d30["pnl_polymarket"] + d30["pnl_fee_effect"] + d30["pnl_unredeemed"] == \
        pytest.approx(d30["realized_pnl"])
    assert (life["pnl_polymarket"], life["pnl_unredeemed"]) == pytest.approx((1.5, -0.5))


def _metric_row(wallet, category, *, bets, cost, roi=None, se=None, score=None,
                eligibility_="unranked"):
    return {"wallet": wallet, "window": "lifetime", "category": category, "bets_closed": bets,
            "cost": cost, "roi": roi, "roi_se": se, "omega_score": score,
            "eligibility": eligibility_}


def test_specialist_needs_focus_significant_roi_and_top_omega():
    rows = [
        _metric_row("s", "all", bets=40, cost=5000.0),
        _metric_row("s", "crypto", bets=25, cost=2500.0, roi=0.5, se=0.1, score=5.0,
                    eligibility_="ranked"),
        _metric_row("f", "all", bets=40, cost=5000.0),  # focused, no edge
        _metric_row("f", "crypto", bets=30, cost=4000.0, roi=0.1, se=0.1, score=1.2,
                    eligibility_="ranked"),
        _metric_row("u", "all", bets=40, cost=5000.0),  # top omega but under 40% focus
        _metric_row("u", "crypto", bets=30, cost=1900.0, roi=0.5, se=0.1, score=5.0,
                    eligibility_="ranked"),
    ]
    rows += [_metric_row(f"x{i}", "crypto", bets=10, cost=300.0, roi=0.0, se=0.1, score=1.0,
                         eligibility_="ranked") for i in range(17)]
    out = compute_specialists({k: [r[k] for r in rows] for k in rows[0]}, CFG)
    assert "all" not in out["category"]
    got = {w: {col: values[i] for col, values in out.items()}
           for i, w in enumerate(out["wallet"])}
    assert got["s"]["focus_share"] == pytest.approx(0.5)
    assert got["s"]["is_specialist"] and not got["s"]["focus_only"]
    assert got["s"]["roi_lb"] == pytest.approx(0.5 - 1.645 * 0.1)
    # 20 eligible wallets: top 10% = fewer than 2 wallets strictly above; s and u tie at 5.0
    assert got["s"]["omega_top"] and got["u"]["omega_top"]
    assert not got["f"]["omega_top"]  # 2 of 20 strictly above: not fewer than 10% x 20
    assert got["f"]["focused"] and got["f"]["focus_only"] and not got["f"]["edge"]
    assert not got["u"]["focused"] and got["u"]["edge"] and not got["u"]["is_specialist"]
    assert not got["x0"]["omega_top"]


def test_config_needs_a_lifetime_window_last():
    with pytest.raises(ValueError):
        LedgerConfig(windows=(("30d", 30),))
    assert LedgerConfig().windows[-1] == ("lifetime", None)
