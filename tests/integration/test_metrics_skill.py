"""Skill, risk and behaviour (docs/metrics.md §4.6-§4.8), one hand-computed case each, run
through the real SQL (enrich + metrics in chDB). Amounts are whole shares / USDC; expected
values are worked out in the comments."""

from __future__ import annotations

import math

import pytest

from tests.metrics_support import DAY, T0, Book, current

A, B, C, D = ("0x" + h * 20 for h in ("a1", "b2", "c3", "d4"))
OTHER = "0x" + "ee" * 20


def metrics(store, wallet=A, window="lifetime", category="all") -> dict:
    rows = current(store, "wallet_metrics",
                   "wallet = {w:String} AND window = {x:String} AND category = {c:String}",
                   {"w": wallet, "x": window, "c": category})
    assert len(rows) == 1, rows
    return rows[0]


def test_edge_and_its_error_clustered_by_event(store):
    book = Book()
    m1 = book.market("e1-a", payout=(1, 0), resolved=T0 + DAY, event="ev1")
    m2 = book.market("e1-b", payout=(0, 1), resolved=T0 + DAY, event="ev1")
    m3 = book.market("e2", payout=(1, 0), resolved=T0 + DAY, event="ev2")
    m4 = book.market("e3", event="ev3")
    book.trade(A, m1, "BUY", 100, 40, ts=T0)   # wins: P = 60, Q = 100, x = +0.60
    book.trade(A, m2, "BUY", 100, 50, ts=T0)   # loses: P = -50, Q = 100, x = -0.50
    book.trade(A, m3, "BUY", 50, 10, ts=T0)    # wins: P = 40, Q = 50, x = +0.80
    book.trade(A, m4, "SELL", 10, 5, ts=T0)    # nothing held: closed, Q = 0, no x
    book.load(store)
    bets = {b["bet_key"]: b for b in current(store, "bets")}
    assert bets[m1.condition_id]["shares_bought"] == pytest.approx(100)
    assert bets[m1.condition_id]["event_id"] == "ev1" == bets[m2.condition_id]["event_id"]
    assert bets[m4.condition_id]["shares_bought"] == 0
    m = metrics(store)
    # edge = (0.6 - 0.5 + 0.8) / 3 = 0.3; residuals summed per event: ev1 0.3 - 0.8 = -0.5,
    # ev2 0.5; se = sqrt(2/1 * (0.25 + 0.25)) / 3 = 1/3 (as three separate events it would be
    # sqrt(3/2 * (0.09 + 0.64 + 0.25)) / 3 = 0.404); the prices' own variance, 0.4 * 0.6 +
    # 0.5 * 0.5 + 0.2 * 0.8 = 0.65, is below the robust 1.0
    assert m["edge"] == pytest.approx(0.3)
    assert m["edge_se"] == pytest.approx(1 / 3)
    assert m["skill_z"] == pytest.approx(0.9)
    assert m["edge_lb"] == pytest.approx(0.3 - 1.645 / 3)
    assert m["skill_p"] == pytest.approx(0.5 * math.erfc(0.9 / math.sqrt(2)))  # 0.184
    assert not m["skilled"]  # not ranked (4 bets)


def test_one_event_gives_no_error_and_no_bets_no_edge(store):
    book = Book()
    m1 = book.market("one-a", payout=(1, 0), resolved=T0 + DAY, event="ev")
    m2 = book.market("one-b", payout=(1, 0), resolved=T0 + DAY, event="ev")
    open_market = book.market("open")
    book.trade(A, m1, "BUY", 100, 40, ts=T0)
    book.trade(A, m2, "BUY", 100, 60, ts=T0)
    book.trade(B, open_market, "BUY", 100, 60, ts=T0)  # an open bet only
    book.load(store)
    a = metrics(store)
    assert a["edge"] == pytest.approx(0.5)  # (0.6 + 0.4) / 2, but G = 1
    assert a["edge_se"] is None and a["skill_z"] is None and a["edge_lb"] is None
    assert a["skill_p"] is None
    b = metrics(store, B)
    assert b["edge"] is None and b["edge_se"] is None


def _record(book: Book, wallet: str, wins: int, losses: int) -> None:
    """wins + losses bets, one per event, each 100 shares bought at 0.50 a day apart."""
    for i in range(wins + losses):
        win = i < wins
        m = book.market(f"{wallet[2:6]}-{i}", payout=(1, 0) if win else (0, 1),
                        resolved=T0 + 30 * DAY)
        book.trade(wallet, m, "BUY", 100, 50, ts=T0 + i * DAY)


def test_the_skilled_badge_is_benjamini_hochberg_over_the_ranked_wallets(store):
    book = Book()
    # x = +0.5 per win, -0.5 per loss, 20 bets of $50 over 20 days: all three are ranked.
    # edge 0.3; robust 20/19 * 3.2 = 3.37 < 20 * 0.25 = 5 from the prices: se sqrt(5) / 20,
    # z 2.68, p 0.0036
    _record(book, A, 16, 4)
    _record(book, B, 12, 8)   # edge 0.1, se sqrt(20/19 * 4.8) / 20 = 0.1124, z 0.89, p 0.187
    _record(book, C, 10, 10)  # edge 0, z 0, p 0.5
    _record(book, D, 5, 0)    # all won but 5 bets: unranked, never badged, not among the m
    book.load(store)
    rows = {w: metrics(store, w) for w in (A, B, C, D)}
    assert [rows[w]["eligibility"] for w in (A, B, C)] == ["ranked"] * 3
    assert rows[A]["skill_z"] == pytest.approx(0.3 / (math.sqrt(5) / 20))
    assert rows[B]["skill_p"] == pytest.approx(
        0.5 * math.erfc(0.1 / (math.sqrt(20 / 19 * 4.8) / 20) / math.sqrt(2)))
    # m = 3: 0.0036 <= 1 * 0.05 / 3, then 0.187 > 2 * 0.05 / 3 and 0.5 > 0.05: k = 1
    assert [bool(rows[w]["skilled"]) for w in (A, B, C, D)] == [True, False, False, False]
    # D's x are all +0.5: no variation, but the prices' error sqrt(5 * 0.25) / 5 gives z 2.24,
    # p 0.013 (below 0.05 / 3): not badged all the same, being unranked
    assert rows[D]["eligibility"] == "unranked"
    assert rows[D]["skill_z"] == pytest.approx(0.5 / (math.sqrt(1.25) / 5))


def test_risk_figures_of_a_known_curve(store):
    book = Book()
    m = book.market("risk", payout=(1, 0), resolved=T0 + 4 * DAY)
    book.trade(A, m, "BUY", 100, 50, ts=T0)                 # day 0: -50 + 100 * 0.50 = 0
    book.trade(B, m, "BUY", 10, 7, ts=T0 + DAY)             # day 1: price 0.70, E = 20
    book.trade(B, m, "SELL", 10, 4, ts=T0 + 2 * DAY)        # day 2: 0.40, E = -10
    book.trade(B, m, "BUY", 10, 6, ts=T0 + 3 * DAY)         # day 3: 0.60, E = 10
    book.load(store)                                         # day 4: resolves at 1, E = 50
    a = metrics(store)
    # r = 0, 20, -30, 20, 40: mean 10, Σ (r - mean)² = 2800, sd = sqrt(2800 / 4)
    assert a["sharpe_daily"] == pytest.approx(10 / math.sqrt(700))
    assert a["sortino_daily"] == pytest.approx(10 / math.sqrt(900 / 5))
    assert a["max_drawdown"] == pytest.approx(30)            # 20 -> -10
    # capital K = 50 (the most cash out): V = 50, 70, 40, 60, 100; 70 -> 40
    assert a["max_drawdown_pct"] == pytest.approx(30 / 70)
    assert metrics(store, window="30d")["sharpe_daily"] == pytest.approx(10 / math.sqrt(700))


def test_a_record_without_a_loss_is_not_skill_by_itself(store):
    book = Book()
    for i in range(30):  # 30 favourites bought at 0.98 over 30 days, every one won
        m = book.market(f"fav-{i}", payout=(1, 0), resolved=T0 + 40 * DAY)
        book.trade(A, m, "BUY", 100, 98, ts=T0 + i * DAY)
    book.load(store)
    a = metrics(store)
    # x = +0.02 every time: the robust error is 0; the prices' is sqrt(30 * 0.98 * 0.02) / 30
    assert a["edge"] == pytest.approx(0.02)
    assert a["edge_se"] == pytest.approx(math.sqrt(30 * 0.98 * 0.02) / 30)
    assert a["skill_z"] == pytest.approx(0.02 / (math.sqrt(30 * 0.0196) / 30))  # 0.78
    assert a["eligibility"] == "ranked" and not a["skilled"]


def test_a_flat_curve_has_no_ratio(store):
    book = Book()
    m = book.market("flat")
    book.trade(A, m, "BUY", 100, 50, ts=T0)
    book.trade(A, m, "SELL", 100, 50, ts=T0 + DAY)
    book.load(store)
    a = metrics(store)
    assert a["sharpe_daily"] is None and a["sortino_daily"] is None
    assert a["max_drawdown"] == 0 and a["max_drawdown_pct"] == 0


def _fills(book: Book, wallet: str, n: int, gap: int, *, price: float = 0.5,
           passive: int = 0, taker: str | None = None) -> None:
    """n BUY fills of 100 shares in one market, `gap` seconds apart; the first `passive` of
    them rested (matched by OTHER's order)."""
    m = book.market(f"fills-{wallet[2:6]}-{n}-{gap}-{price}-{passive}")
    for i in range(n):
        kw = {"taker": OTHER} if i < passive else ({"taker": taker} if taker is not None else {})
        book.trade(wallet, m, "BUY", 100, 100 * price, ts=T0 + i * gap, **kw)


@pytest.mark.parametrize(("n", "gap", "flagged"), [(10, 59, True), (10, 60, False),
                                                  (9, 1, False)])
def test_high_frequency_boundary(store, n, gap, flagged):
    book = Book()
    _fills(book, A, n, gap)
    book.load(store)
    a = metrics(store)
    assert a["median_gap_s"] == pytest.approx(gap)
    assert bool(a["high_frequency"]) is flagged


@pytest.mark.parametrize(("price", "flagged"), [(0.90, True), (0.89, False)])
def test_favourite_buyer_boundary(store, price, flagged):
    book = Book()
    _fills(book, A, 10, 3600, price=price)
    book.load(store)
    a = metrics(store)
    assert a["median_entry"] == pytest.approx(price)
    assert bool(a["favourite_buyer"]) is flagged


@pytest.mark.parametrize(("passive", "flagged"), [(4, True), (3, False)])
def test_market_maker_by_passive_share_boundary(store, passive, flagged):
    book = Book()
    _fills(book, A, 10, 3600, passive=passive)
    book.load(store)
    a = metrics(store)
    assert a["passive_share"] == pytest.approx(passive / 10)
    assert bool(a["market_maker"]) is flagged


def test_the_data_api_does_not_say_who_rested(store):
    book = Book()
    _fills(book, A, 10, 3600, taker="")
    book.load(store)
    a = metrics(store)
    assert a["passive_share"] is None and not a["market_maker"]


@pytest.mark.parametrize(("same_day", "flagged"), [(3, True), (2, False)])
def test_market_maker_by_both_sides_boundary(store, same_day, flagged):
    """10 bets: 3 in which both outcomes were bought, `same_day` of them on one day (the
    others' second side a day later), 7 with one side: share same_day / 10."""
    book = Book()
    for i in range(10):
        m = book.market(f"both-{i}")
        book.trade(A, m, "BUY", 100, 40, ts=T0 + i * 3600)
        if i < 3:
            later = 0 if i < same_day else DAY
            book.trade(A, m, "BUY", 100, 55, ts=T0 + i * 3600 + 60 + later, outcome=1)
    book.load(store)
    a = metrics(store)
    assert a["both_sides_share"] == pytest.approx(same_day / 10)
    assert a["passive_share"] == 0
    assert bool(a["market_maker"]) is flagged


def test_the_board_keeps_the_skilled_and_hides_flagged_behaviour(store):
    from polyrank.errors import InvalidArgument
    from polyrank.results.boards import leaderboard

    book = Book()
    _record(book, A, 16, 4)
    _record(book, B, 12, 8)
    for i in range(20):  # C: 20 favourites bought at 0.95, 18 won (edge -0.05): a ranked
        # favourite buyer
        m = book.market(f"fav-{i}", payout=(1, 0) if i > 1 else (0, 1), resolved=T0 + 30 * DAY)
        book.trade(C, m, "BUY", 100, 95, ts=T0 + i * DAY)
    book.load(store)
    assert bool(metrics(store, C)["favourite_buyer"])
    board = leaderboard(store, sort="edge_lb")
    assert [r["wallet"] for r in board.rows] == [A, B, C] and board.total == 3
    assert [r["rank"] for r in board.rows] == [1, 2, 3]
    assert [r["wallet"] for r in leaderboard(store, skilled=True).rows] == [A]
    hidden = leaderboard(store, sort="edge_lb", hide=["favourite_buyer", "market_maker"])
    assert [r["wallet"] for r in hidden.rows] == [A, B] and hidden.total == 2
    assert hidden.hide == ("favourite_buyer", "market_maker")
    with pytest.raises(InvalidArgument) as err:
        leaderboard(store, hide=["bots"])
    assert "high_frequency" in str(err.value.valid)


def test_windows_without_a_gap_keep_their_own_figures(store):
    """A window with one fill has no median gap (and one without a buy no median entry):
    the other windows keep theirs (rows per window are built from arrays indexed by window)."""
    book = Book()
    old = book.market("old")
    for i in range(10):  # 200 days before the last fill: in the lifetime window only
        book.trade(A, old, "BUY", 100, 50, ts=T0 + i * 59)
    book.trade(A, book.market("new"), "SELL", 10, 5, ts=T0 + 200 * DAY)
    book.load(store)
    assert metrics(store, window="30d")["median_gap_s"] is None
    assert metrics(store, window="30d")["median_entry"] is None
    assert metrics(store, window="180d")["trades"] == 1
    lifetime = metrics(store)
    assert lifetime["median_gap_s"] == pytest.approx(59)  # nine gaps of 59 s, one of 200 days
    assert lifetime["median_entry"] == pytest.approx(0.5)
