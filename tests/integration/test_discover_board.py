"""The pure pieces behind the discovery sources, without a server: the world's official board
and top holders on a hand-made world computed by hand, the parsers of the Data API's board and
holders answers, and the day logic of the V2 trades sweep."""

from __future__ import annotations

from decimal import Decimal

import pytest

from polyrank.discover.trades import DaySweep, fresh, usdc_micro
from polyrank.errors import UpstreamDataError
from polyrank.sim.world.board import BoardRow, official_boards, top_holders
from polyrank.upstream.activity import parse_activity
from polyrank.upstream.board_records import parse_board_entry, parse_holders

A = "0x" + "a" * 40
B = "0x" + "b" * 40
DAY, HOUR, M = 86400, 3600, 1_000_000
T = 1_780_000_000 - 1_780_000_000 % DAY + 12 * HOUR  # noon
C1, C2 = "0x" + "1" * 64, "0x" + "2" * 64
Y1, N1, Y2, N2 = "11", "12", "21", "22"

EVENTS = [{"id": "1", "category": "politics"}, {"id": "2", "category": "sports"}]
MARKETS = [
    {"event_id": "1", "condition_id": C1, "token_ids": [Y1, N1], "neg_risk": False,
     "neg_risk_market_id": None, "neg_risk_index": None, "payout_numerators": [1, 0],
     "payout_denominator": 1, "closed_ts": T - 5 * DAY},
    {"event_id": "2", "condition_id": C2, "token_ids": [Y2, N2], "neg_risk": False,
     "neg_risk_market_id": None, "neg_risk_index": None, "payout_numerators": None,
     "payout_denominator": None, "closed_ts": None},
]


def columns(rows: list[dict]) -> dict[str, list]:
    return {k: [r[k] for r in rows] for k in rows[0]}


def fill(fid, maker, given, got, given_n, got_n, fee, version, ts):
    return {"id": fid, "maker": maker, "maker_asset_id": given, "taker_asset_id": got,
            "maker_amount_filled": given_n, "taker_amount_filled": got_n, "fee": fee,
            "version": version, "timestamp": ts}


def act(aid, wallet, kind, ts, cond, size, token=""):
    return {"id": aid, "wallet": wallet, "type": kind, "timestamp": ts, "condition_id": cond,
            "size": size, "token_id": token, "usdc_size": 0, "transaction_hash": "0x",
            "index_set": 0, "question_count": 0}


# A buys 100 YES of market 1 (politics) at 0.40 from B (a V1 fill, A pays a 2-share fee); B had
# split 100; market 1 resolves YES five days before T and A redeems its 98 shares two days
# before. Ten hours before T, A sells the YES of 50 it split 20 hours before in market 2
# (sports, open) to B at 0.30 (V2, B pays 0.10 USDC).
FILLS = columns([
    fill("f1", A, "0", Y1, 40 * M, 100 * M, 2 * M, 1, T - 10 * DAY),
    fill("f2", B, Y1, "0", 100 * M, 40 * M, 0, 1, T - 10 * DAY),
    fill("f3", A, Y2, "0", 50 * M, 15 * M, 0, 2, T - 10 * HOUR),
    fill("f4", B, "0", Y2, 15 * M, 50 * M, M // 10, 2, T - 10 * HOUR),
])
ACTIVITY = columns([
    act("a1", B, "SPLIT", T - 12 * DAY, C1, 100 * M),
    act("a2", A, "SPLIT", T - 20 * HOUR, C2, 50 * M),
    act("a3", A, "REDEEM", T - 2 * DAY, C1, 98 * M, Y1),
])


def board(at=T):
    got = official_boards(FILLS, ACTIVITY, MARKETS, EVENTS, at=at)
    return {k: [(r.wallet, r.vol, pytest.approx(r.pnl, abs=1e-9)) for r in rows]
            for k, rows in got.items()}


def test_the_official_board_of_a_hand_made_world():
    """By hand, Polymarket's way (fees ignored, a resolved position counted once redeemed):
    A: market 1 +60 (100 x (1 - 0.40), redeemed), market 2 YES -10 (50 x (0.30 - 0.50)),
    market 2 NO open 0. B: market 1 YES -10 (100 x (0.40 - 0.50)), NO -50 but never redeemed
    so 0, market 2 YES open 0. Volume: each wallet's own rows, gross."""
    b = board()
    assert b[("OVERALL", "ALL", "PNL")] == [(A, 55.0, 50.0), (B, 55.0, -10.0)]
    assert b[("OVERALL", "ALL", "VOL")] == [(A, 55.0, 50.0), (B, 55.0, -10.0)]  # tie: address
    assert b[("POLITICS", "ALL", "PNL")] == [(A, 40.0, 60.0), (B, 40.0, -10.0)]
    assert b[("SPORTS", "ALL", "PNL")] == [(B, 15.0, 0.0), (A, 15.0, -10.0)]
    # the last day: market 2's trades; the week adds A's redemption; B's market 1 is older
    assert b[("OVERALL", "DAY", "PNL")] == [(B, 15.0, 0.0), (A, 15.0, -10.0)]
    assert b[("OVERALL", "WEEK", "PNL")] == [(A, 15.0, 50.0), (B, 15.0, 0.0)]
    assert b[("POLITICS", "WEEK", "PNL")] == [(A, 0.0, 60.0)]
    assert b[("OVERALL", "MONTH", "PNL")] == b[("OVERALL", "ALL", "PNL")]
    assert b[("CRYPTO", "ALL", "PNL")] == [] and b[("WEATHER", "DAY", "VOL")] == []
    assert len(b) == 10 * 4 * 2
    # as of three days before T: resolved but not yet redeemed, market 2 not yet traded
    earlier = board(T - 3 * DAY)
    assert earlier[("OVERALL", "ALL", "PNL")] == [(A, 40.0, 0.0), (B, 40.0, -10.0)]
    assert earlier[("SPORTS", "ALL", "PNL")] == []
    assert isinstance(official_boards(FILLS, ACTIVITY, MARKETS, EVENTS, at=T)[
        ("OVERALL", "ALL", "PNL")][0], BoardRow)


def test_top_holders_of_a_hand_made_world():
    """Balances: A's 98 YES of market 1 (100 less the fee) redeemed, B's NO kept; market 2:
    A's split 50 + 50, its YES sold to B (a V2 buy receives every share)."""
    def holders(at, conditions, **kw):
        return [(tok, [(h.wallet, h.outcome_index, h.amount) for h in rows])
                for tok, rows in top_holders(FILLS, ACTIVITY, MARKETS, at=at,
                                             condition_ids=conditions, **kw)]

    assert holders(T, [C1, C2]) == [(N1, [(B, 1, 100.0)]), (Y2, [(B, 0, 50.0)]),
                                    (N2, [(A, 1, 50.0)])]
    assert holders(T - 15 * HOUR, [C2, C1]) == [(Y2, [(A, 0, 50.0)]), (N2, [(A, 1, 50.0)]),
                                                (N1, [(B, 1, 100.0)])]
    assert holders(T - 3 * DAY, [C1]) == [(Y1, [(A, 0, 98.0)]), (N1, [(B, 1, 100.0)])]
    assert holders(T, [C1, C2], min_balance=60) == [(N1, [(B, 1, 100.0)])]
    assert holders(T, ["0x" + "9" * 64]) == []
    assert holders(T, [C2], limit=0) == []


def test_the_board_and_holders_parsers_are_lenient_but_refuse_bad_rows():
    row = parse_board_entry({"rank": "7", "proxyWallet": A.upper().replace("0X", "0x"),
                             "userName": "x", "vol": Decimal("1.5"), "pnl": -2,
                             "profileImage": "", "extra": [1]})
    assert (row.rank, row.wallet, row.user_name, row.vol, row.pnl) == (7, A, "x",
                                                                      Decimal("1.5"), -2)
    bare = parse_board_entry({"proxyWallet": A, "userName": None})
    assert (bare.rank, bare.user_name, bare.vol, bare.verified) == (None, "", None, False)
    for bad, message in [({"rank": 1}, "missing field `proxyWallet`"),
                         ({"proxyWallet": "0x12"}, "is not an address"),
                         ({"proxyWallet": A, "rank": "first"}, "`rank` is not an integer"),
                         ({"proxyWallet": A, "pnl": "lots"}, "`pnl` is not a number"),
                         ("row", "expected an object")]:
        with pytest.raises(UpstreamDataError, match=message):
            parse_board_entry(bad)
    holders = parse_holders([{"token": "0021", "holders": [
        {"proxyWallet": B, "amount": 3, "outcomeIndex": 1, "name": "", "pseudonym": "Calm-Yak",
         "bio": "", "displayUsernamePublic": True}]}, {"token": "5", "holders": []}])
    assert [(h.token_id, h.wallet, h.amount, h.label) for h in holders] == [
        ("21", B, 3, "Calm-Yak")]
    for bad, message in [({"token": "1"}, "expected a list"),
                         ([{"token": "x", "holders": []}], "not a decimal token id"),
                         ([{"token": "1", "holders": {}}], "must be a list"),
                         ([{"token": "1", "holders": [{"proxyWallet": "nope"}]}],
                          "not an address")]:
        with pytest.raises(UpstreamDataError, match=message):
            parse_holders(bad)


def trade(ts, wallet=A, size="10", price="0.25", tx="0x1"):
    return parse_activity({"proxyWallet": wallet, "timestamp": ts, "size": Decimal(size),
                           "price": Decimal(price), "transactionHash": tx, "asset": "5",
                           "side": "BUY"})


def test_the_trades_sweep_days_whole_partial_and_over():
    d0 = T - T % DAY
    days = [d0 - 2 * DAY, d0 - DAY, d0]
    sweep = DaySweep(days, days[0], d0 + DAY)
    sweep.add([trade(d0 + 100, A), trade(d0 + 50, B), trade(d0 - 10, A)])
    assert sweep.head == d0 + 100 and sweep.whole() == [d0]
    assert not sweep.over(d0) and sweep.over(d0 - DAY) and not sweep.done
    sweep.add([trade(d0 + 5), trade(d0 - DAY - 1)])  # a row newer than read so far: skipped
    assert sweep.whole() == [d0, d0 - DAY] and not sweep.done
    assert {w: s.fills for w, s in sweep.open[d0 - DAY].items()} == {A: 1}
    sweep.add([trade(d0 - 3 * DAY)])
    assert sweep.done and sweep.rows == 4
    assert usdc_micro(trade(1, size="3.333333", price="0.3")) == 1_000_000
    first = [trade(9, tx="0x9"), trade(8, tx="0x8")]
    # two new trades at the top pushed the listing down by two rows
    assert fresh(first, [trade(9, tx="0x9"), trade(8, tx="0x8"), trade(7, tx="0x7")]) == [
        trade(7, tx="0x7")]
    assert fresh(first, [trade(7, tx="0x7")]) == [trade(7, tx="0x7")]
