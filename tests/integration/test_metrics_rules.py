"""One hand-computed case per docs/metrics.md rule, run through the real SQL (enrich + metrics in
chDB). Amounts are whole shares / USDC; expected values are worked out in the comments."""

from __future__ import annotations

import math

import pytest

from tests.metrics_support import DAY, T0, Book, current

A = "0x" + "a1" * 20
B = "0x" + "b2" * 20


def one(rows: list[dict]) -> dict:
    assert len(rows) == 1, rows
    return rows[0]


def position(store, wallet=A, token=None):
    where = "wallet = {w:String}" + (" AND token_id = {t:String}" if token else "")
    return one(current(store, "positions", where, {"w": wallet, "t": token or ""}))


def metrics(store, wallet=A, window="lifetime", category="all"):
    return one(current(store, "wallet_metrics",
                       "wallet = {w:String} AND window = {x:String} AND category = {c:String}",
                       {"w": wallet, "x": window, "c": category}))


def test_average_cost_with_partial_sells_then_resolution(store):
    book = Book()
    m = book.market("avg", payout=(1, 0), resolved=T0 + 10 * DAY)
    book.trade(A, m, "BUY", 100, 40, ts=T0)          # 100 @ 0.40
    book.trade(A, m, "BUY", 100, 60, ts=T0 + 1)      # 100 @ 0.60 -> avg 0.50
    book.trade(A, m, "SELL", 50, 35, ts=T0 + 2)      # 50 @ 0.70 -> realized 50 * 0.20 = 10
    book.load(store)
    p = position(store)
    assert p["avg_price"] == pytest.approx(0.5)
    # resolution at 1: the 150 left realize 150 * (1 - 0.5) = 75; total 85
    assert p["realized"] == pytest.approx(85.0, abs=1e-9)
    assert p["cost"] == pytest.approx(100.0) and p["amount"] == 0 and not p["is_open"]
    assert p["closed_ts"] == T0 + 10 * DAY


def test_a_sell_beyond_inventory_is_clamped_and_counted(store):
    book = Book()
    m = book.market("clamp")
    book.trade(A, m, "BUY", 10, 5, ts=T0)             # 10 @ 0.50
    book.trade(A, m, "SELL", 30, 18, ts=T0 + 1)       # 30 @ 0.60: only 10 are held
    book.load(store)
    p = position(store)
    assert p["realized"] == pytest.approx(10 * (0.6 - 0.5))
    assert p["unmatched_sell"] == pytest.approx(20.0)
    assert metrics(store)["incomplete_positions"] == 1


def test_fees_on_v1_and_v2_buys_and_sells(store):
    book = Book()
    v1, v2 = book.market("fee1"), book.market("fee2")
    # V1: the buy's fee is in shares (98 received for $50); the sell's in USDC ($60 - $1)
    book.trade(A, v1, "BUY", 100, 50, fee=2, ts=T0)
    book.trade(A, v1, "SELL", 98, 60, fee=1, ts=T0 + 1)
    # V2: the buy's fee is USDC on top ($51 for 100); the sell's from the proceeds
    book.trade(A, v2, "BUY", 100, 50, fee=1, version=2, ts=T0)
    book.trade(A, v2, "SELL", 100, 60, fee=0.5, version=2, ts=T0 + 1)
    book.load(store)
    p1, p2 = position(store, token=v1.token(0)), position(store, token=v2.token(0))
    assert p1["avg_price"] == pytest.approx(50 / 98) and p1["cost"] == pytest.approx(50)
    assert p1["realized"] == pytest.approx(98 * (59 / 98 - 50 / 98))  # = 9
    assert p2["avg_price"] == pytest.approx(0.51) and p2["cost"] == pytest.approx(51)
    assert p2["realized"] == pytest.approx(100 * (59.5 / 100 - 0.51))  # = 8.5


def test_resolution_at_one_zero_and_half_closes_held_positions(store):
    book = Book()
    win = book.market("win", payout=(1, 0), resolved=T0 + DAY)
    lose = book.market("lose", payout=(0, 1), resolved=T0 + DAY)   # never redeemed
    half = book.market("half", payout=(1, 1), resolved=T0 + DAY)
    for m in (win, lose, half):
        book.trade(A, m, "BUY", 100, 30, ts=T0)
    book.load(store)
    realized = {p["condition_id"]: p["realized"] for p in current(store, "positions")}
    assert realized[win.condition_id] == pytest.approx(70)
    assert realized[lose.condition_id] == pytest.approx(-30)   # a loser is realized at 0
    assert realized[half.condition_id] == pytest.approx(20)


def test_dust_left_after_a_sell_closes_the_position(store):
    book = Book()
    m = book.market("dust")                             # never resolves
    book.trade(A, m, "BUY", 100, 50, ts=T0)
    book.trade(A, m, "SELL", 99.995, 59.997, ts=T0 + 5)  # 0.005 shares left: dust
    book.load(store)
    p = position(store)
    assert not p["is_open"] and p["closed_ts"] == T0 + 5
    assert p["realized"] == pytest.approx(99.995 * (59.997 / 99.995 - 0.5))
    assert one(current(store, "bets"))["closed"] == 1


def test_neg_risk_markets_form_one_bet(store):
    book = Book()
    nr = "0x" + "cd" * 31 + "00"
    x = book.market("nr-x", payout=(1, 0), resolved=T0 + DAY, neg_risk_id=nr)
    y = book.market("nr-y", payout=(0, 1), resolved=T0 + DAY, neg_risk_id=nr)
    book.trade(A, x, "BUY", 100, 40, ts=T0)    # wins 60
    book.trade(A, y, "BUY", 100, 50, ts=T0)    # loses 50
    book.load(store)
    bet = one(current(store, "bets"))
    assert bet["bet_key"] == nr and bet["positions"] == 2
    assert bet["pnl"] == pytest.approx(10) and bet["cost"] == pytest.approx(90)
    assert metrics(store)["bets_closed"] == 1


def test_an_open_position_is_marked_at_the_latest_trade(store):
    book = Book()
    m = book.market("open")
    book.trade(A, m, "BUY", 100, 40, ts=T0)            # avg 0.40
    book.trade(B, m, "BUY", 10, 5.5, ts=T0 + 60)       # a later trade at 0.55 sets the mark
    book.load(store)
    p = position(store)
    assert p["is_open"] and p["mark"] == pytest.approx(0.55)
    assert p["unrealized"] == pytest.approx(100 * (0.55 - 0.40))
    row = metrics(store)
    assert row["bets_open"] == 1 and row["bets_closed"] == 0
    assert row["total_pnl"] == pytest.approx(row["realized_pnl_all"] + 15)


def test_windows_take_bets_by_their_closing_time(store):
    book = Book()
    as_of = T0 + 400 * DAY
    old = book.market("old", payout=(1, 0), resolved=as_of - 40 * DAY)   # in 90d, not 30d
    new = book.market("new", payout=(1, 0), resolved=as_of - 5 * DAY)
    book.trade(A, old, "BUY", 100, 50, ts=T0)          # traded long before: still 90d
    book.trade(A, new, "BUY", 100, 50, ts=as_of - 10 * DAY)
    book.trade(B, new, "BUY", 1, 0.5, ts=as_of)        # sets as_of = the latest fill
    book.load(store)
    closed = {w: metrics(store, window=w)["bets_closed"] for w in ("30d", "90d", "180d",
                                                                   "lifetime")}
    assert closed == {"30d": 1, "90d": 2, "180d": 2, "lifetime": 2}
    assert metrics(store, window="30d")["trades"] == 1      # trades by their own time
    assert metrics(store, window="lifetime")["trades"] == 2


def _winning_bets(book: Book, wallet: str, outcomes: list[bool], stake: float = 100):
    for i, won in enumerate(outcomes):
        m = book.market(f"{wallet[-4:]}-{i}", payout=(1, 0) if won else (0, 1),
                        resolved=T0 + i * DAY + 3600)
        book.trade(wallet, m, "BUY", 2 * stake, stake, ts=T0 + i * DAY)   # @ 0.50: ±stake


def test_omega_null_and_unbounded_and_the_smoothed_score(store):
    book = Book()
    _winning_bets(book, A, [True, True, True])    # 3 x +$100 on $100 stakes, no loss
    book.load(store)
    row = metrics(store)
    assert row["omega"] is None and row["omega_unbounded"] == 1
    # c̄ = 0.5 x median(100) = 50: (300 + 10 x 50) / (0 + 10 x 50) = 1.6
    assert row["omega_score"] == pytest.approx(1.6)
    assert round(row["win_rate_lb"], 2) == 0.44           # Wilson 3/3


def test_wilson_60_of_100(store):
    book = Book()
    _winning_bets(book, A, [True] * 60 + [False] * 40, stake=10)
    book.load(store)
    row = metrics(store)
    assert row["win_rate"] == pytest.approx(0.6) and round(row["win_rate_lb"], 2) == 0.50
    assert row["omega"] == pytest.approx(600 / 400)


def test_roi_and_its_standard_error(store):
    book = Book()
    a, b, c = (book.market(k, payout=p, resolved=T0 + DAY)
               for k, p in (("r1", (1, 0)), ("r2", (0, 1)), ("r3", (1, 0))))
    book.trade(A, a, "BUY", 200, 100, ts=T0)   # P = +100, C = 100
    book.trade(A, b, "BUY", 100, 50, ts=T0)    # P = -50,  C = 50 ... plus 50 more below
    book.trade(A, b, "BUY", 100, 50, ts=T0 + 1)  # C = 100, P = -100
    book.trade(A, c, "BUY", 250, 50, ts=T0)    # P = +200, C = 50
    book.load(store)
    # roi = (100 - 100 + 200) / 250 = 0.8; residuals 100 - 80 = 20, -100 - 80 = -180,
    # 200 - 40 = 160; se = sqrt(3/2 x (400 + 32400 + 25600)) / 250
    row = metrics(store)
    assert row["roi"] == pytest.approx(0.8)
    assert row["roi_se"] == pytest.approx(math.sqrt(1.5 * 58400) / 250)


@pytest.mark.parametrize(("bets", "expected"), [(19, "provisional"), (20, "ranked")])
def test_eligibility_boundary(store, bets, expected):
    book = Book()
    _winning_bets(book, A, [i % 2 == 0 for i in range(bets)], stake=30)  # span >= 14 days
    book.load(store)
    row = metrics(store)
    assert row["bets_closed"] == bets and row["cost"] >= 500
    assert row["eligibility"] == expected


def test_category_is_the_first_canonical_tag_by_priority_never_a_substring(store):
    book = Book()
    both = book.market("both", tags=("politics", "crypto", "btc"))   # crypto ranks first
    award = book.market("award", tags=("awards", "movies"))          # not 'war': no match
    book.trade(A, both, "BUY", 10, 5, ts=T0)
    book.trade(A, award, "BUY", 10, 5, ts=T0)
    book.load(store)
    got = dict(store.rows("SELECT condition_id, any(category) FROM trades GROUP BY 1"))
    assert got == {both.condition_id: "crypto", award.condition_id: "other"}
    assert store.rows("SELECT tag_slugs FROM trades_enriched WHERE condition_id = {c:String}",
                      {"c": both.condition_id}) == [(["politics", "crypto", "btc"],)]


def test_enrich_again_after_a_catalogue_update_places_unresolved_fills(store):
    from polyrank.enrich.trades import enrich

    book = Book()
    known, late = book.market("known"), book.market("late", tags=("sports",))
    book.trade(A, known, "BUY", 10, 5, ts=T0)
    book.trade(A, late, "BUY", 10, 5, ts=T0 + 1)
    book.markets.remove(late)                        # the catalogue does not know it yet
    book.load(store)
    first = enrich(store)
    assert (first.unresolved_fills, first.unresolved_tokens) == (1, 1)
    assert first.top_unresolved[0][0] == late.token(0)
    assert {r["category"] for r in current(store, "bets")} == {"politics", "unresolved"}
    store.insert("events", [("e-late", ["sports"])], ("id", "tag_slugs"))
    store.insert("markets", [(late.condition_id, "999", "e-late", [late.token(0), late.token(1)],
                              0, "")],
                 ("condition_id", "id", "event_id", "token_ids", "neg_risk",
                  "neg_risk_market_id"))
    store.insert("tokens", [(late.token(0), late.condition_id, 0, "999")],
                 ("token_id", "condition_id", "outcome_index", "market_id"))
    again = enrich(store)
    assert again.unresolved_fills == 0
    assert dict(store.rows("SELECT condition_id, category FROM trades")) == {
        known.condition_id: "politics", late.condition_id: "sports"}


def test_a_run_is_atomic_for_readers_and_old_runs_are_dropped(store):
    from polyrank.metrics.run import compute_metrics

    book = Book()
    _winning_bets(book, A, [True, False, True])
    book.load(store)
    first = store.scalar("SELECT argMax(value, updated_at) FROM pipeline_state "
                         "WHERE key = 'metrics_run'")
    figures = "SELECT bets_closed, realized_pnl, cost, omega_score FROM wallet_metrics_complete"
    before = store.rows(figures)
    as_of = store.scalar("SELECT as_of FROM metrics_runs WHERE run_id = {r:String}",
                         {"r": first})
    second = compute_metrics(store, as_of=as_of).run_id
    third = compute_metrics(store, as_of=as_of).run_id
    assert store.rows(figures) == before     # a run reads only its own rows
    runs = {r[0] for r in store.rows("SELECT DISTINCT run_id FROM wallet_metrics")}
    assert runs == {second, third} and first not in runs   # the previous run is kept
    visible = {r[0] for r in store.rows("SELECT DISTINCT run_id FROM wallet_metrics_complete")}
    assert visible == {third}
    assert store.scalar("SELECT count() FROM metrics_runs") == 3


def test_default_as_of_books_resolutions_after_the_last_fill(store):
    """Every market resolves after the wallets' last fills: by default the run's as-of is the
    latest resolution the catalogue knows, so the bets are closed and booked (with the latest
    fill as the as-of they would all be open, realized P&L 0)."""
    from polyrank.metrics.run import compute_metrics

    book = Book()
    win = book.market("later-win", payout=(1, 0), resolved=T0 + 20 * DAY)
    lose = book.market("later-lose", payout=(0, 1), resolved=T0 + 30 * DAY)
    book.trade(A, win, "BUY", 100, 40, ts=T0)       # +60 at resolution
    book.trade(A, lose, "BUY", 50, 30, ts=T0 + 1)   # -30 at resolution
    book.load(store, as_of=T0 + 1)                   # the latest fill: nothing resolved yet
    assert metrics(store)["bets_closed"] == 0 and metrics(store)["bets_open"] == 2
    report = compute_metrics(store)                  # the default as-of
    assert report.as_of == T0 + 30 * DAY
    m = metrics(store)
    assert (m["bets_closed"], m["bets_open"]) == (2, 0)
    assert m["realized_pnl"] == pytest.approx(60 - 30)
    assert m["window"] == "lifetime"
    assert metrics(store, window="30d")["bets_closed"] == 2   # both closed within 30 days


def test_default_as_of_never_passes_the_catalogue_sync(store):
    """A resolution time later than the catalogue's last sync cannot be known yet: the
    default as-of stops at the sync time."""
    from polyrank.metrics.run import default_as_of

    book = Book()
    m = book.market("future", payout=(1, 0), resolved=T0 + 10 * DAY)
    book.trade(A, m, "BUY", 10, 5, ts=T0)
    book.load(store)
    synced = store.scalar("SELECT toUInt32(max(updated_at)) FROM conditions")
    store.command("ALTER TABLE trade_tokens UPDATE resolved_at = {t:UInt32} WHERE 1 "
                  "SETTINGS mutations_sync = 1", {"t": synced + 10 * DAY})
    assert default_as_of(store) == synced


def test_split_then_sell_one_side_then_the_other_side_wins(store):
    """A market maker's split (docs/metrics.md §2): split $100 into 100 YES + 100 NO (a buy of
    each at 0.50), sell the 100 YES at 0.60, NO wins. Cash: -100 + 60 + 100 = +60.
    YES: 100 x (0.60 - 0.50) = +10; NO: 100 x (1 - 0.50) = +50 at resolution. Fills alone
    would see a sell of shares never bought (clamped: 0 P&L, an incomplete position)."""
    book = Book()
    m = book.market("mm", payout=(0, 1), resolved=T0 + 5 * DAY)
    book.activity(A, m, "split", 100, ts=T0)
    book.trade(A, m, "SELL", 100, 60, ts=T0 + 1, outcome=0)
    book.load(store)
    yes, no = position(store, token=m.token(0)), position(store, token=m.token(1))
    assert yes["realized"] == pytest.approx(10) and yes["unmatched_sell"] == 0
    assert yes["cost"] == pytest.approx(50) and yes["fills"] == 1
    assert no["realized"] == pytest.approx(50) and no["cost"] == pytest.approx(50)
    assert no["fills"] == 0 and no["closed_ts"] == T0 + 5 * DAY
    w = metrics(store)
    assert w["realized_pnl"] == pytest.approx(60) and w["bets_closed"] == 1
    assert w["incomplete_positions"] == 0
    assert w["trades"] == 1 and w["volume_usdc"] == pytest.approx(60)  # a split is no trade


def test_an_open_position_never_traded_has_no_mark_and_no_unrealized(store):
    """Split 100 in an open market, sell the 100 YES at 0.60: the NO held from the split was
    never traded by anyone, so it has no mark (docs/metrics.md §2) and no unrealized P&L —
    not a mark of 0 that would show a loss of 50."""
    book = Book()
    m = book.market("unmarked")
    book.activity(A, m, "split", 100, ts=T0)
    book.trade(A, m, "SELL", 100, 60, ts=T0 + 1, outcome=0)
    book.load(store)
    no = position(store, token=m.token(1))
    assert no["is_open"] and no["amount"] == pytest.approx(100)
    assert no["mark"] is None and no["unrealized"] == 0
    assert metrics(store)["unrealized_pnl"] == 0


def test_merge_returns_a_pair_at_half_each(store):
    """Buy 100 YES at 0.40 and 100 NO at 0.55, merge the 100 pairs back into $100: each side
    sells at 0.50 — YES 100 x (0.50 - 0.40) = +10, NO 100 x (0.50 - 0.55) = -5; in all
    +5 = 100 - 95, the market closed at the merge with nothing held."""
    book = Book()
    m = book.market("merge")
    book.trade(A, m, "BUY", 100, 40, ts=T0, outcome=0)
    book.trade(A, m, "BUY", 100, 55, ts=T0 + 1, outcome=1)
    book.activity(A, m, "merge", 100, ts=T0 + 2)
    book.load(store)
    yes, no = position(store, token=m.token(0)), position(store, token=m.token(1))
    assert yes["realized"] == pytest.approx(10) and no["realized"] == pytest.approx(-5)
    assert yes["amount"] == 0 and no["amount"] == 0
    assert not yes["is_open"] and yes["closed_ts"] == T0 + 2
    w = metrics(store)
    assert w["realized_pnl"] == pytest.approx(5) and w["bets_closed"] == 1
    assert w["bets_open"] == 0


def test_a_redemption_changes_nothing_already_settled_at_resolution(store):
    """A loser redeemed for $0 and a winner redeemed for its payout: both positions were
    settled at the resolution time (docs/metrics.md §2), so P&L and closing times stay."""
    book = Book()
    win = book.market("rw", payout=(1, 0), resolved=T0 + DAY)
    lose = book.market("rl", payout=(0, 1), resolved=T0 + DAY)
    book.trade(A, win, "BUY", 10, 4, ts=T0)
    book.trade(A, lose, "BUY", 10, 3, ts=T0)
    book.activity(A, win, "redeem", 10, usdc=10, ts=T0 + 3 * DAY)
    book.activity(A, lose, "redeem", 10, usdc=0, ts=T0 + 3 * DAY)
    book.load(store)
    assert position(store, token=win.token(0))["realized"] == pytest.approx(6)
    assert position(store, token=lose.token(0))["realized"] == pytest.approx(-3)
    assert position(store, token=win.token(0))["closed_ts"] == T0 + DAY
    assert metrics(store)["realized_pnl"] == pytest.approx(3)


def test_the_pnl_curve_counts_a_split_s_cash_and_shares(store):
    """The daily equity of the split example: day 0 holds 100 NO (cash -100 + 60 YES sold,
    NO marked at its latest trade, none: 0) and ends at +60 once NO resolves at 1."""
    import polyrank

    book = Book()
    m = book.market("curve", payout=(0, 1), resolved=T0 + 2 * DAY)
    book.activity(A, m, "split", 100, ts=T0)
    book.trade(A, m, "SELL", 100, 60, ts=T0 + 1, outcome=0)
    book.load(store)
    with polyrank.Polyrank(store, polyrank.Settings()) as pr:
        points = pr.pnl(A).rows
    assert points[0]["total"] == pytest.approx(-40)   # cash -100 + 60; NO not yet priced
    assert points[-1]["total"] == pytest.approx(60) and points[-1]["realized"] == 60


def test_polymarkets_convention_beside_ours_and_the_difference_explained(store):
    """pnl_polymarket (docs/metrics.md §4.5): fees ignored, a resolved position counts only
    once redeemed. realized = pnl_polymarket + pnl_fee_effect + pnl_unredeemed.
    (a) V1 buy 100 @ 0.40 with a 2-share fee, wins, redeemed: ours 98 x (1 - 40/98) = 58;
        Polymarket 100 x (1 - 0.40) = 60; fee effect -2.
    (b) buy 50 @ 0.30, loses, never redeemed: ours -15; Polymarket 0; unredeemed -15.
    (c) buy 10 @ 0.50, sell 10 for $7 with a $0.50 fee: ours 10 x (0.65 - 0.50) = 1.5;
        Polymarket 10 x (0.70 - 0.50) = 2; fee effect -0.5."""
    book = Book()
    win = book.market("pm-win", payout=(1, 0), resolved=T0 + DAY)
    lose = book.market("pm-lose", payout=(0, 1), resolved=T0 + DAY)
    flip = book.market("pm-flip")
    book.trade(A, win, "BUY", 100, 40, fee=2, ts=T0)
    book.trade(A, lose, "BUY", 50, 15, ts=T0)
    book.trade(A, flip, "BUY", 10, 5, ts=T0)
    book.trade(A, flip, "SELL", 10, 7, fee=0.5, ts=T0 + 1)
    book.activity(A, win, "redeem", 98, usdc=98, ts=T0 + 2 * DAY)
    book.load(store)
    cases = {win.token(0): (58, 60, -2, 0), lose.token(0): (-15, 0, 0, -15),
             flip.token(0): (1.5, 2, -0.5, 0)}
    for token, (ours, pm, fee, unredeemed) in cases.items():
        p = position(store, token=token)
        assert p["realized"] == pytest.approx(ours, abs=1e-9)
        assert p["pnl_polymarket"] == pytest.approx(pm, abs=1e-9)
        assert p["pnl_fee_effect"] == pytest.approx(fee, abs=1e-9)
        assert p["pnl_unredeemed"] == pytest.approx(unredeemed, abs=1e-9)
    w = metrics(store)
    assert w["realized_pnl_all"] == pytest.approx(44.5)
    assert (w["pnl_polymarket"], w["pnl_fee_effect"], w["pnl_unredeemed"]) == pytest.approx(
        (62, -2.5, -15))
    # a window: over its closed bets (all three: flip's exited at T0 + 1), beside its
    # realized_pnl 44.5 = 62 - 2.5 - 15
    d30 = metrics(store, window="30d")
    assert (d30["pnl_polymarket"], d30["pnl_fee_effect"], d30["pnl_unredeemed"]) == \
        pytest.approx((62, -2.5, -15))
    assert d30["realized_pnl"] == pytest.approx(44.5)


# -- neg-risk conversions (docs/metrics.md §2) -----------------------------------------------


def yes_price(averages: list[float], q: int) -> float:
    """The YES leg's price in build_conversion_rows.sql's Float64 order: the converted NO
    averages summed in question order from 0.0, then the mean, then the formula."""
    total = 0.0
    for avg in averages:
        total += avg
    k = len(averages)
    no_price = total / k
    return (no_price * k - (k - 1)) / (q - k)


def _four_questions(book: Book, wallet: str, *, winner: int, form: str):
    """NO of questions 0, 1, 2 bought at 0.75 (100 each), then converted (n = 100, q = 4) in
    the activity subgraph's form or the Data API's."""
    event, qs = book.neg_risk_event(f"conv4-{wallet[-4:]}-{form}", 4, winner=winner,
                                    resolved=T0 + 2 * DAY)
    for i in (0, 1, 2):
        book.trade(wallet, qs[i], "BUY", 100, 75, ts=T0 + i, outcome=1)
    book.conversion(wallet, event, [0, 1, 2], 100, ts=T0 + 10,
                    question_count=4 if form == "subgraph" else None)
    return event, qs


def test_a_conversion_sells_the_no_at_average_and_buys_the_other_yes(store):
    """Subgraph form: NO of questions 0-2 at 0.75, converted into 100 YES of question 3 and
    $200: the NO positions end at 0 with nothing realized; YES 3 is bought at
    (0.75 x 3 - 2) / 1 = 0.25 (cost 25) and wins: +75 = the cash -225 + 200 + 100."""
    book = Book()
    _, qs = _four_questions(book, A, winner=3, form="subgraph")
    book.load(store)
    for i in (0, 1, 2):
        no = position(store, token=qs[i].token(1))
        assert no["amount"] == 0 and no["realized"] == 0 and no["unmatched_sell"] == 0
        assert no["avg_price"] == pytest.approx(0.75) and no["cost"] == pytest.approx(75)
        assert no["fills"] == 1 and no["closed_ts"] == T0 + 10 and not no["is_open"]
    yes = position(store, token=qs[3].token(0))
    assert yes["avg_price"] == yes_price([0.75] * 3, 4) == pytest.approx(0.25)
    assert yes["cost"] == pytest.approx(25) and yes["bought"] == pytest.approx(100)
    assert yes["realized"] == pytest.approx(75) and yes["fills"] == 0
    assert yes["pnl_polymarket"] == 0 and yes["pnl_unredeemed"] == pytest.approx(75)
    w = metrics(store)
    assert w["realized_pnl"] == pytest.approx(75) and w["bets_closed"] == 1
    assert w["incomplete_positions"] == 0 and w["trades"] == 3


@pytest.mark.parametrize(("no_price", "k", "q", "expected"),
                         [(0.75, 3, 5, 0.125), (0.73, 1, 6, 0.146)])
def test_the_official_conversion_vectors(store, no_price, k, q, expected):
    book = Book()
    event, qs = book.neg_risk_event(f"vec-{q}", q)
    for i in range(k):
        book.trade(A, qs[i], "BUY", 100, round(100 * no_price, 6), ts=T0 + i, outcome=1)
    book.conversion(A, event, list(range(k)), 100, ts=T0 + 10, question_count=q)
    book.load(store)
    for j in range(k, q):
        yes = position(store, token=qs[j].token(0))
        assert yes["avg_price"] == yes_price([no_price] * k, q) == pytest.approx(expected)
        assert yes["cost"] == pytest.approx(100 * expected)
    assert len(current(store, "positions")) == q


def test_the_data_api_form_books_the_same_positions(store):
    """The same conversion as three Data API rows (one per converted question, one
    transaction) gives the same positions as the activity subgraph's one row."""
    book = Book()
    _, sub = _four_questions(book, A, winner=3, form="subgraph")
    _, api = _four_questions(book, B, winner=3, form="data_api")
    book.load(store)
    columns = ("amount", "avg_price", "realized", "cost", "bought", "unmatched_sell", "fills",
               "is_open", "closed_ts", "pnl_polymarket", "pnl_unredeemed")

    def book_of(wallet, markets):
        where = {m.token(o): (m.question, o) for m in markets for o in (0, 1)}
        return {where[p["token_id"]]: {c: p[c] for c in columns}
                for p in current(store, "positions", "wallet = {w:String}", {"w": wallet})}

    subgraph = book_of(A, sub)
    assert sorted(subgraph) == [(0, 1), (1, 1), (2, 1), (3, 0)]
    assert book_of(B, api) == subgraph
    assert subgraph[(3, 0)]["avg_price"] == pytest.approx(0.25)


def test_a_fee_makes_our_yes_price_differ_from_polymarkets(store):
    """NO 0 bought 100 at 0.60 with a V2 fee of $2 (our average 0.62, fee-less 0.60), NO 1 at
    0.70; converted (q = 3): ours (0.66 x 2 - 1) / 1 = 0.32, Polymarket's
    (0.65 x 2 - 1) / 1 = 0.30. YES 2 wins and is redeemed: ours 100 x (1 - 0.32) = 68,
    Polymarket's 100 x (1 - 0.30) = 70, the fee's effect -2 (cash: -62 - 70 + 100 + 100)."""
    book = Book()
    event, qs = book.neg_risk_event("conv-fee", 3, winner=2, resolved=T0 + DAY)
    book.trade(A, qs[0], "BUY", 100, 60, fee=2, version=2, ts=T0, outcome=1)
    book.trade(A, qs[1], "BUY", 100, 70, ts=T0 + 1, outcome=1)
    book.conversion(A, event, [0, 1], 100, ts=T0 + 10, question_count=3)
    book.activity(A, qs[2], "redeem", 100, usdc=100, ts=T0 + 2 * DAY)
    book.load(store)
    assert position(store, token=qs[0].token(1))["avg_price"] == pytest.approx(0.62)
    yes = position(store, token=qs[2].token(0))
    ours, pm = yes_price([62 / 100, 70 / 100], 3), yes_price([60 / 100, 70 / 100], 3)
    assert yes["avg_price"] == ours == pytest.approx(0.32)
    assert yes["cost"] == pytest.approx(32)
    assert yes["realized"] == pytest.approx(68) and yes["pnl_polymarket"] == pytest.approx(70)
    assert pm == pytest.approx(0.30)
    assert yes["pnl_fee_effect"] == pytest.approx(-2) and yes["pnl_unredeemed"] == 0
    w = metrics(store)
    assert (w["realized_pnl_all"], w["pnl_polymarket"], w["pnl_fee_effect"]) == pytest.approx(
        (68, 70, -2))


def test_each_conversion_takes_the_no_average_just_before_it(store):
    """A split of 100 in question 0 (NO 0 at 0.50), 50 NO converted (q = 2: YES 1 at 0.50),
    100 more NO bought at 0.90 (average (0.50 x 50 + 90) / 150 = 0.7667), all 150
    converted: YES 1 at that average; YES 1 holds 200 at (25 + 115) / 200 = 0.70."""
    book = Book()
    event, qs = book.neg_risk_event("conv-twice", 2)
    book.activity(A, qs[0], "split", 100, ts=T0)
    book.conversion(A, event, [0], 50, ts=T0 + 10, question_count=2)
    book.trade(A, qs[0], "BUY", 100, 90, ts=T0 + 20, outcome=1)
    book.conversion(A, event, [0], 150, ts=T0 + 30, question_count=2)
    book.load(store)
    no = position(store, token=qs[0].token(1))
    second = (0.5 * 50_000_000 + 90_000_000) / 150_000_000   # position_work's average
    assert no["avg_price"] == second and no["amount"] == 0 and no["unmatched_sell"] == 0
    first_paid = 50_000_000 * yes_price([0.5], 2)
    avg = (first_paid / 50_000_000 * 50_000_000 + 150_000_000 * yes_price([second], 2)) / (
        200_000_000)
    yes = position(store, token=qs[1].token(0))
    assert yes["avg_price"] == avg == pytest.approx(0.70)
    assert yes["bought"] == pytest.approx(200) and yes["cost"] == pytest.approx(140)
    assert position(store, token=qs[0].token(0))["avg_price"] == pytest.approx(0.5)


def test_a_no_never_held_counts_at_zero_and_is_unmatched(store):
    """NO 0 held (100 at 0.80), NO 1 never held; converting both (q = 3): no_price
    (0.80 + 0) / 2 = 0.40, YES 2 at (0.40 x 2 - 1) / 1 = -0.20 (not clamped); the 100 NO 1
    sold are beyond the holding: unmatched, an incomplete position."""
    book = Book()
    event, qs = book.neg_risk_event("conv-partial", 3)
    book.trade(A, qs[0], "BUY", 100, 80, ts=T0, outcome=1)
    book.conversion(A, event, [0, 1], 100, ts=T0 + 10, question_count=3)
    book.load(store)
    no1 = position(store, token=qs[1].token(1))
    assert no1["unmatched_sell"] == pytest.approx(100) and no1["amount"] == 0
    assert no1["realized"] == 0 and no1["fills"] == 0
    yes = position(store, token=qs[2].token(0))
    assert yes["avg_price"] == yes_price([0.8, 0.0], 3) == pytest.approx(-0.2)
    assert yes["cost"] == pytest.approx(-20) and yes["is_open"]
    assert metrics(store)["incomplete_positions"] == 1


def test_a_question_the_catalogue_lacks_counts_in_k_without_legs(store):
    """A 4-question event whose question 3 the catalogue lacks: converting NO 0 (held at
    0.90) and NO 3 gives no_price (0.90 + 0) / 2 = 0.45 and YES 1, YES 2 at
    (0.45 x 2 - 1) / 2 = -0.05; question 3 has no leg."""
    book = Book()
    event, qs = book.neg_risk_event("conv-unknown", 4, missing=(3,))
    book.trade(A, qs[0], "BUY", 100, 90, ts=T0, outcome=1)
    book.conversion(A, event, [0, 3], 100, ts=T0 + 10, question_count=4)
    book.load(store)
    for j in (1, 2):
        assert position(store, token=qs[j].token(0))["avg_price"] == yes_price(
            [0.9, 0.0], 4) == pytest.approx(-0.05)
    assert position(store, token=qs[0].token(1))["amount"] == 0
    assert len(current(store, "positions")) == 3


def test_a_losing_yes_leg_counts_for_polymarket_once_redeemed(store):
    """Question 0 wins, so the YES 3 bought by the conversion at 0.25 loses: -25 for us
    whether redeemed or not; for Polymarket once redeemed (A, a $0 redemption), unredeemed
    otherwise (B)."""
    book = Book()
    _, qa = _four_questions(book, A, winner=0, form="subgraph")
    _, qb = _four_questions(book, B, winner=0, form="subgraph")
    book.activity(A, qa[3], "redeem", 100, usdc=0, ts=T0 + 3 * DAY)
    book.load(store)
    a, b = position(store, A, qa[3].token(0)), position(store, B, qb[3].token(0))
    assert a["realized"] == pytest.approx(-25) and b["realized"] == pytest.approx(-25)
    assert a["pnl_polymarket"] == pytest.approx(-25) and a["pnl_unredeemed"] == 0
    assert b["pnl_polymarket"] == 0 and b["pnl_unredeemed"] == pytest.approx(-25)
    assert metrics(store)["realized_pnl"] == pytest.approx(-25)   # -225 + 200 + 0


def test_a_conversion_after_the_as_of_time_is_not_folded(store):
    book = Book()
    _, qs = _four_questions(book, A, winner=3, form="subgraph")
    book.load(store, as_of=T0 + 9)
    for i in (0, 1, 2):
        assert position(store, token=qs[i].token(1))["amount"] == pytest.approx(100)
    assert not current(store, "positions", "token_id = {t:String}", {"t": qs[3].token(0)})


def test_the_pnl_curve_counts_a_conversion_s_usdc_and_shares(store):
    """Day 0: cash -225 + 200 from the conversion, YES 3 held but never traded (0): -25;
    after YES 3 wins: +75, the realized P&L."""
    import polyrank

    book = Book()
    _four_questions(book, A, winner=3, form="subgraph")
    book.load(store)
    with polyrank.Polyrank(store, polyrank.Settings()) as pr:
        points = pr.pnl(A).rows
    assert points[0]["total"] == pytest.approx(-25)
    assert points[-1]["total"] == pytest.approx(75) and points[-1]["realized"] == 75


def test_the_pnl_curve_values_a_yes_leg_at_a_price_from_before_the_wallet_held_it(store):
    """B trades YES 3 at 0.30 on day 0 and nobody after; on day 2 A converts NO 0-2 (bought
    at 0.75) into 100 YES 3 at (0.75 x 3 - 2) / 1 = 0.25. Both the curve and total_pnl value
    YES 3 at 0.30: cash -225 + 200 + 100 x 0.30 = +5 = unrealized 100 x (0.30 - 0.25)."""
    import polyrank

    book = Book()
    event, qs = book.neg_risk_event("conv-old-price", 4)
    book.trade(B, qs[3], "BUY", 10, 3, ts=T0)
    for i in (0, 1, 2):
        book.trade(A, qs[i], "BUY", 100, 75, ts=T0 + 2 * DAY + i, outcome=1)
    book.conversion(A, event, [0, 1, 2], 100, ts=T0 + 2 * DAY + 10, question_count=4)
    book.load(store)
    assert metrics(store)["total_pnl"] == pytest.approx(5)
    with polyrank.Polyrank(store, polyrank.Settings()) as pr:
        points = pr.pnl(A).rows
    assert points[-1]["total"] == pytest.approx(5)


@pytest.mark.parametrize("form", ["subgraph", "data_api"])
def test_a_whole_set_conversion_realizes_the_usdc_it_returns(store, form):
    """All 3 NO of a 3-question event bought at 0.60 (100 each, $180), converted into $200 and
    nothing else (k = q): ours sells each NO for 200 / 3, +20 in all, at the conversion;
    Polymarket's convention books none of it (sold at the average, the pnl-subgraph's rule),
    so the +20 shows in the fee-effect column, the remainder of the two conventions."""
    book = Book()
    event, qs = book.neg_risk_event(f"whole-{form}", 3, winner=1, resolved=T0 + DAY)
    for i in range(3):
        book.trade(A, qs[i], "BUY", 100, 60, ts=T0 + i, outcome=1)
    book.conversion(A, event, [0, 1, 2], 100, ts=T0 + 10,
                    question_count=3 if form == "subgraph" else None)
    book.load(store)
    for i in range(3):
        no = position(store, token=qs[i].token(1))
        assert no["amount"] == 0 and no["unmatched_sell"] == 0 and no["closed_ts"] == T0 + 10
        assert no["realized"] == pytest.approx(200 / 3 - 60)
        assert no["pnl_polymarket"] == 0
    w = metrics(store)
    assert w["realized_pnl"] == pytest.approx(20) and w["bets_closed"] == 1
    assert (w["pnl_polymarket"], w["pnl_fee_effect"]) == pytest.approx((0, 20))
