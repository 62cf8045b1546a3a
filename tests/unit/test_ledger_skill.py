"""Hand-computed skill, risk and behaviour figures (docs/metrics.md §4.6-§4.8, ledger rules
28-39 in `polyrank.sim.world.skill` and `.equity`)."""

import math

import numpy as np
import pytest

from polyrank.sim.world import equity
from polyrank.sim.world.book import LedgerBook
from polyrank.sim.world.categories import CATEGORY_CODE
from polyrank.sim.world.equity import Curve, risk_by_key
from polyrank.sim.world.ledger import Activity, LedgerConfig, MarketInfo, curve_flows, token_index
from polyrank.sim.world.metrics import BetArrays, FillArrays, PositionArrays, compute_wallet_metrics
from polyrank.sim.world.params import EXCHANGES
from polyrank.sim.world.skill import (
    ROLE_PASSIVE,
    ROLE_TAKING,
    ROLE_UNKNOWN,
    behaviour_by_group,
    benjamini_hochberg,
    edge_by_group,
    role_of,
)

CFG = LedgerConfig()
DAY = 86400
M = 1_000_000
NAN = float("nan")


def _null(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# -- §4.6 edge and its clustered standard error ------------------------------------------------

def test_edge_and_skill_z_with_two_bets_in_one_event():
    # group 0: x = P/Q of four bets: +60/100 = 0.6 and -40/100 = -0.4 (both in event 1),
    # +30/50 = 0.6 (event 2), -10/100 = -0.1 (event 3); a floor p(1 - p) of 0.01 each.
    #   edge = (0.6 - 0.4 + 0.6 - 0.1) / 4 = 0.175
    #   deviations 0.425, -0.575 | 0.425 | -0.275; cluster sums -0.15, 0.425, -0.275
    #   Σ squares = 0.0225 + 0.180625 + 0.075625 = 0.27875; G = 3, G/(G-1) = 1.5
    #   1.5 * 0.27875 = 0.418125 > the floor 0.04, so
    #   edge_se = sqrt(0.418125) / 4 = 0.1616565 (unclustered it would be
    #   sqrt(4/3 * 0.7675) / 4 = 0.2529: the two bets of event 1 offset each other)
    #   skill_z = 0.175 / 0.1616565 = 1.0825425; edge_lb = 0.175 - 1.645 * se = -0.0909249
    #   skill_p = 1 - Φ(1.0825425) = 0.1395058
    # group 1: two bets of one event: G = 1, so edge but no standard error
    # group 2: no bet; group 3: x = 0 in two events, floor 0 (p = 0 or 1): se = 0, no z
    group = np.array([0, 0, 0, 0, 1, 1, 3, 3])
    x = np.array([0.6, -0.4, 0.6, -0.1, 0.2, 0.4, 0.0, 0.0])
    event = np.array([1, 1, 2, 3, 7, 7, 8, 9])
    floor = np.array([0.01] * 6 + [0.0] * 2)
    out = edge_by_group(group, x, event, floor, 4, CFG.edge_z)
    assert out["edge"][0] == pytest.approx(0.175)
    assert out["edge_se"][0] == pytest.approx(0.1616565, abs=1e-7)
    assert out["skill_z"][0] == pytest.approx(1.0825425, abs=1e-7)
    assert out["edge_lb"][0] == pytest.approx(-0.0909249, abs=1e-7)
    assert out["skill_p"][0] == pytest.approx(0.1395058, abs=1e-7)
    assert out["edge"][1] == pytest.approx(0.3)
    assert all(math.isnan(out[c][1]) for c in ("edge_se", "skill_z", "edge_lb", "skill_p"))
    assert all(math.isnan(out[c][2]) for c in out)
    assert out["edge"][3] == 0.0 and out["edge_se"][3] == 0.0 and out["edge_lb"][3] == 0.0
    assert math.isnan(out["skill_z"][3]) and math.isnan(out["skill_p"][3])


def test_the_prices_paid_floor_the_error():
    # docs/metrics.md §4.6: 60 favourites bought at 0.99, all won: x = 0.01 each, so the
    # record's own error is 0; the floor Σ p(1 - p) = 60 * 0.0099 = 0.594 gives
    # edge_se = sqrt(0.594) / 60 = 0.0128452, skill_z = 0.01 / 0.0128452 = 0.7784989
    n = 60
    out = edge_by_group(np.zeros(n, np.int64), np.full(n, 0.01), np.arange(n),
                        np.full(n, 0.99 * 0.01), 1, CFG.edge_z)
    assert out["edge_se"][0] == pytest.approx(0.0128452, abs=1e-7)
    assert out["skill_z"][0] == pytest.approx(0.7784989, abs=1e-6)


def _bets(pnl, q, event, closed_ts, wallet=None, category="crypto", cost=None):
    n = len(pnl)
    return BetArrays(
        wallet=np.zeros(n, np.int32) if wallet is None else np.array(wallet, np.int32),
        category=np.full(n, CATEGORY_CODE[category], np.int8), pnl=np.array(pnl, float),
        cost=np.full(n, 50.0) if cost is None else np.array(cost, float),
        closed=np.ones(n, bool), closed_ts=np.array(closed_ts, np.int64),
        pnl_polymarket=np.zeros(n), pnl_fee_effect=np.zeros(n), pnl_unredeemed=np.zeros(n),
        shares_bought=np.array(q, float), event=np.array(event, np.int32))


def _fills(wallets, ts, category="crypto"):
    k = len(ts)
    return FillArrays(wallet=np.array(wallets, np.int32),
                      category=np.full(k, CATEGORY_CODE[category], np.int8),
                      timestamp=np.array(ts, np.int64), usdc=np.full(k, 10.0),
                      market=np.zeros(k, np.int32))


def _positions():
    one = np.zeros(1)
    return PositionArrays(wallet=np.zeros(1, np.int32), category=np.zeros(1, np.int8),
                          realized=one, unrealized=one, incomplete=np.zeros(1, bool),
                          pnl_polymarket=one, pnl_fee_effect=one, pnl_unredeemed=one)


def _rows(metrics):
    rows = [dict(zip(metrics, v, strict=True)) for v in zip(*metrics.values(), strict=True)]
    return {(r["wallet"], r["window"], r["category"]): r for r in rows}


def test_a_bet_without_shares_bought_has_no_x_but_still_counts_elsewhere():
    # the four bets above, bought at 0.40, 0.40, 0.40 and 0.10 (cost / Q): the floor
    # 3 * 0.24 + 0.09 = 0.81 exceeds the clustered 0.418125, so edge_se = sqrt(0.81) / 4 =
    # 0.225 and skill_z = 0.175 / 0.225 = 0.7777778; the fifth bet acquired no shares
    as_of = 1000 * DAY
    bets = _bets(pnl=[60.0, -40.0, 30.0, -10.0, 5.0], q=[100, 100, 50, 100, 0],
                 event=[1, 1, 2, 3, 4], closed_ts=[as_of - 100 * DAY] * 5,
                 cost=[40.0, 40.0, 20.0, 10.0, 5.0])
    rows = _rows(compute_wallet_metrics(["0xw"], bets, _fills([0], [as_of]), _positions(),
                                        as_of, CFG))
    life, d30 = rows[("0xw", "lifetime", "crypto")], rows[("0xw", "30d", "crypto")]
    assert life["bets_closed"] == 5 and life["realized_pnl"] == pytest.approx(45.0)
    assert life["edge"] == pytest.approx(0.175)
    assert life["edge_se"] == pytest.approx(0.225)
    assert life["skill_z"] == pytest.approx(0.7777778, abs=1e-7)
    assert rows[("0xw", "lifetime", "all")]["edge"] == pytest.approx(0.175)
    # closed 100 days ago: nothing in the 30-day window
    assert all(d30[c] is None for c in ("edge", "edge_se", "skill_z", "edge_lb", "skill_p"))
    assert d30["skilled"] is False


# -- §4.6 the skilled badge: Benjamini-Hochberg --------------------------------------------

@pytest.mark.parametrize(("p", "skilled"), [
    # m = 10, q = 0.05: thresholds k * 0.005; p(2) = 0.008 <= 0.010 is the largest passing
    ([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
     [True, True] + [False] * 8),
    # ties: p(3) = 0.01 <= 3 * 0.05 / 4 = 0.0375, so all three equal p-values pass
    ([0.01, 0.5, 0.01, 0.01], [True, False, True, True]),
    # step-up: p(1) = 0.02 > 0.0167 fails alone but p(2) = 0.02 <= 0.0333 carries both
    ([0.02, 0.02, 0.9], [True, True, False]),
    # just beyond: 0.0334 > 2 * 0.05 / 3
    ([0.0334, 0.0334, 0.9], [False, False, False]),
    # none significant
    ([0.2, 0.5, NAN], [False, False, False]),
    # a null p counts as 1, and in m: alone 0.03 <= 0.05 passes, beside a null it does not
    ([0.03], [True]),
    ([0.03, NAN], [False, False]),
    ([0.001, NAN], [True, False]),
    ([], []),
])
def test_benjamini_hochberg(p, skilled):
    assert benjamini_hochberg(np.array(p, float), 0.05).tolist() == skilled


def test_only_ranked_rows_are_badged_per_board():
    as_of = 1000 * DAY
    # wallet 0: 24 bets of 100 shares, x alternating 0.4 / 0.6 in 24 events, $50 each (p =
    # 0.50), fills 20 days apart: ranked in `all` and in crypto. edge 0.5; clustered
    # 24/23 * 24 * 0.01 = 0.25 < the floor 24 * 0.25 = 6: se = sqrt(6) / 24 = 0.1020621,
    # z = 4.8989795, p = 4.8e-7, alone on its boards (m = 1): skilled.
    # wallet 1: 5 such bets (z = 2.24, p = 0.013) but unranked: never skilled.
    n0, n1 = 24, 5
    pnl = [40.0 if i % 2 else 60.0 for i in range(n0)] + [40.0, 60.0, 40.0, 60.0, 40.0]
    bets = _bets(pnl=pnl, q=[100] * (n0 + n1), event=list(range(n0 + n1)),
                 closed_ts=[as_of - DAY] * (n0 + n1), wallet=[0] * n0 + [1] * n1)
    fills = _fills([0, 0, 1], [as_of - 20 * DAY, as_of, as_of])
    rows = _rows(compute_wallet_metrics(["0xa", "0xb"], bets, fills, _positions(), as_of, CFG))
    a, b = rows[("0xa", "30d", "all")], rows[("0xb", "30d", "all")]
    assert a["eligibility"] == "ranked" and b["eligibility"] == "unranked"
    assert a["edge_se"] == pytest.approx(0.1020621, abs=1e-7)
    assert a["skill_z"] == pytest.approx(4.8989795, abs=1e-7)
    assert a["skilled"] is True and b["skilled"] is False and b["skill_p"] < 0.05
    assert rows[("0xa", "30d", "crypto")]["skilled"] is True


# -- §4.7 risk from a known equity curve ----------------------------------------------------

def _curve(equity_usdc: dict[int, float], first: int, last: int, capital: float) -> Curve:
    days = sorted(equity_usdc)
    e = np.array([round(equity_usdc[d] * M) for d in days], np.int64)
    r = np.diff(np.concatenate([[0], e]))
    keep = r != 0
    return Curve(key=np.array([5]), first_day=np.array([first]),
                 capital=np.array([round(capital * M)]), change_key=np.zeros(keep.sum(), int),
                 change_day=np.array(days)[keep], change=r[keep], equity=e[keep],
                 last_day=last)


# E over days 100..105: 10, 30, 20, 20 (quiet), 5, 25; the most cash ever out K = 80
KNOWN = {100: 10.0, 101: 30.0, 102: 20.0, 104: 5.0, 105: 25.0}


def _risk(curve, days):
    return {k: v[0] for k, v in risk_by_key(curve, np.array([5]), days).items()}


def test_risk_of_a_known_curve_over_its_whole_life():
    # r = 10, 20, -10, 0, -15, 20 (n = 6): Σr = 25, Σr² = 1225, mean = 25/6
    #   sd² = (1225 - 25²/6) / 5 = 1345/6, sharpe = (25/6) / sqrt(1345/6) = 0.2782936
    #   sortino = (25/6) / sqrt((100 + 225) / 6) = 0.5661385
    #   peak 30 on day 101, lowest after it 5: max_drawdown 25
    #   on V = 80 + E: (110 - 85) / 110 = 0.2272727
    out = _risk(_curve(KNOWN, 100, 105, 80.0), None)
    assert out["sharpe_daily"] == pytest.approx(0.2782936, abs=1e-7)
    assert out["sortino_daily"] == pytest.approx(0.5661385, abs=1e-7)
    assert out["max_drawdown"] == pytest.approx(25.0)
    assert out["max_drawdown_pct"] == pytest.approx(25 / 110)


def test_risk_in_a_window_starts_from_the_day_before_it():
    # the last 3 days, 103..105: r = 0, -15, 20 from E_102 = 20; mean 5/3
    #   sd² = (625 - 25/3) / 2, sharpe = 0.0949158; sortino = (5/3) / sqrt(225/3) = 0.1924501
    #   the peak starts at E_102 = 20 (not the earlier 30): drawdown 15, 15 / (80 + 20)
    out = _risk(_curve(KNOWN, 100, 105, 80.0), 3)
    assert out["sharpe_daily"] == pytest.approx(0.0949158, abs=1e-7)
    assert out["sortino_daily"] == pytest.approx(0.1924501, abs=1e-7)
    assert out["max_drawdown"] == pytest.approx(15.0)
    assert out["max_drawdown_pct"] == pytest.approx(0.15)
    # a window longer than the curve is clipped to its first day: the lifetime figures
    assert _risk(_curve(KNOWN, 100, 105, 80.0), 30) == _risk(_curve(KNOWN, 100, 105, 80.0), None)


def test_risk_nulls():
    # one day: n < 2
    one = _risk(_curve(KNOWN, 100, 105, 80.0), 1)
    assert _null(one["sharpe_daily"]) and _null(one["sortino_daily"])
    assert one["max_drawdown"] == 0.0
    # flat over the window (every r = 0): sd = 0 and no day lost; never fell
    flat = _risk(_curve({100: 10.0}, 100, 105, 80.0), 5)
    assert _null(flat["sharpe_daily"]) and _null(flat["sortino_daily"])
    assert flat["max_drawdown"] == 0.0 and flat["max_drawdown_pct"] == 0.0
    # a rising curve, r = 1, 2: sharpe 1.5 / sqrt(0.5), no sortino (no day lost); no
    # capital: no percentage
    up = _risk(_curve({100: 1.0, 101: 3.0}, 100, 101, 0.0), None)
    assert up["sharpe_daily"] == pytest.approx(1.5 / math.sqrt(0.5))
    assert _null(up["sortino_daily"]) and _null(up["max_drawdown_pct"])


# -- §4.7 the curve itself, through the ledger book -------------------------------------------

def _fill_row(n, maker, token, side, shares, usdc, ts, taker=EXCHANGES["v1_standard"]):
    buy = side == "BUY"
    return {"id": f"0x{n:064x}_0x{n:064x}", "maker": maker, "taker": taker,
            "maker_asset_id": "0" if buy else token, "taker_asset_id": token if buy else "0",
            "maker_amount_filled": round((usdc if buy else shares) * M),
            "taker_amount_filled": round((shares if buy else usdc) * M), "fee": 0,
            "version": 1, "timestamp": ts}


def _columns(rows):
    return {k: [r[k] for r in rows] for k in rows[0]}


@pytest.mark.parametrize("chunk", [1 << 20, 1])  # one slice; a slice per wallet and key
def test_equity_curve_marks_resolves_clamps_and_finds_the_capital(monkeypatch, chunk):
    monkeypatch.setattr(equity, "CHUNK", chunk)
    d0 = 1000 * DAY
    a = MarketInfo("ca", ("a0", "a1"), "ca", "politics", payouts=(1.0, 0.0),
                   resolved_ts=d0 + 3 * DAY + 100, event_id="e1")
    b = MarketInfo("cb", ("b0", "b1"), "cb", "crypto", event_id="e2")
    w, x = "0xw", "0xx"
    fills = [
        _fill_row(1, w, "a0", "BUY", 100, 40, d0 + 10),           # day 0: 100 YES at 0.40
        _fill_row(2, x, "a0", "BUY", 10, 5.5, d0 + DAY + 10),     # day 1: marked at 0.55
        _fill_row(3, w, "a0", "SELL", 50, 30, d0 + 2 * DAY + 10),  # day 2: half out at 0.60
        _fill_row(4, w, "b0", "SELL", 20, 10, d0 + 3 * DAY + 10, taker=x),  # 10 beyond holding
    ]
    split = {"wallet": [w], "type": ["SPLIT"], "timestamp": [d0 + DAY + 5], "id": ["0xs_0"],
             "condition_id": ["cb"], "size": [10 * M], "index_set": [0], "question_count": [0]}
    book = LedgerBook()
    book.add(_columns(fills[:3]), [a])
    book.add(_columns(fills[3:]), [b], split)
    as_of = d0 + 4 * DAY + 5
    rows = _rows(book.finish(as_of=as_of).wallet_metrics)
    # E per day (USDC), tokens a0 | b0 | b1 (b never traded before day 3: worth 0 until then):
    #   day 0:  -40 + 100 * 0.40 = 0
    #   day 1:  -40 + 100 * 0.55 = 15 | -5 + 10 * 0 = -5 | -5          E = 5
    #   day 2:  -10 + 50 * 0.60 = 20  | -5 | -5                        E = 10
    #   day 3:  -10 + 50 * 1 (resolved) = 40 | +5, held -10 -> 0: 5 | -5  E = 40
    #   day 4:  40                                                     E = 40
    # r = 0, 5, 5, 30, 0: mean 8, sd² = (64 + 9 + 9 + 484 + 64) / 4, sharpe = 0.6374553;
    # no day lost; never fell. Cash: -40, -50, -20, -10, -10: K = 50.
    life = rows[(w, "lifetime", "all")]
    assert life["sharpe_daily"] == pytest.approx(0.6374553, abs=1e-7)
    assert life["sortino_daily"] is None
    assert life["max_drawdown"] == 0.0 and life["max_drawdown_pct"] == 0.0
    # crypto alone, from day 1: E = -10, -10, 0, 0; r = -10, 0, 10, 0: mean 0;
    # drawdown 10 from the peak 0 before the curve, all of K = 10: 100%
    crypto = rows[(w, "lifetime", "crypto")]
    assert crypto["sharpe_daily"] == 0.0 and crypto["sortino_daily"] == 0.0
    assert crypto["max_drawdown"] == pytest.approx(10.0)
    assert crypto["max_drawdown_pct"] == pytest.approx(1.0)
    # politics (a0 alone): E = 0, 15, 20, 40, 40; r = 0, 15, 5, 20, 0: mean 8,
    # sd² = (64 + 49 + 9 + 144 + 64) / 4 = 82.5, sharpe = 8 / sqrt(82.5) = 0.8807710
    politics = rows[(w, "lifetime", "politics")]
    assert politics["sharpe_daily"] == pytest.approx(0.8807710, abs=1e-7)
    assert politics["max_drawdown_pct"] == 0.0
    # roles: w's fills name the exchange (taking) but its b0 sell names x (passive)
    assert life["passive_share"] == pytest.approx(1 / 3)
    assert crypto["passive_share"] == 1.0


# -- conversions' cash on the curve (rule 30) ----------------------------------------------

def test_conversion_legs_cash():
    event = "0xev"
    qs = [MarketInfo(f"c{i}", (f"y{i}", f"n{i}"), event, "politics", question=i)
          for i in range(3)]
    tokens = token_index(qs)
    part = Activity("0xw", "CONVERSION", 5, "0xc_0", event, 100, index_set=0b011,
                    question_count=3)
    whole = Activity("0xw", "CONVERSION", 6, "0xc_1", event, 90, index_set=0b111,
                     question_count=3)
    flows = curve_flows([], [part, whole], tokens)
    # k = 2 < q = 3: each NO leg gets half the n * (k - 1) = 100 USDC; the YES leg pays 0
    assert flows[:3] == [("0xw", "n0", 5, -100, 50.0), ("0xw", "n1", 5, -100, 50.0),
                         ("0xw", "y2", 5, 100, 0.0)]
    # a whole set: n * (k - 1) / k each
    assert flows[3:] == [("0xw", f"n{i}", 6, -90, 60.0) for i in range(3)]


# -- §4.8 behaviour flags at and just beyond their boundaries ------------------------------

def _behaviour(ts, role=None, buy=None, price=None, bet=None, outcome=None):
    n = len(ts)
    out = behaviour_by_group(
        np.zeros(n, np.int64), 1, np.array(ts, np.int64),
        np.array(role if role is not None else [ROLE_TAKING] * n, np.int8),
        np.array(buy if buy is not None else [False] * n, bool),
        np.array(price if price is not None else [0.5] * n, float),
        np.array(bet if bet is not None else [0] * n, np.int64), np.zeros(n, np.int64),
        np.array(outcome if outcome is not None else [0] * n, np.int64), CFG)
    return {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in out.items()}


def _every(n, gap=1000, start=DAY * 1000):
    return [start + i * gap for i in range(n)]


def test_role_of_the_taker():
    assert role_of("") == ROLE_UNKNOWN
    assert role_of(EXCHANGES["v2_neg_risk"]) == ROLE_TAKING
    assert role_of(EXCHANGES["v1_standard"].upper()) == ROLE_TAKING
    assert role_of("0x" + "ab" * 20) == ROLE_PASSIVE


@pytest.mark.parametrize(("roles", "share", "maker"), [
    ([ROLE_PASSIVE] * 4 + [ROLE_TAKING] * 6, 0.4, True),     # at 0.40
    ([ROLE_PASSIVE] * 3 + [ROLE_TAKING] * 7, 0.3, False),    # below
    # unknown roles are left out: 2 of 5 known
    ([ROLE_PASSIVE] * 2 + [ROLE_TAKING] * 3 + [ROLE_UNKNOWN] * 5, 0.4, True),
    ([ROLE_UNKNOWN] * 10, None, False),
    ([ROLE_PASSIVE] * 9, 1.0, False),                         # 9 fills: too few for a flag
])
def test_passive_share_and_the_market_maker_flag(roles, share, maker):
    out = _behaviour(_every(len(roles)), role=roles)
    assert (_null(out["passive_share"]) if share is None
            else out["passive_share"] == pytest.approx(share))
    assert out["market_maker"] is maker


@pytest.mark.parametrize(("both", "share", "maker"), [
    (3, 0.3, True), (2, 0.2, False)])
def test_both_sides_share_and_the_market_maker_flag(both, share, maker):
    # 10 bets with one BUY of outcome 0 each; `both` of them also BUY outcome 1 the same day
    ts = _every(10, gap=60)
    bet, outcome = list(range(10)), [0] * 10
    ts += [t + 30 for t in ts[:both]]
    bet += list(range(both))
    outcome += [1] * both
    n = len(ts)
    out = _behaviour(ts, buy=[True] * n, bet=bet, outcome=outcome)
    assert out["both_sides_share"] == pytest.approx(share)
    assert out["market_maker"] is maker


def test_both_sides_needs_buys_on_the_same_day():
    d = DAY * 1000
    # bet 0: outcome 1 bought the next day; bet 1: outcome 1 sold, not bought
    ts = [d, d + DAY, d + 10, d + 20, *_every(8, start=d + 100)]
    buy = [True, True, True, False] + [True] * 8
    out = _behaviour(ts, buy=buy, bet=[0, 0, 1, 1] + [2] * 8, outcome=[0, 1, 0, 1] + [0] * 8)
    assert out["both_sides_share"] == 0.0
    assert _null(_behaviour(_every(3))["both_sides_share"])  # no buy at all


@pytest.mark.parametrize(("gaps", "median", "fast"), [
    ([60] * 9, 60.0, False),                 # at 60: not below it
    ([59] * 9, 59.0, True),
    ([50] * 5 + [70] * 5, 60.0, False),      # even count: (50 + 70) / 2
    ([50] * 5 + [69] * 5, 59.5, True),
    ([0] * 9, 0.0, True),                    # fills at one second
    ([1] * 8, 1.0, False),                   # 9 fills: too few
])
def test_median_gap_and_the_high_frequency_flag(gaps, median, fast):
    ts = list(np.cumsum([DAY * 1000, *gaps]))
    out = _behaviour(ts)
    assert out["median_gap_s"] == median
    assert out["high_frequency"] is fast


def test_median_gap_needs_two_fills():
    assert _null(_behaviour([DAY])["median_gap_s"])


@pytest.mark.parametrize(("prices", "sells", "median", "favourite"), [
    ([0.90] * 10, 0, 0.90, True),            # at 0.90
    ([0.8999] * 10, 0, 0.8999, False),       # just below
    ([0.80] * 5 + [0.95] * 5, 0, 0.875, False),
    ([0.95] * 9, 1, 0.95, False),            # 10 fills but 9 buys: too few
])
def test_median_entry_and_the_favourite_buyer_flag(prices, sells, median, favourite):
    n = len(prices) + sells
    out = _behaviour(_every(n), buy=[True] * len(prices) + [False] * sells,
                     price=prices + [0.10] * sells)
    assert out["median_entry"] == pytest.approx(median)
    assert out["favourite_buyer"] is favourite
    assert _null(_behaviour(_every(3))["median_entry"])  # no buy
