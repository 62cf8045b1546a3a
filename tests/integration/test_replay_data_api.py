"""The replay's Data API over real sockets: /activity covers V1 and V2 fills (unlike the
orderbook subgraph) plus redemptions; limits answer as observed on the real service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from polyrank.sim.replay import ReplayServer
from polyrank.upstream.activity import parse_activity
from tests.replay_world import get_json, gql, write_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("data"), n_wallets=6, n_matches=6000,
                       hot_wallet_share=0.5)


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world.path) as srv:
        yield srv


def own_fills(world, wallet):
    return [r for r in world.fills.to_pylist() if r["maker"] == wallet]


def test_activity_rows_parse_and_cover_v1_and_v2(server, world):
    wallet = world.wallets[1]
    status, rows = get_json(server.url + f"/activity?user={wallet}&type=TRADE&limit=500")
    _, oldest = get_json(server.url + f"/activity?user={wallet}&type=TRADE&limit=500"
                         "&sortDirection=ASC")
    assert status == 200
    acts = [parse_activity(r) for r in rows]
    fills = own_fills(world, wallet)
    assert len(acts) == min(500, len(fills))
    by_tx = {r["transaction_hash"]: r for r in fills}
    assert {by_tx[a.transaction_hash]["version"] for a in acts} == {2}  # newest: after V2
    assert {by_tx[r["transactionHash"]]["version"] for r in oldest} == {1}
    for a in acts[:50]:
        f = by_tx[a.transaction_hash]
        shares = f["taker_amount_filled"] if f["side"] == 0 else f["maker_amount_filled"]
        assert a.size == Decimal(shares) / 10**6 and a.asset == f["token_id"]
        assert a.side == ("BUY" if f["side"] == 0 else "SELL")
    stamps = [a.timestamp for a in acts]
    assert stamps == sorted(stamps, reverse=True)  # DESC by default


def test_v2_fill_absent_from_goldsky_present_in_activity(server, world):
    wallet = world.wallets[2]
    v2 = [r for r in own_fills(world, wallet) if r["version"] == 2]
    ts = v2[0]["timestamp"]
    _, rows = get_json(server.url + f"/activity?user={wallet}&type=TRADE&start={ts}&end={ts}")
    assert v2[0]["transaction_hash"] in {r["transactionHash"] for r in rows}
    body = gql(server.subgraph_url("orderbook-subgraph"),
               "query($id: ID!) { orderFilledEvent(id: $id) { id } }", {"id": v2[0]["id"]})
    assert body["data"]["orderFilledEvent"] is None


def test_window_sort_and_types(server, world):
    wallet = world.wallets[0]
    fills = own_fills(world, wallet)
    stamps = sorted(r["timestamp"] for r in fills)
    lo, hi = stamps[100], stamps[400]
    _, rows = get_json(server.url + f"/activity?user={wallet}&type=TRADE&start={lo}&end={hi}"
                       "&sortBy=TIMESTAMP&sortDirection=ASC&limit=500")
    assert [r["timestamp"] for r in rows] == [t for t in stamps if lo <= t <= hi]
    _, redeems = get_json(server.url + f"/activity?user={wallet}&type=REDEEM")
    expected = [r for r in world.activity.to_pylist() if r["wallet"] == wallet]
    assert len(redeems) == len(expected) and {r["type"] for r in redeems} <= {"REDEEM"}
    _, both = get_json(server.url + f"/activity?user={wallet}&limit=500")
    assert {r["type"] for r in both} == {"TRADE", "REDEEM"}  # redemptions come last in time


def test_limit_clamped_and_offset_cap(server, world):
    wallet = world.wallets[0]
    assert len(own_fills(world, wallet)) > 600
    status, rows = get_json(server.url + f"/activity?user={wallet}&limit=1000")
    assert status == 200 and len(rows) == 500
    status, body = get_json(server.url + f"/activity?user={wallet}&offset=5001")
    assert status == 400
    assert body == {"error": "max historical activity offset of 5000 exceeded"}
    status, _ = get_json(server.url + f"/activity?user={wallet}&offset=5000")
    assert status == 200
    status, body = get_json(server.url + "/activity")
    assert status == 400 and "user" in body["error"]


def test_offset_pages_do_not_overlap(server, world):
    wallet = world.wallets[0]
    seen = []
    for offset in (0, 200, 400):
        _, rows = get_json(server.url + f"/activity?user={wallet}&type=TRADE&limit=200"
                           f"&offset={offset}")
        seen += [(r["transactionHash"], r["asset"], r["size"]) for r in rows]
    assert len(seen) == len(set(seen)) == 600


def test_trades_taker_only_by_default(server, world):
    wallet = world.wallets[3]
    _, taker = get_json(server.url + f"/trades?user={wallet}&limit=10000")
    _, every = get_json(server.url + f"/trades?user={wallet}&takerOnly=false&limit=10000")
    exchanges = set(world.meta["exchanges"].values())
    fills = own_fills(world, wallet)
    assert len(every) == len(fills)
    assert len(taker) == sum(r["taker"] in exchanges for r in fills) < len(every)
    assert all("type" not in r for r in taker)
