"""The replay's Goldsky subgraphs over real loopback sockets, read back with the same parsers
(`polyrank.upstream.records`) the product uses against the real hosts."""

from __future__ import annotations

import pytest

from polyrank.sim.replay import ReplayServer
from polyrank.upstream.records import decode_fill, parse_condition, parse_order_filled
from tests.replay_world import gql, http_get, v1_rows, write_world

FIELDS = ("id transactionHash timestamp orderHash maker taker makerAssetId takerAssetId "
          "makerAmountFilled takerAmountFilled fee")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # 5000 matches, 60% of them with wallet 0 as maker: it owns > 1000 V1 rows
    return write_world(tmp_path_factory.mktemp("gs"), n_wallets=8, n_matches=5000,
                       distinct_timestamps=300, hot_wallet_share=0.6)


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world.path) as srv:
        yield srv


@pytest.fixture(scope="module")
def url(server):
    return server.subgraph_url("orderbook-subgraph")


def fills_of(world, wallet):
    return sorted((r for r in v1_rows(world) if r["maker"] == wallet), key=lambda r: r["id"])


def test_first_and_skip_limits_answer_the_real_error_texts(url):
    body = gql(url, "{ orderFilledEvents(first: 2000) { id } }")
    assert body == {"errors": [{"message":
                    "The `first` argument must be between 0 and 1000, but is 2000"}]}
    body = gql(url, "{ orderFilledEvents(skip: 6000) { id } }")
    assert body["errors"][0]["message"] == (
        "The `skip` argument must be between 0 and 5000, but is 6000")
    assert "data" not in body
    assert "but is 0" in gql(url, "{ orderFilledEvents(first: 0) { id } }")["errors"][0][
        "message"]


def test_default_first_is_100_and_rows_parse(url, world):
    rows = gql(url, f"{{ orderFilledEvents {{ {FIELDS} }} }}")["data"]["orderFilledEvents"]
    assert len(rows) == 100
    assert all(isinstance(r[k], str) for r in rows for k in r)  # BigInt/Bytes as strings
    fills = [parse_order_filled(r) for r in rows]
    assert [f.id for f in fills] == sorted(r["id"] for r in v1_rows(world))[:100]


def test_id_cursor_paging_returns_each_fill_exactly_once(url, world):
    wallet = world.wallets[0]
    query = f"""query($w: String!, $after: ID!) {{
      orderFilledEvents(first: 1000, orderBy: id, orderDirection: asc,
                        where: {{maker: $w, id_gt: $after}}) {{ {FIELDS} }} }}"""
    got, after, pages = [], "", 0
    while True:
        page = gql(url, query, {"w": wallet, "after": after})["data"]["orderFilledEvents"]
        pages += 1
        got += page
        if len(page) < 1000:
            break
        after = page[-1]["id"]
    expected = fills_of(world, wallet)
    assert len(expected) > 1000 and pages == 2
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    trades = [decode_fill(parse_order_filled(r), wallet) for r in got]
    assert {t.side for t in trades} == {"BUY", "SELL"}


def test_maker_in_batches_many_wallets(url, world):
    wallets = world.wallets[1:6]
    body = gql(url, """query($ws: [String!]) { orderFilledEvents(first: 1000, orderBy: id,
               where: {maker_in: $ws}) { id maker } }""", {"ws": wallets})
    rows = body["data"]["orderFilledEvents"]
    expected = sorted((r["id"], r["maker"]) for r in v1_rows(world) if r["maker"] in wallets)
    assert [(r["id"], r["maker"]) for r in rows] == expected[:1000]


def test_sticky_timestamp_cursor_with_desc_order(url, world):
    """Newest first by timestamp, continuing within a timestamp by id: nothing lost."""
    wallet = world.wallets[0]
    q = """query($w: String!, $ts: BigInt!, $id: ID!) {
      same: orderFilledEvents(first: 1000, orderBy: id, orderDirection: desc,
                              where: {maker: $w, timestamp: $ts, id_lt: $id}) { id timestamp }
      older: orderFilledEvents(first: 250, orderBy: timestamp, orderDirection: desc,
                               where: {maker: $w, timestamp_lt: $ts}) { id timestamp } }"""
    first = gql(url, """query($w: String!) { orderFilledEvents(first: 250, orderBy: timestamp,
                orderDirection: desc, where: {maker: $w}) { id timestamp } }""",
                {"w": wallet})["data"]["orderFilledEvents"]
    got = list(first)
    while True:
        last = got[-1]
        page = gql(url, q, {"w": wallet, "ts": last["timestamp"], "id": last["id"]})["data"]
        got += page["same"] + page["older"]
        if not page["same"] and not page["older"]:
            break
    expected = sorted(fills_of(world, wallet), key=lambda r: (r["timestamp"], r["id"]),
                      reverse=True)
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    stamps = [int(r["timestamp"]) for r in got]
    assert len(set(stamps)) < len(stamps)  # the world really has shared timestamps


def test_timestamp_window_filters(url, world):
    rows = v1_rows(world)
    lo, hi = sorted(r["timestamp"] for r in rows)[len(rows) // 4], 1775000000
    body = gql(url, """query($lo: BigInt!, $hi: BigInt!) { orderFilledEvents(first: 1000,
               where: {timestamp_gte: $lo, timestamp_lt: $hi}) { id } }""",
               {"lo": str(lo), "hi": hi})
    expected = sorted(r["id"] for r in rows if lo <= r["timestamp"] < hi)
    assert [r["id"] for r in body["data"]["orderFilledEvents"]] == expected[:1000]


def test_v2_fills_are_not_served(url, world):
    v2 = [r for r in world.fills.to_pylist() if r["version"] == 2]
    assert v2
    body = gql(url, """query($ids: [ID!]) { orderFilledEvents(where: {id_in: $ids}) { id } }""",
               {"ids": [r["id"] for r in v2[:50]]})
    assert body == {"data": {"orderFilledEvents": []}}
    one = gql(url, "query($id: ID!) { orderFilledEvent(id: $id) { id } }", {"id": v2[0]["id"]})
    assert one == {"data": {"orderFilledEvent": None}}


def test_aliases_fragments_typename_and_operation_name(url, world):
    w0, w1 = world.wallets[:2]
    doc = """
    query Other { _meta { block { number } } }
    query Two($a: String!, $b: String!) {
      a: orderFilledEvents(first: 2, where: {maker: $a}) { ...F }
      b: orderFilledEvents(first: 2, where: {maker: $b}) { __typename ... on OrderFilledEvent {
         m: maker } fee @skip(if: true) }
    }
    fragment F on OrderFilledEvent { id maker }"""
    body = gql(url, doc, {"a": w0, "b": w1}, operationName="Two")["data"]
    assert [r["maker"] for r in body["a"]] == [w0, w0]
    assert body["b"] == [{"__typename": "OrderFilledEvent", "m": w1}] * 2
    assert gql(url, doc, {"a": w0, "b": w1})["errors"][0]["message"] == "Operation name required"


def test_validation_errors(url):
    for doc in ("{ orderFilledEvents { nope } }",
                "{ orderFilledEvents(where: {wallet: \"x\"}) { id } }",
                "{ orderFilledEvents(orderBy: price) { id } }",
                "{ orderFilledEvents( { id }"):
        body = gql(url, doc)
        assert set(body) == {"errors"} and body["errors"][0]["message"]
    body = gql(url, "query($n: Int!) { orderFilledEvents(first: $n) { id } }", {})
    assert "n" in body["errors"][0]["message"]


def test_meta_and_market_datas(url, world):
    body = gql(url, """{ _meta { block { number timestamp hash } deployment hasIndexingErrors }
                        marketDatas(first: 1000) { id condition outcomeIndex } }""")["data"]
    assert body["_meta"]["block"]["timestamp"] == world.meta["as_of_ts"]
    assert isinstance(body["_meta"]["block"]["number"], int)
    assert body["_meta"]["hasIndexingErrors"] is False
    tokens = {t: (m["condition_id"], str(i)) for m in world.markets
              for i, t in enumerate(m["token_ids"])}
    assert {r["id"]: (r["condition"], r["outcomeIndex"]) for r in body["marketDatas"]} == tokens
    ids = [r["id"] for r in body["marketDatas"]]
    assert ids == sorted(ids)  # ID order is string order, not numeric
    head = body["_meta"]["block"]["number"]
    future = gql(url, "query($n: Int!) { _meta(block: {number: $n}) { deployment } }",
                 {"n": head + 10})
    assert "not yet available" in future["errors"][0]["message"]


def test_pnl_conditions(server, world):
    url = server.subgraph_url("pnl-subgraph")
    ids = [m["condition_id"] for m in world.markets]
    body = gql(url, """query($ids: [ID!]) { conditions(where: {id_in: $ids}) {
               id payoutNumerators payoutDenominator positionIds } }""", {"ids": ids})
    got = {c.condition_id: c for c in map(parse_condition, body["data"]["conditions"])}
    assert set(got) == set(ids)
    for m in world.markets:
        c = got[m["condition_id"]]
        if m["payout_numerators"] is None:
            assert c.payout_numerators == () and c.payout_denominator == 0
        else:
            assert list(c.payout_numerators) == m["payout_numerators"]
            assert c.payout_denominator == m["payout_denominator"]
        assert list(c.position_ids) == m["token_ids"]
    not_served = gql(url, "{ userPositions { id } }")
    assert "not served" in not_served["errors"][0]["message"]


def test_activity_redemptions(server, world):
    url = server.subgraph_url("activity-subgraph")
    body = gql(url, "{ redemptions(first: 1000) { id redeemer payout indexSets } }")
    assert len(body["data"]["redemptions"]) == len(
        {r["transaction_hash"] for r in world.activity.to_pylist()})


def test_unknown_subgraph_and_bad_body(server):
    status, _, _ = http_get(server.url + "/api/public/project_cl6mb8i9h0003e201j6li0diw/"
                            "subgraphs/nope/0.0.1/gn")
    assert status == 404
