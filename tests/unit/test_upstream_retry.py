import asyncio
import random

import pytest

from polyrank.upstream.limiter import RateLimiter
from polyrank.upstream.retry import FailureStreak, RetryPolicy, backoff_delay, is_transient_status


def test_backoff_doubles_from_two_seconds_with_bounded_jitter():
    policy = RetryPolicy()
    rng = random.Random(1)
    for retry, base in ((1, 2.0), (2, 4.0), (3, 8.0)):
        delay = backoff_delay(policy, retry, None, rng)
        assert base <= delay < base + policy.jitter_s


def test_retry_after_is_honoured_and_capped():
    policy = RetryPolicy(jitter_s=0.0, max_delay_s=60)
    assert backoff_delay(policy, 1, 17.0, random.Random(0)) == 17.0
    assert backoff_delay(policy, 3, 1.0, random.Random(0)) == 8.0
    assert backoff_delay(policy, 1, 999.0, random.Random(0)) == 60


def test_transient_statuses():
    for status in (429, 502, 503, 504, 522):
        assert is_transient_status(status)
    for status in (400, 401, 404, 414):
        assert not is_transient_status(status)


def test_failure_streak_pauses_after_five_in_a_row():
    streak = FailureStreak(RetryPolicy(pause_after_failures=5, pause_s=30))
    assert [streak.failure() for _ in range(4)] == [0, 0, 0, 0]
    streak.success()
    assert [streak.failure() for _ in range(5)] == [0, 0, 0, 0, 30]
    assert streak.pauses == 1 and streak.failure() == 0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiter_keeps_every_window_under_the_limit_across_workers():
    clock = FakeClock()
    limiter = RateLimiter(5, 10.0, margin_s=0.0, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []

    async def worker():
        for _ in range(6):
            await limiter.acquire()
            stamps.append(clock.now)

    async def main():
        await asyncio.gather(*(worker() for _ in range(3)))

    asyncio.run(main())
    assert len(stamps) == 18
    for t in stamps:  # any window [t, t+10) holds at most 5 requests
        assert sum(1 for s in stamps if t <= s < t + 10.0) <= 5
    assert stamps[-1] == pytest.approx(30.0)  # 18 requests at 5/10 s: the 16th..18th at 30 s


def test_limiter_block_for_holds_everyone():
    clock = FakeClock()
    limiter = RateLimiter(100, 10.0, clock=clock, sleep=clock.sleep)
    limiter.block_for(7.5)
    asyncio.run(limiter.acquire())
    assert clock.now == pytest.approx(7.5) and limiter.waited_s == pytest.approx(7.5)


def test_limiter_lowers_its_limit_when_the_host_says_slow_down_then_gives_it_back():
    """A 429 (block_for) cuts the limit in force by a fifth, once per window however many
    answers of a burst say so; each window without one gives back a request, up to the
    limit given."""
    clock = FakeClock()
    limiter = RateLimiter(30, 1.0, margin_s=0.0, clock=clock, sleep=clock.sleep)
    for _ in range(5):  # one burst's answers
        limiter.block_for(0.5)
    assert limiter.requests == 24 and limiter.limit == 30
    clock.now += 0.5
    limiter.block_for(0.5)  # the same window: no second cut
    assert limiter.requests == 24
    clock.now += 0.6
    limiter.block_for(0.0)  # a window later: cut again
    assert limiter.requests == 19
    stamps: list[float] = []

    async def burst(n: int) -> None:
        for _ in range(n):
            await limiter.acquire()
            stamps.append(clock.now)

    asyncio.run(burst(19))
    assert len(stamps) == 19 and stamps[-1] == stamps[0]  # 19 fit in the window at once
    asyncio.run(burst(1))
    assert stamps[-1] >= stamps[0] + 1.0  # the 20th waits for the window
    for _ in range(20):
        clock.now += 1.0
        asyncio.run(limiter.acquire())
    assert limiter.requests == 30  # back to the limit given, no further
    limiter.block_for(0.0)
    assert limiter.requests == 24
