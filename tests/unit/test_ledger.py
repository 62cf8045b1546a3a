"""Hand-computed examples of the ledger's position and bet rules (docs/metrics.md §2-§3)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polyrank.sim.world.ledger import (
    Activity,
    LedgerConfig,
    MarketInfo,
    Position,
    compute_bets,
    compute_positions,
    decode_fill,
    decode_fills,
    fee_value_usdc,
    latest_prices,
    token_index,
)

M = 1_000_000
CFG = LedgerConfig()


def trade(wallet, token, side, shares, usdc, *, fee=0.0, version=1, ts=0, fid="a"):
    """A fill row as the exchange emits it, decoded (amounts in shares / USDC)."""
    q, u, f = round(shares * M), round(usdc * M), round(fee * M)
    if side == "BUY":
        return decode_fill(wallet, "0", token, u, q, f, version, ts, fid)
    return decode_fill(wallet, token, "0", q, u, f, version, ts, fid)


def market(cond="c1", payouts=None, resolved_ts=None, bet_key=None, tokens=None):
    return MarketInfo(condition_id=cond, token_ids=tokens or (f"{cond}-yes", f"{cond}-no"),
                      bet_key=bet_key or cond, category="politics", payouts=payouts,
                      resolved_ts=resolved_ts)


def positions(trades, *markets):
    return {(p.wallet, p.token_id): p
            for p in compute_positions(trades, token_index(markets), CFG)}


def test_decoding_buy_and_sell_rows_from_the_makers_view():
    buy = decode_fill("0xw", "0", "123", 40 * M, 100 * M, 0, 1, 5, "t_o")
    assert (buy.wallet, buy.token_id, buy.is_buy, buy.shares, buy.usdc) == ("0xw", "123", True,
                                                                         100 * M, 40 * M)
    sell = decode_fill("0xw", "123", "0", 100 * M, 40 * M, 0, 1, 5, "t_o")
    assert (sell.token_id, sell.is_buy, sell.shares, sell.usdc) == ("123", False, 100 * M, 40 * M)


def test_average_cost_with_partial_sell():
    p = Position()
    p.buy(100 * M, 40 * M)  # 100 @ 0.40
    p.buy(100 * M, 60 * M)  # 100 @ 0.60 -> avg 0.50
    assert p.avg_price == pytest.approx(0.50)
    p.sell(50 * M, 35 * M)  # 50 @ 0.70: +0.20 each
    assert p.realized == pytest.approx(10.0)
    assert p.amount == 150 * M
    assert p.avg_price == pytest.approx(0.50)  # sells leave the average unchanged
    assert p.cost == 100 * M and p.bought == 200 * M and p.unmatched_sell == 0


def test_sell_beyond_inventory_is_clamped_and_counted():
    p = Position()
    p.buy(100 * M, 50 * M)
    p.sell(150 * M, 90 * M)  # 0.60 a share, only 100 held
    assert p.realized == pytest.approx(100 * (0.60 - 0.50))
    assert p.amount == 0
    assert p.unmatched_sell == 50 * M


def test_v1_fees_buy_in_shares_sell_in_usdc():
    buy = trade("w", "Y", "BUY", 100, 50, fee=2)  # receives 98 shares for $50
    sell = trade("w", "Y", "SELL", 98, 58.8, fee=0.8, ts=1)  # receives $58.0
    assert (buy.received, buy.cash, buy.fee_shares, buy.fee_usdc) == (98 * M, 50 * M, 2 * M, 0)
    assert (sell.cash, sell.fee_usdc) == (58 * M, 800_000)
    p = Position()
    p.apply(buy)
    assert p.avg_price == pytest.approx(50 / 98)
    assert p.cost == 50 * M
    p.apply(sell)
    assert p.realized == pytest.approx(58.0 - 50.0)
    assert p.amount == 0


def test_v2_fees_are_usdc_on_top_of_buys_and_out_of_sell_proceeds():
    buy = trade("w", "Y", "BUY", 100, 50, fee=0.5, version=2)
    sell = trade("w", "Y", "SELL", 100, 60, fee=0.6, version=2, ts=1)
    assert (buy.received, buy.cash, buy.fee_usdc, buy.fee_shares) == (100 * M, 50_500_000,
                                                                      500_000, 0)
    p = Position()
    p.apply(buy)
    assert p.avg_price == pytest.approx(0.505)
    assert p.cost == 50_500_000  # V2 buy fees enter the cost
    p.apply(sell)
    assert p.realized == pytest.approx(100 * (0.594 - 0.505))


@pytest.mark.parametrize(("payout", "realized"), [(1.0, 60.0), (0.0, -40.0), (0.5, 10.0)])
def test_resolution_closes_at_the_payout(payout, realized):
    p = Position()
    p.buy(100 * M, 40 * M)
    p.resolve(payout)
    assert p.realized == pytest.approx(realized)
    assert p.amount == 0


def test_redeem_after_resolution_is_a_no_op():
    p = Position()
    p.buy(100 * M, 40 * M)
    p.resolve(1.0)
    p.redeem(100 * M, 1.0)
    assert p.realized == pytest.approx(60.0)
    assert p.unmatched_sell == 0


def test_loser_never_redeemed_is_realized_at_zero_and_closed_at_resolution():
    m = market(payouts=(1.0, 0.0), resolved_ts=1000)
    pos = positions([trade("w", "c1-no", "BUY", 100, 40, ts=10)], m)[("w", "c1-no")]
    assert pos.realized == pytest.approx(-40.0)
    assert pos.amount == 0 and not pos.is_open
    assert pos.closed_ts == 1000
    assert pos.unrealized == 0


def test_exited_position_closes_at_its_last_fill_even_in_a_resolved_market():
    m = market(payouts=(1.0, 0.0), resolved_ts=1000)
    pos = positions([trade("w", "c1-yes", "BUY", 100, 40, ts=10),
                     trade("w", "c1-yes", "SELL", 100, 50, ts=20)], m)[("w", "c1-yes")]
    assert pos.closed_ts == 20
    assert pos.realized == pytest.approx(10.0)


@pytest.mark.parametrize(("left", "is_open"), [(0.005, False), (0.02, True)])
def test_dust_remnant_is_not_an_open_position(left, is_open):
    m = market()  # unresolved
    pos = positions([trade("w", "c1-yes", "BUY", 100, 40, ts=10),
                     trade("w", "c1-yes", "SELL", 100 - left, 50, ts=20)], m)[("w", "c1-yes")]
    assert pos.is_open is is_open
    assert pos.closed_ts == (None if is_open else 20)
    assert pos.amount == pytest.approx(left)


def test_unrealized_of_an_open_position_uses_the_latest_trade_of_the_token():
    m = market()
    trades = [trade("w", "c1-yes", "BUY", 100, 40, ts=10, fid="0xa"),
              trade("x", "c1-yes", "BUY", 10, 5.5, ts=20, fid="0xb"),  # latest: 0.55
              trade("y", "c1-yes", "SELL", 10, 5.0, ts=20, fid="0xa")]  # same second, smaller id
    assert latest_prices(trades)["c1-yes"] == pytest.approx(0.55)
    pos = positions(trades, m)[("w", "c1-yes")]
    assert pos.is_open and pos.mark == pytest.approx(0.55)
    assert pos.unrealized == pytest.approx(100 * (0.55 - 0.40))


def test_fills_of_one_second_apply_in_fill_id_order():
    m = market()
    buy_first = [trade("w", "c1-yes", "SELL", 10, 6, ts=5, fid="0xb"),
                 trade("w", "c1-yes", "BUY", 10, 4, ts=5, fid="0xa")]
    sell_first = [buy_first[0]._replace(fill_id="0xa"), buy_first[1]._replace(fill_id="0xb")]
    assert positions(buy_first, m)[("w", "c1-yes")].unmatched_sell == 0
    assert positions(sell_first, m)[("w", "c1-yes")].unmatched_sell == 10


def test_neg_risk_markets_of_one_event_form_one_bet():
    a = market("c1", payouts=(0.0, 1.0), resolved_ts=100, bet_key="nr")
    b = market("c2", payouts=(1.0, 0.0), resolved_ts=200, bet_key="nr")
    trades = [trade("w", "c1-yes", "BUY", 100, 30, ts=1),
              trade("w", "c2-yes", "BUY", 100, 50, ts=2)]
    bets = compute_bets(compute_positions(trades, token_index([a, b]), CFG))
    assert len(bets) == 1
    bet = bets[0]
    assert (bet.bet_key, bet.positions, bet.closed, bet.closed_ts) == ("nr", 2, True, 200)
    assert bet.pnl == pytest.approx(-30 + 50)
    assert bet.cost == pytest.approx(80)


def test_bet_stays_open_while_any_position_is_open():
    a = market("c1", payouts=(0.0, 1.0), resolved_ts=100, bet_key="nr")
    b = market("c2", bet_key="nr")  # unresolved
    trades = [trade("w", "c1-yes", "BUY", 100, 30, ts=1),
              trade("w", "c2-yes", "BUY", 100, 50, ts=2)]
    (bet,) = compute_bets(compute_positions(trades, token_index([a, b]), CFG))
    assert not bet.closed and bet.closed_ts is None
    assert bet.pnl == pytest.approx(-30)  # realized so far


def test_decode_fills_reads_columns_and_fees_are_valued_at_payout():
    cols = {"maker": ["w", "w"], "maker_asset_id": ["0", "0"], "taker_asset_id": ["T1", "T2"],
            "maker_amount_filled": [50 * M, 10 * M], "taker_amount_filled": [100 * M, 20 * M],
            "fee": [2 * M, 100_000], "version": [1, 2], "timestamp": [1, 2], "id": ["a", "b"]}
    trades = decode_fills(cols)
    resolved = market("c1", payouts=(1.0, 0.0), resolved_ts=10, tokens=("T1", "X"))
    still_open = market("c2", tokens=("T2", "Y"))
    value = fee_value_usdc(trades, token_index([resolved, still_open]), latest_prices(trades))
    assert value == pytest.approx((2.0, 0.1))  # 2 shares worth $1 each; $0.1 in USDC


@given(ops=st.lists(st.tuples(st.booleans(), st.integers(1, 10**9), st.integers(0, 10**9)),
                    max_size=40),
       payout=st.sampled_from([0.0, 0.5, 1.0]))
def test_realized_pnl_of_a_closed_out_position_is_its_cash_flow(ops, payout):
    p = Position()
    cash = 0
    for is_buy, shares, usdc in ops:
        if is_buy:
            p.buy(shares, usdc)
            cash -= usdc
        elif min(shares, p.amount) > 0:
            sold = min(shares, p.amount)  # complete history: never more than held
            p.sell(sold, usdc)
            cash += usdc
    value = p.amount * payout
    p.resolve(payout)
    assert p.unmatched_sell == 0 and p.amount == 0
    assert p.realized == pytest.approx((cash + value) / M, rel=1e-9, abs=1e-6)


def test_ledger_polymarket_convention_beside_ours():
    """The ledger's own reckoning of docs/metrics.md §4.5: a V1 buy of 100 at 0.40 with a
    2-share fee that wins — redeemed: Polymarket 60, ours 58, fee effect -2; not redeemed:
    Polymarket 0, unredeemed +60."""
    from polyrank.sim.world.ledger import LedgerConfig, MarketInfo, compute_positions, decode_fill

    market = MarketInfo(condition_id="0xc", token_ids=("1", "2"), bet_key="0xc",
                        category="politics", payouts=(1.0, 0.0), resolved_ts=50)
    buy = decode_fill("0xw", "0", "1", 40_000_000, 100_000_000, 2_000_000, 1, 10, "f1")
    tokens = {"1": (market, 0), "2": (market, 1)}
    redeem = Activity("0xw", "REDEEM", 60, "0xr_0", "0xc", 98_000_000)
    for redeemed, pm, unredeemed in (((redeem,), 60.0, 0.0), ((), 0.0, 60.0)):
        (row,) = compute_positions([buy], tokens, LedgerConfig(), redeemed)
        assert row.realized == pytest.approx(58)
        assert row.pnl_polymarket == pytest.approx(pm)
        assert row.pnl_fee_effect == pytest.approx(-2)
        assert row.pnl_unredeemed == pytest.approx(unredeemed)


# ---------------------------------------------------------------- activities (rule 7)

def _binary(cond="0xc", payouts=None, resolved_ts=None):
    """token -> (market, outcome) of one binary market (tokens '<cond>y', '<cond>n')."""
    market = MarketInfo(condition_id=cond, token_ids=(cond + "y", cond + "n"), bet_key=cond,
                        category="politics", payouts=payouts, resolved_ts=resolved_ts)
    return {market.token_ids[0]: (market, 0), market.token_ids[1]: (market, 1)}


def _positions(fills, tokens, activities):
    return {p.token_id: p for p in compute_positions(fills, tokens, LedgerConfig(), activities)}


def test_ledger_split_then_sell_one_side_and_the_other_wins():
    """Split 100 (cash -100), sell the 100 YES at 0.60 (+60), NO wins (+100): +60 in all,
    split between the YES position (60 - 50 = +10) and the NO one (100 - 50 = +50); the
    sell is covered by the split, so nothing is unmatched."""
    tokens = _binary(payouts=(0.0, 1.0), resolved_ts=100)
    split = Activity("0xw", "SPLIT", 10, "0xs_0", "0xc", 100 * M)
    sell = decode_fill("0xw", "0xcy", "0", 100 * M, 60 * M, 0, 1, 11, "0xf_0xf")
    got = _positions([sell], tokens, [split])
    yes, no = got["0xcy"], got["0xcn"]
    assert (yes.realized, no.realized) == pytest.approx((10, 50))
    assert yes.unmatched_sell == no.unmatched_sell == 0
    assert (yes.cost, no.cost, yes.fills, no.fills) == (50, 50, 1, 0)
    assert (yes.closed_ts, no.closed_ts) == (11, 100)  # NO exited only at the resolution
    assert no.mark is None and no.unrealized == 0  # never traded: no mark


def test_ledger_merge_returns_pairs_at_half_each():
    """Buy 100 YES at 0.40 and 100 NO at 0.55, merge the 100 pairs: YES +10, NO -5."""
    tokens = _binary()
    fills = [decode_fill("0xw", "0", "0xcy", 40 * M, 100 * M, 0, 1, 10, "0x1_0x1"),
             decode_fill("0xw", "0", "0xcn", 55 * M, 100 * M, 0, 1, 11, "0x2_0x2")]
    got = _positions(fills, tokens, [Activity("0xw", "MERGE", 12, "0x3_0", "0xc", 100 * M)])
    assert (got["0xcy"].realized, got["0xcn"].realized) == pytest.approx((10, -5))
    assert got["0xcy"].amount == got["0xcn"].amount == 0
    assert got["0xcy"].closed_ts == got["0xcn"].closed_ts == 12


def _neg_risk(q, payouts_of=None):
    """A neg-risk market of q questions (question i: tokens 'q<i>y', 'q<i>n')."""
    tokens = {}
    for i in range(q):
        payouts = None if payouts_of is None else payouts_of(i)
        m = MarketInfo(condition_id=f"0xc{i}", token_ids=(f"q{i}y", f"q{i}n"), bet_key="0xnr",
                       category="politics", payouts=payouts,
                       resolved_ts=None if payouts is None else 500, question=i)
        tokens[m.token_ids[0]] = (m, 0)
        tokens[m.token_ids[1]] = (m, 1)
    return tokens


@pytest.mark.parametrize(("no_price", "k", "q", "yes_price"), [
    # the official computeNegRiskYesPrice vectors (tests/fixtures/vectors)
    (0.75, 3, 5, 0.125), (0.73, 1, 6, 0.146), (0.75, 3, 4, 0.25)])
def test_ledger_conversion_books_yes_at_the_implied_price(no_price, k, q, yes_price):
    """Buy 100 NO of each of the first k questions at no_price, convert 100 of them: the NO
    positions sell at their own average (no P&L, nothing left), each other question's YES
    is bought at (no_price * k - (k - 1)) / (q - k)."""
    tokens = _neg_risk(q)
    fills = [decode_fill("0xw", "0", f"q{i}n", round(no_price * 100 * M), 100 * M, 0, 1,
                         10 + i, f"0x{i}_0x{i}") for i in range(k)]
    conv = Activity("0xw", "CONVERSION", 50, "0xv_0", "0xnr", 100 * M,
                    index_set=(1 << k) - 1, question_count=q)
    got = _positions(fills, tokens, [conv])
    for i in range(k):
        assert (got[f"q{i}n"].amount, got[f"q{i}n"].realized) == (0, 0)
        assert got[f"q{i}n"].closed_ts == 50
    for j in range(k, q):
        assert got[f"q{j}y"].avg_price == pytest.approx(yes_price, abs=1e-12)
        assert got[f"q{j}y"].cost == pytest.approx(100 * yes_price)
        assert got[f"q{j}y"].amount == 100 and got[f"q{j}y"].fills == 0
    assert len(got) == q  # k NO positions + (q - k) YES positions


def test_ledger_four_question_conversion_then_the_yes_wins():
    """4 questions; NO of 0..2 bought at 0.75 (100 each, $225); converted: +$200 USDC and
    100 YES of question 3 at 0.25; question 3 wins: +75 on the YES. In all -225 + 200 + 100
    = +75, all of it on question 3's YES."""
    tokens = _neg_risk(4, lambda i: (1.0, 0.0) if i == 3 else (0.0, 1.0))
    fills = [decode_fill("0xw", "0", f"q{i}n", 75 * M, 100 * M, 0, 1, 10 + i, f"0x{i}_0x{i}")
             for i in range(3)]
    conv = Activity("0xw", "CONVERSION", 50, "0xv_0", "0xnr", 100 * M, 0b0111, 4)
    got = _positions(fills, tokens, [conv])
    assert sum(p.realized for p in got.values()) == pytest.approx(75)
    assert got["q3y"].realized == pytest.approx(75) and got["q3y"].closed_ts == 500


def test_ledger_conversion_of_a_no_never_held_counts_it_at_zero():
    """NO of question 0 held at 0.80, question 1's never held: no_price = (0.80 + 0) / 2,
    yes price of question 2 = (0.40 * 2 - 1) / 1 = -0.20 (not clamped); question 1's NO
    position exists with 100 unmatched."""
    tokens = _neg_risk(3)
    fills = [decode_fill("0xw", "0", "q0n", 80 * M, 100 * M, 0, 1, 10, "0x1_0x1")]
    conv = Activity("0xw", "CONVERSION", 50, "0xv_0", "0xnr", 100 * M, 0b011, 3)
    got = _positions(fills, tokens, [conv])
    assert got["q1n"].unmatched_sell == 100 and got["q0n"].unmatched_sell == 0
    assert got["q2y"].avg_price == pytest.approx(-0.2)


def test_ledger_polymarket_books_a_loser_once_redeemed():
    """Buy 50 at 0.30, the side loses: ours -15 at the resolution either way; Polymarket's
    -15 only with the (worthless) redemption, else 0 and -15 unredeemed."""
    tokens = _binary(payouts=(0.0, 1.0), resolved_ts=100)
    buy = decode_fill("0xw", "0", "0xcy", 15 * M, 50 * M, 0, 1, 10, "0x1_0x1")
    redeem = Activity("0xw", "REDEEM", 200, "0xr_0", "0xc", 50 * M)
    for acts, pm, unredeemed in (([redeem], -15, 0), ([], 0, -15)):
        (row,) = compute_positions([buy], tokens, LedgerConfig(), acts)
        assert row.realized == pytest.approx(-15)
        assert (row.pnl_polymarket, row.pnl_unredeemed) == pytest.approx((pm, unredeemed))


def test_ledger_whole_set_conversion_realizes_the_usdc_it_returns():
    """All 3 NO of a 3-question market, bought at 0.60 (100 each, $180), converted: $200
    back and nothing else. Ours: each NO sells 100 for 200/3, +20 in all; Polymarket's
    convention books no P&L (sold at the average)."""
    tokens = _neg_risk(3)
    fills = [decode_fill("0xw", "0", f"q{i}n", 60 * M, 100 * M, 0, 1, 10 + i, f"0x{i}_0x{i}")
             for i in range(3)]
    conv = Activity("0xw", "CONVERSION", 50, "0xv_0", "0xnr", 100 * M, 0b111, 3)
    got = _positions(fills, tokens, [conv])
    assert sorted(got) == ["q0n", "q1n", "q2n"]
    assert sum(p.realized for p in got.values()) == pytest.approx(20)
    assert sum(p.pnl_polymarket for p in got.values()) == pytest.approx(0)
