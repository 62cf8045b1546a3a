"""The HTTP client's failure handling against the replay server: what is retried, what is
not, and how long it waits (an injected sleep records the waits; nothing really sleeps
except where the server's own window must pass)."""

from __future__ import annotations

import asyncio
import contextlib
import random

import aiohttp
import pytest

from polyrank.errors import PermanentUpstreamError, TransientUpstreamError
from polyrank.sim.replay import FaultConfig, ReplayServer
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak, RetryPolicy
from tests.replay_world import write_world

QUERY = "query($w: String!) { orderFilledEvents(first: 2, where: {maker: $w}) { id maker } }"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("http"), n_wallets=4, n_matches=50)


def _run(server, policy, call, waits):
    async def fake_sleep(seconds):
        waits.append(seconds)

    async def main():
        async with aiohttp.ClientSession() as session:
            http = Http(session, policy=policy, sleep=fake_sleep, rng=random.Random(0))
            url = server.subgraph_url("orderbook-subgraph")
            try:
                return await call(http, url), http.stats
            except Exception as exc:
                return exc, http.stats

    return asyncio.run(main())


def test_a_validation_error_is_permanent_and_not_retried(tiny):
    waits: list[float] = []
    with ReplayServer(tiny.path) as server:
        result, stats = _run(server, RetryPolicy(), lambda http, url: http.graphql(
            url, "{ orderFilledEvents(first: 2000) { id } }"), waits)
        served = server.stats()["requests"]
    assert isinstance(result, PermanentUpstreamError)
    assert "must be between 0 and 1000, but is 2000" in str(result)
    assert served == 1 and stats.retries == 0 and waits == []


def test_transient_failures_are_retried_three_times_with_doubling_backoff(tiny):
    waits: list[float] = []
    with ReplayServer(tiny.path, faults=FaultConfig(error_rate=1.0)) as server:
        result, _stats = _run(server, RetryPolicy(jitter_s=0.0), lambda http, url: http.graphql(
            url, QUERY, {"w": tiny.wallets[0]}), waits)
        served = server.stats()["requests"]
    assert isinstance(result, TransientUpstreamError) and "gave up after 4 attempts" in str(result)
    assert served == 4 and waits == [2.0, 4.0, 8.0]


def test_query_timed_out_is_transient_and_a_later_success_counts(tiny):
    waits: list[float] = []
    faults = FaultConfig(timeout_rate=0.5, fault_seed=2)
    with ReplayServer(tiny.path, faults=faults) as server:
        async def many(http, url):
            return [await http.graphql(url, QUERY, {"w": w}) for w in tiny.wallets * 5]

        result, stats = _run(server, RetryPolicy(retries=8, jitter_s=0.0), many, waits)
        faults_seen = server.stats()["faults"]
    assert isinstance(result, list) and len(result) == 20
    assert faults_seen["query_timeout"] == stats.retries == len(waits) > 0


def test_retry_after_of_a_429_is_honoured(tiny):
    waits: list[float] = []
    faults = FaultConfig(rate_limit=2, rate_window_s=30)
    with ReplayServer(tiny.path, faults=faults) as server:
        async def three(http, url):
            for _ in range(3):
                await http.graphql(url, QUERY, {"w": tiny.wallets[0]})

        result, _ = _run(server, RetryPolicy(retries=1, jitter_s=0.0), three, waits)
    # the fake sleep returns at once, so the retry is refused again: what matters is the wait
    assert isinstance(result, TransientUpstreamError) and result.status == 429
    assert waits and waits[0] >= 20  # Retry-After (~30 s), not the 2 s backoff


def test_a_worker_pauses_after_five_consecutive_failures(tiny):
    waits: list[float] = []
    policy = RetryPolicy(retries=3, jitter_s=0.0, pause_after_failures=5, pause_s=30.0)
    with ReplayServer(tiny.path, faults=FaultConfig(drop_rate=1.0)) as server:
        async def two_requests(http, url):
            streak = FailureStreak(policy)
            for _ in range(2):
                with contextlib.suppress(TransientUpstreamError):
                    await http.graphql(url, QUERY, {"w": tiny.wallets[0]}, streak=streak)
            return streak

        streak, stats = _run(server, policy, two_requests, waits)
    # attempts 1-4 fail (waits 2, 4, 8), attempt 5 of the second request triggers the pause
    assert waits[:3] == [2.0, 4.0, 8.0] and 30.0 in waits
    assert streak.pauses == 1 and stats.pauses == 1
