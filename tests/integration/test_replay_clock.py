"""The replay's clock: with T set, every service shows the world as it stood at T."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from collections import Counter

import aiohttp
import pyarrow.compute as pc
import pytest

from polyrank.sim.replay import ReplayServer
from polyrank.sim.replay.clock import parse_time
from polyrank.sim.replay.loader import load_world
from polyrank.sim.world import WorldParams, generate_world
from polyrank.sim.world.categories import category_of
from polyrank.upstream.gamma import Gamma
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak, RetryPolicy
from tests.replay_world import get_json, gql, served_by_cli

T = parse_time("2026-04-10")
FILLS = """query($w: String!, $after: ID!) {
  orderFilledEvents(first: 1000, orderBy: id, where: {maker: $w, id_gt: $after}) {
    id timestamp } }"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("clock") / "world"
    generate_world(path, WorldParams(seed=11, wallets=120, markets=40, start="2026-01-01",
                                     end="2026-07-15"))
    return load_world(path)


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world, clock=T) as srv:
        yield srv


@pytest.fixture
def at_t(server):
    server.set_clock(T, 0)
    yield server
    server.set_clock(T, 0)


def post_clock(server, query: str) -> tuple[int, dict]:
    req = urllib.request.Request(server.url + "/_replay/clock?" + query, data=b"",
                                 method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def busy_v1_makers(world, n=3) -> list[str]:
    v1 = world.fills.filter(pc.equal(world.fills.column("version"), 1))
    early = v1.filter(pc.less_equal(v1.column("timestamp"), T))
    late = set(v1.filter(pc.greater(v1.column("timestamp"), T)).column("maker").to_pylist())
    counts = Counter(w for w in early.column("maker").to_pylist() if w in late)
    return [w for w, _ in counts.most_common(n)]


def subgraph_fills(server, wallet: str) -> list[dict]:
    url, out, after = server.subgraph_url("orderbook-subgraph"), [], ""
    while True:
        page = gql(url, FILLS, {"w": wallet, "after": after})["data"]["orderFilledEvents"]
        out += page
        if len(page) < 1000:
            return out
        after = page[-1]["id"]


def world_fills(world, wallet: str, until: int | None) -> set[str]:
    return {r["id"] for r in world.fills.to_pylist()
            if r["maker"] == wallet and r["version"] == 1
            and (until is None or r["timestamp"] <= until)}


def test_orderbook_fills_and_meta_at_t(at_t, world):
    wallets = busy_v1_makers(world)
    assert wallets
    for w in wallets:
        rows = subgraph_fills(at_t, w)
        assert {r["id"] for r in rows} == world_fills(world, w, T)
        assert all(int(r["timestamp"]) <= T for r in rows)
    meta = gql(at_t.subgraph_url("orderbook-subgraph"),
               "{ _meta { block { number timestamp } } }")["data"]["_meta"]["block"]
    assert meta["number"] <= world.chain.block_at(T) and int(meta["timestamp"]) <= T
    # a block argument beyond the clock's head is not yet indexed
    later = world.chain.block_at(T) + 1000
    body = gql(at_t.subgraph_url("orderbook-subgraph"),
               f"{{ orderFilledEvents(block: {{number: {later}}}) {{ id }} }}")
    assert "not yet available" in body["errors"][0]["message"]


def test_activity_subgraph_at_t(at_t, world):
    act = world.activity.to_pylist()
    url = at_t.subgraph_url("activity-subgraph")
    for root, kind in (("splits", "SPLIT"), ("merges", "MERGE"), ("redemptions", "REDEEM")):
        body = gql(url, f"{{ {root}(first: 1000) {{ id timestamp }} }}")
        got = {r["id"] for r in body["data"][root]}
        want = {r["transaction_hash"] for r in act if r["type"] == kind and r["timestamp"] <= T}
        assert got == want, root
        assert all(int(r["timestamp"]) <= T for r in body["data"][root])
    assert any(r["type"] in ("SPLIT", "MERGE", "REDEEM") and r["timestamp"] > T for r in act)


def test_data_api_at_t(at_t, world):
    for w in busy_v1_makers(world):
        rows = []
        for offset in range(0, 5001, 500):
            status, page = get_json(at_t.url + f"/activity?user={w}&limit=500&offset={offset}")
            assert status == 200
            rows += page
            if len(page) < 500:
                break
        trades = [r for r in rows if r["type"] == "TRADE"]
        want = sum(1 for r in world.fills.to_pylist() if r["maker"] == w and r["timestamp"] <= T)
        assert len(trades) == want
        assert all(r["timestamp"] <= T for r in rows)
        _, trades_rows = get_json(at_t.url + f"/trades?user={w}&limit=10000&takerOnly=false")
        assert len(trades_rows) == want
    _, every = get_json(at_t.url + "/trades?limit=100&takerOnly=false")
    assert every and max(r["timestamp"] for r in every) <= T


def test_gamma_and_pnl_at_t(at_t, world):
    _, markets = get_json(at_t.url + "/markets?limit=100&closed=true")
    _, open_markets = get_json(at_t.url + "/markets?limit=100&closed=false")
    shown = {m["id"]: m for m in markets + open_markets}
    started = {str(m["id"]): m for m in world.markets if m["start_ts"] <= T}
    assert set(shown) == set(started)
    assert len(started) < len(world.markets)  # some markets start after T
    late = [m for m in started.values() if m["closed"] and m["closed_ts"] > T]
    assert late
    for m in late:
        g = shown[str(m["id"])]
        assert g["closed"] is False and "closedTime" not in g and "umaResolutionStatus" not in g
        prices = json.loads(g["outcomePrices"])
        assert prices != [str(p) for p in m["outcome_prices"]] or 0 < float(prices[0]) < 1
    for m in started.values():
        if m["closed"] and m["closed_ts"] <= T:
            assert shown[str(m["id"])]["closed"] is True
    future = next(m for m in world.markets if m["start_ts"] > T)
    status, _ = get_json(at_t.url + f"/markets/{future['id']}")
    assert status == 404
    status, _ = get_json(at_t.url + f"/markets/slug/{future['slug']}")
    assert status == 404
    _, events = get_json(at_t.url + "/events?limit=100")
    assert {e["id"] for e in events} == {str(e["id"]) for e in world.events
                                         if e["start_ts"] <= T}
    for e in events:
        assert not e["closed"] or all(m["closed"] for m in e["markets"])
    # the pnl subgraph: payouts of conditions resolved after T are not yet reported
    url = at_t.subgraph_url("pnl-subgraph")
    ids = [m["condition_id"] for m in late]
    body = gql(url, "query($ids: [ID!]) { conditions(first: 1000, where: {id_in: $ids}) "
                    "{ id payoutNumerators payoutDenominator } }", {"ids": ids})
    for c in body["data"]["conditions"]:
        assert c["payoutNumerators"] == [] and c["payoutDenominator"] == "0"
    resolved = gql(url, "{ conditions(first: 1000, where: {payoutDenominator_gt: 0}) { id } }")
    want = {m["condition_id"] for m in world.markets if m["closed"] and m["closed_ts"] <= T}
    assert {c["id"] for c in resolved["data"]["conditions"]} == want


def test_advancing_the_clock_reveals_later_rows(at_t, world):
    status, body = get_json(at_t.url + "/_replay/clock")
    assert status == 200 and body == {"at": T, "speed": 0.0}
    w = busy_v1_makers(world, 1)[0]
    before = len(subgraph_fills(at_t, w))
    later = T + 60 * 86400
    assert post_clock(at_t, f"at={later}") == (200, {"at": later, "speed": 0.0})
    assert {r["id"] for r in subgraph_fills(at_t, w)} == world_fills(world, w, later)
    assert len(world_fills(world, w, later)) > before
    assert post_clock(at_t, "at=2026-04-10T00:00:00")[1]["at"] == T
    assert len(subgraph_fills(at_t, w)) == before
    assert post_clock(at_t, "at=yesterday")[0] == 400
    # no clock: the whole world, head at its as_of
    assert post_clock(at_t, "at=")[1]["at"] is None
    assert {r["id"] for r in subgraph_fills(at_t, w)} == world_fills(world, w, None)
    _, markets = get_json(at_t.url + "/markets?limit=100&closed=true")
    assert len(markets) == sum(1 for m in world.markets if m["closed"])
    meta = gql(at_t.subgraph_url("orderbook-subgraph"),
               "{ _meta { block { number } } }")["data"]["_meta"]["block"]
    assert meta["number"] == world.chain.head_block


def test_control_endpoint_is_not_counted_nor_rate_limited(at_t):
    at_t.reset()
    for _ in range(5):
        get_json(at_t.url + "/_replay/clock")
    assert at_t.stats()["requests"] == 0


def test_speed_advances_t(at_t):
    status, body = post_clock(at_t, f"at={T}&speed=86400")
    assert status == 200 and body["speed"] == 86400
    time.sleep(0.3)
    _, now = get_json(at_t.url + "/_replay/clock")
    assert now["at"] > T + 3600
    _, frozen = post_clock(at_t, "speed=0")  # a new rate from the current T
    assert frozen["speed"] == 0 and frozen["at"] >= now["at"]
    time.sleep(0.05)
    assert get_json(at_t.url + "/_replay/clock")[1] == frozen
    assert post_clock(at_t, "speed=-1")[0] == 400


def test_cli_serve_with_clock_and_speed(world, tmp_path):
    with served_by_cli(world.path, tmp_path / "port", "--clock", "2026-04-10",
                       "--speed", "2") as base:
        status, body = get_json(base + "/_replay/clock")
        assert status == 200 and body["speed"] == 2 and T <= body["at"] < T + 120
    bad = subprocess.run([sys.executable, "-m", "polyrank.sim", "replay", "serve",
                          str(world.path), "--clock", "soon"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--clock" in bad.stderr


def gamma_events(server) -> dict[str, object]:
    """Every event Gamma shows, open and closed, read by polyrank's own client."""
    async def main():
        async with aiohttp.ClientSession() as session:
            policy = RetryPolicy(retries=2, base_delay_s=0.01, max_delay_s=0.05, jitter_s=0,
                                 pause_s=0.01)
            gamma = Gamma(Http(session, policy=policy), server.url)
            out = {}
            for closed in (False, True):
                async for page in gamma.events(closed=closed, streak=FailureStreak(policy)):
                    out.update((e.id, e) for e in page)
            return out

    return asyncio.run(main())


def test_a_retagged_event_shows_its_former_tags_before_retag_ts(at_t, world):
    retagged = [e for e in world.events if e.get("retag_ts") is not None]
    assert retagged, "the world re-tags at least one event"
    e = retagged[0]
    before = {t["slug"] for t in e["tags_before"]}
    after = {t["slug"] for t in e["tags"]}
    assert category_of(before) != category_of(after) == e["category"]
    market = next(m for m in world.markets if m["event_id"] == e["id"])
    tag_id = next(t["id"] for t in e["tags"] if t["slug"] not in before)  # a new tag
    for t, slugs in ((e["retag_ts"] - 1, before), (e["retag_ts"], after), (None, after)):
        at_t.set_clock(t, 0)
        event = gamma_events(at_t)[str(e["id"])]
        assert {tag.slug for tag in event.tags} == slugs, t
        # the event's markets follow its tags in Gamma's tag filter
        _, rows = get_json(at_t.url + f"/markets?tag_id={tag_id}&limit=100&closed="
                           + ("true" if market["closed"] and t is None else "false"))
        assert (str(market["id"]) in {r["id"] for r in rows}) == (slugs is after), t
    # events never re-tagged keep their tags at any time
    at_t.set_clock(e["retag_ts"] - 1, 0)
    shown = gamma_events(at_t)
    for other in world.events:
        if other.get("retag_ts") is None and str(other["id"]) in shown:
            assert [t.slug for t in shown[str(other["id"])].tags] == [
                t["slug"] for t in other["tags"]]


def test_an_old_world_without_retag_columns_is_served_with_its_tags():
    from polyrank.sim.replay.gamma import Catalogue
    event = {"id": "1", "slug": "e", "title": "E", "neg_risk": False, "closed": False,
             "start_ts": 100, "end_ts": 300,
             "tags": [{"id": "4", "label": "Politics", "slug": "politics"}]}
    catalogue = Catalogue([event], [])
    for t in (None, 150, 400):
        assert catalogue.at(t).event_by_id["1"]["tags"] == event["tags"]
