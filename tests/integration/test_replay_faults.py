"""Fault injection seen by real clients on real sockets: 429 + Retry-After, seeded 5xx /
timeouts / garbage, truncated bodies and dropped connections, and the stats endpoint."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
import urllib.error
import urllib.request

import aiohttp
import pytest

from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.sim.replay.loader import load_world
from tests.replay_world import get_json, http_get, write_world

QUERY = json.dumps({"query": "{ orderFilledEvents(first: 5) { id maker } }"}).encode()


@pytest.fixture(scope="module")
def world_files(tmp_path_factory):
    world = write_world(tmp_path_factory.mktemp("faults"), n_matches=100)
    return load_world(world.path)


def outcome(url: str, data: bytes | None = None) -> str:
    """Classify what a plain urllib client sees."""
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
    except urllib.error.HTTPError as e:
        return f"http_{e.code}"
    except http.client.IncompleteRead:
        return "truncated"
    except (http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError):
        return "dropped"
    try:
        decoded = json.loads(body)
    except ValueError:
        return "malformed"
    if isinstance(decoded, dict) and decoded.get("errors"):
        return "timeout" if decoded["errors"][0]["message"] == "Query timed out" else "gql_error"
    return "ok"


def test_rate_limit_answers_429_with_retry_after(world_files):
    faults = FaultConfig(rate_limit=5, rate_window_s=30)
    with ReplayServer(world_files, faults=faults) as srv:
        statuses = [http_get(srv.url + "/tags")[0] for _ in range(5)]
        status, headers, _body = http_get(srv.url + "/tags")
        assert statuses == [200] * 5 and status == 429
        assert 1 <= int(headers["Retry-After"]) <= 30
        assert http_get(srv.url + "/tags", {"X-Replay-Client": "other"})[0] == 200
        for _ in range(20):  # the stats endpoint is never limited
            assert get_json(srv.url + "/_replay/stats")[0] == 200
        stats = srv.stats()
        assert stats["faults"] == {"rate_limited": 1}
        assert stats["by_status"] == {"200": 6, "429": 1}
        assert http_get(srv.url + "/_replay/reset")[0] == 200
        assert http_get(srv.url + "/tags")[0] == 200  # reset also clears the windows
        assert srv.stats()["requests"] == 1


def test_seeded_fault_rates_and_reproducibility(world_files):
    faults = FaultConfig(fault_seed=11, error_rate=0.15, timeout_rate=0.15, malformed_rate=0.1,
                         truncate_rate=0.1, drop_rate=0.05)
    with ReplayServer(world_files, faults=faults) as srv:
        gs = srv.subgraph_url("orderbook-subgraph")

        def run() -> list[str]:
            srv.reset()
            return [outcome(gs, QUERY) if i % 2 else outcome(srv.url + "/markets?limit=2")
                    for i in range(400)]

        first = run()
        stats = srv.stats()
        assert run() == first  # same seed, same order: same faults
    counts = {k: first.count(k) for k in set(first)}
    n5xx = sum(v for k, v in counts.items() if k in ("http_502", "http_503", "http_522"))
    assert 0.02 * 400 < counts.get("dropped", 0) < 0.09 * 400
    assert 0.08 * 400 < n5xx < 0.22 * 400
    assert 0.03 * 400 < counts.get("timeout", 0) < 0.15 * 400  # Goldsky half only
    assert counts.get("malformed", 0) > 0.04 * 400
    assert counts.get("truncated", 0) > 0.03 * 400
    assert counts.get("ok", 0) > 0.3 * 400
    assert stats["requests"] == 400
    assert stats["faults"]["http_5xx"] == n5xx
    assert stats["faults"]["query_timeout"] == counts["timeout"]
    assert stats["faults"]["malformed"] == counts["malformed"]
    assert stats["faults"]["truncated"] == counts["truncated"]
    assert stats["by_path"]["goldsky:orderbook-subgraph/0.0.1"] == 200
    assert stats["timing"]["rate_per_s"] > 0


def test_522_looks_like_cloudflare(world_files):
    with ReplayServer(world_files, faults=FaultConfig(fault_seed=2, error_rate=1.0)) as srv:
        seen = {}
        for _ in range(30):
            status, headers, body = http_get(srv.url + "/events")
            seen[status] = (headers, body)
        assert set(seen) == {502, 503, 522}
        headers, body = seen[522]
        assert headers["Content-Type"].startswith("text/html")
        assert b"522" in body and b"Cloudflare" in body


def test_truncated_and_dropped_are_errors_for_aiohttp(world_files):
    async def fetch(url: str) -> str:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(url) as resp:
                    await resp.json()
                    return "ok"
            except aiohttp.ClientPayloadError:
                return "payload_error"
            except aiohttp.ServerDisconnectedError:
                return "disconnected"

    with ReplayServer(world_files, faults=FaultConfig(truncate_rate=1.0)) as srv:
        assert asyncio.run(fetch(srv.url + "/markets?limit=5")) == "payload_error"
        assert outcome(srv.url + "/markets?limit=5") == "truncated"
        assert srv.stats()["faults"]["truncated"] == 2
    with ReplayServer(world_files, faults=FaultConfig(drop_rate=1.0)) as srv:
        assert asyncio.run(fetch(srv.url + "/events")) == "disconnected"
        assert outcome(srv.url + "/events") == "dropped"
        assert srv.stats()["by_status"].get("closed", 0) >= 2
    with ReplayServer(world_files, faults=FaultConfig(malformed_rate=1.0)) as srv:
        assert outcome(srv.url + "/tags") == "malformed"
        assert get_json(srv.url + "/_replay/stats")[0] == 200  # never faulted


def test_added_latency(world_files):
    with ReplayServer(world_files, faults=FaultConfig(latency_ms=80)) as srv:
        started = time.perf_counter()
        assert http_get(srv.url + "/tags")[0] == 200
        assert time.perf_counter() - started >= 0.08
        started = time.perf_counter()
        assert get_json(srv.url + "/_replay/info")[0] == 200
        assert time.perf_counter() - started < 0.08
