"""The replay's Gamma API over real sockets: shapes as in tests/fixtures/gamma, list semantics,
and the limits. Responses are read back with `parse_gamma_market` / `parse_gamma_event`."""

from __future__ import annotations

import json
import re

import pytest

from polyrank.sim.replay import ReplayServer
from polyrank.upstream.records import parse_gamma_event, parse_gamma_market
from tests.conftest import FIXTURES
from tests.replay_world import get_json, http_get, write_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("gamma"), n_events=60, markets_per_event=3,
                       n_matches=50)


@pytest.fixture(scope="module")
def server(world):
    with ReplayServer(world.path) as srv:
        yield srv


def test_market_shape_matches_the_real_capture(server, world):
    real = json.loads((FIXTURES / "gamma/market_closed_binary_resolved.json").read_text())
    status, rows = get_json(server.url + "/markets?closed=true&limit=1")
    assert status == 200
    ours = rows[0]
    for key in ("id", "question", "conditionId", "slug", "endDate", "outcomes", "outcomePrices",
                "clobTokenIds", "active", "closed", "archived", "closedTime", "questionID",
                "umaResolutionStatus", "negRisk"):
        assert key in ours, key
        assert type(ours[key]) is type(real[key]), key
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00", ours["closedTime"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ours["endDate"])
    assert json.loads(ours["outcomes"]) == ["Yes", "No"]
    assert isinstance(ours["volume"], str) and ours["id"].isdigit()
    assert ours["events"][0]["id"] == world.markets[0]["event_id"]
    parsed = parse_gamma_market(ours)
    assert parsed.resolved and parsed.token_ids == tuple(world.markets[0]["token_ids"])


def test_unresolved_markets_have_no_uma_status(server):
    _, rows = get_json(server.url + "/markets?closed=false&limit=100")
    assert rows and all("umaResolutionStatus" not in r and "closedTime" not in r for r in rows)
    assert all(not parse_gamma_market(r).resolved for r in rows)


def test_markets_hide_closed_unless_closed_is_given(server, world):
    _, default = get_json(server.url + "/markets?limit=100")
    _, closed = get_json(server.url + "/markets?closed=true&limit=100&offset=40")
    n_open = sum(not m["closed"] for m in world.markets)
    assert len(default) == n_open and not any(r["closed"] for r in default)
    assert len(closed) == len(world.markets) - n_open - 40 and all(r["closed"] for r in closed)


def test_events_have_no_implicit_closed_filter(server, world):
    _, events = get_json(server.url + "/events?limit=100")
    assert len(events) == len(world.events)
    assert {e["closed"] for e in events} == {True, False}
    parsed = [parse_gamma_event(e) for e in events]
    assert all(p.tags and p.markets for p in parsed)
    _, open_only = get_json(server.url + "/events?closed=false&limit=100")
    assert all(not e["closed"] for e in open_only) and len(open_only) < len(events)


def test_repeated_array_params(server, world):
    pick = world.markets[3:9]
    query = "&".join(f"condition_ids={m['condition_id']}" for m in pick)
    _, rows = get_json(server.url + f"/markets?closed=true&{query}")
    assert {r["conditionId"] for r in rows} == {m["condition_id"] for m in pick if m["closed"]}
    query = "&".join(f"clob_token_ids={m['token_ids'][1]}" for m in pick)
    _, rows = get_json(server.url + f"/markets?closed=false&{query}")
    assert {r["id"] for r in rows} == {m["id"] for m in pick if not m["closed"]}
    e2, e5 = world.events[2]["id"], world.events[5]["id"]
    _, rows = get_json(server.url + f"/events?id={e2}&id={e5}")
    assert [r["id"] for r in rows] == [world.events[2]["id"], world.events[5]["id"]]


def test_tag_filter_and_order(server, world):
    _, rows = get_json(server.url + "/events?tag_id=21&limit=100")
    expected = {e["id"] for e in world.events if any(t["id"] == "21" for t in e["tags"])}
    assert {r["id"] for r in rows} == expected
    _, rows = get_json(server.url + "/markets?closed=true&order=id&ascending=false&limit=5")
    ids = [int(r["id"]) for r in rows]
    assert ids == sorted(ids, reverse=True)


def test_limit_is_capped_and_offset_pages(server, world):
    _, rows = get_json(server.url + "/markets?closed=true&limit=500")
    assert len(rows) == 100  # cap: a short page is not the end
    _, page2 = get_json(server.url + "/markets?closed=true&limit=100&offset=100")
    n_closed = sum(m["closed"] for m in world.markets)
    assert len(page2) == n_closed - 100
    assert not {r["id"] for r in rows} & {r["id"] for r in page2}
    status, body = get_json(server.url + "/markets?offset=2001")
    assert status == 422 and "offset" in body["error"]


def test_single_objects_and_tags(server, world):
    m = world.markets[5]
    status, obj = get_json(server.url + f"/markets/{m['id']}")
    assert status == 200 and obj["conditionId"] == m["condition_id"]
    e = world.events[1]
    status, obj = get_json(server.url + f"/events/{e['id']}")
    assert status == 200 and parse_gamma_event(obj).neg_risk == e["neg_risk"]
    status, _ = get_json(server.url + "/markets/999999999")
    assert status == 404
    _, tags = get_json(server.url + "/tags")
    assert {"politics", "sports", "crypto"} <= {t["slug"] for t in tags}


def test_very_long_urls_answer_414(server, world):
    ids = "&".join(f"condition_ids=0x{i:064x}" for i in range(200))
    status, _, _ = http_get(server.url + "/markets?" + ids)
    assert status == 414
    status, _, _ = http_get(server.url + "/markets?" + ids[:6000])
    assert status == 200


def test_bad_parameters(server):
    status, body = get_json(server.url + "/markets?closed=maybe")
    assert status == 422 and "closed" in body["error"]
    status, _ = get_json(server.url + "/markets?order=colour")
    assert status == 422
