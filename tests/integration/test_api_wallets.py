"""A wallet's API pages over a hand-made book: the figures are worked out in the comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from polyrank.api.app import create_app
from polyrank.ingest.writer import FILL_COLUMNS
from tests.metrics_support import DAY, T0, Book

A = "0x" + "a1" * 20
B = "0x" + "b2" * 20


def day(n: int) -> str:
    return datetime.fromtimestamp(T0 + n * DAY, UTC).date().isoformat()


def book() -> Book:
    b = Book()
    m = b.market("won", payout=(1, 0), resolved=T0 + 3 * DAY)
    n = b.market("open", tags=("crypto",))
    b.trade(A, m, "BUY", 100, 40, ts=T0)               # 100 @ 0.40
    b.trade(A, n, "BUY", 50, 25, ts=T0 + 60)           # 50 @ 0.50
    b.trade(B, m, "BUY", 10, 6, ts=T0 + DAY)           # someone else: m trades at 0.60
    b.trade(A, n, "SELL", 20, 14, ts=T0 + 2 * DAY)     # 20 @ 0.70: realized 20 * 0.2 = 4
    return b


@pytest.fixture
def http(store):
    book().load(store)
    return TestClient(create_app(store))


def test_pnl_is_daily_cumulative_realized_and_marked_equity(http):
    body = http.get(f"/api/wallets/{A}/pnl").json()
    points = [(p["day"], round(p["realized"], 9), round(p["total"], 9)) for p in body["points"]]
    # equity = cash so far + shares held at the latest price (payout once resolved):
    #   day 0: -40 + 100 * 0.40 - 25 + 50 * 0.50 = 0
    #   day 1: m trades at 0.60 -> -40 + 60 + 0 = 20
    #   day 2: the sell: -40 + 60 - 25 + 14 + 30 * 0.70 = 30
    #   day 3: m resolves at 1 -> -40 + 100 + 10 = 70; its bet closes: realized 60
    assert points == [(day(0), 0, 0), (day(1), 0, 20), (day(2), 0, 30), (day(3), 60, 70)]
    wallet = http.get(f"/api/wallets/{A}").json()
    life = next(m for m in wallet["metrics"]
                if m["window"] == "lifetime" and m["category"] == "all")
    # the last point is the wallet's total P&L: realized 60 + 4, unrealized 30 * 0.2
    assert life["total_pnl"] == pytest.approx(70) and life["realized_pnl"] == pytest.approx(60)


def test_wallet_page_positions_and_trades(http):
    wallet = http.get(f"/api/wallets/{A.upper().replace('0X', '0x')}").json()
    assert wallet["wallet"] == A and wallet["loaded_fills"] == 3
    cells = {(m["window"], m["category"]) for m in wallet["metrics"]}
    assert {("lifetime", "all"), ("lifetime", "politics"), ("lifetime", "crypto"),
            ("30d", "all")} <= cells
    pos = http.get(f"/api/wallets/{A}/positions").json()
    assert pos["total"] == 2
    first, second = pos["rows"]
    assert first["is_open"] == 1 and first["amount"] == pytest.approx(30)   # open first
    assert first["unrealized"] == pytest.approx(6) and first["mark"] == pytest.approx(0.7)
    assert second["is_open"] == 0 and second["realized"] == pytest.approx(60)
    closed = http.get(f"/api/wallets/{A}/positions", params={"state": "closed"}).json()
    assert [r["realized"] for r in closed["rows"]] == [pytest.approx(60)]
    trades = http.get(f"/api/wallets/{A}/trades", params={"limit": 2}).json()
    assert trades["total"] == 3
    newest = trades["rows"][0]
    assert (newest["side"], newest["shares"], newest["usdc"]) == ("SELL", 20, 14)
    assert newest["price"] == pytest.approx(0.7) and newest["ts"] == T0 + 2 * DAY
    assert [r["ts"] for r in trades["rows"]] == [T0 + 2 * DAY, T0 + 60]
    rest = http.get(f"/api/wallets/{A}/trades", params={"offset": 2}).json()["rows"]
    assert [r["ts"] for r in rest] == [T0]


@pytest.mark.parametrize("path", ["", "/positions", "/trades", "/pnl"])
def test_wallet_errors_say_what_is_wrong(http, path):
    bad = http.get(f"/api/wallets/0x12345{path}")
    assert bad.status_code == 400 and "malformed wallet address" in bad.json()["error"]
    assert http.get(f"/api/wallets/{'0x' + 'g1' * 20}{path}").status_code == 400
    too_big = http.get(f"/api/wallets/{A}{path}", params={"limit": 501})
    assert too_big.status_code in (200, 422)   # only the paged endpoints take a limit
    if path in ("/positions", "/trades"):
        assert too_big.status_code == 422


def test_unknown_wallet_is_404_and_unknown_state_is_400(http):
    for path in ("", "/positions", "/pnl"):
        res = http.get(f"/api/wallets/{'0x' + 'c3' * 20}{path}")
        assert res.status_code == 404 and "no trades loaded" in res.json()["error"]
    # a known wallet with nothing in a filter is an empty page, not a 404
    assert http.get(f"/api/wallets/{B}/positions", params={"state": "open"}).json() == {
        "wallet": B, "run_id": http.get("/api/status").json()["runs"][0]["run_id"],
        "as_of": T0 + 3 * DAY, "state": "open", "total": 0, "rows": []}
    res = http.get(f"/api/wallets/{A}/positions", params={"state": "half"})
    assert res.status_code == 400 and res.json()["valid"] == ["all", "open", "closed"]


def test_trades_are_readable_as_soon_as_loaded_metrics_answer_503(store):
    store.insert("fills", book().fills, FILL_COLUMNS)
    store.insert("pipeline_state", [("stage", "ingest")], ("key", "value"))
    http = TestClient(create_app(store))
    trades = http.get(f"/api/wallets/{A}/trades").json()
    assert trades["total"] == 3 and trades["rows"][0]["side"] == "SELL"
    for path in ("", "/positions", "/pnl"):
        res = http.get(f"/api/wallets/{A}{path}")
        assert res.status_code == 503 and res.json()["stage"] == "ingest"
    for path in ("/api/specialists", "/api/categories", "/api/omega/leaderboard"):
        assert http.get(path).status_code == 503


def test_v2_fills_without_fee_are_flagged_on_board_and_wallet_page(http, store):
    store.insert("ingest_wallets", [(A, "done", 3, 3, "data_api")],
                 ("wallet", "status", "v2_fills", "v2_fills_without_fee", "v2_source"))
    board = http.get("/api/omega/leaderboard", params={"min_bets": 0}).json()["rows"]
    assert {r["wallet"]: r["fills_without_fee"] for r in board} == {A: 3, B: 0}
    metrics = http.get(f"/api/wallets/{A}").json()["metrics"]
    assert {m["fills_without_fee"] for m in metrics} == {3}
