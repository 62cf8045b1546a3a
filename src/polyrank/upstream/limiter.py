"""A client-side rate limiter per upstream host, shared by all workers, so that together they
stay under the host's limit instead of bouncing off it. The clock and sleep are injectable."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """At most `requests` acquisitions in any sliding `per_s`-second window.

    `margin_s` widens the window a little: requests are received later than they are sent,
    by a varying latency, so a server counting on arrival could otherwise see one too many.

    A host that answers "slow down" (429, `block_for`) has a lower limit than the one given:
    the limiter then holds every worker for the wait asked, and lowers its own limit by a
    fifth (at most once per window, never below 1), so that the workers stop bouncing off
    the host; each window after that without one gives back one request, up to the limit
    given (additive increase, multiplicative decrease)."""

    def __init__(self, requests: int, per_s: float, *, margin_s: float = 0.25,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if requests < 1 or per_s <= 0:
            raise ValueError("a rate limit needs requests >= 1 and per_s > 0")
        self.requests, self.window = requests, per_s + margin_s
        self.limit = requests  # the limit given; `requests` is the one in force
        self.clock, self.sleep = clock, sleep
        # when the host last said "slow down", and when `requests` last went down, and up
        self._slowed_at = self._cut_at = self._raised_at = float("-inf")
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self.clock()
                if (self.requests < self.limit
                        and now - max(self._slowed_at, self._raised_at) >= self.window):
                    self.requests += 1
                    self._raised_at = now
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                wait = self._blocked_until - now
                if wait <= 0 and len(self._sent) < self.requests:
                    self._sent.append(now)
                    return
                if wait <= 0:
                    wait = self._sent[0] + self.window - now
                self.waited_s += wait
                await self.sleep(wait)

    def block_for(self, seconds: float) -> None:
        """The host said "slow down" (429 Retry-After): hold every worker for that long, and
        lower the limit in force (once per window: the other answers of the same burst say
        the same)."""
        now = self.clock()
        self._blocked_until = max(self._blocked_until, now + seconds)
        self._slowed_at = now
        if now - self._cut_at >= self.window:
            self.requests = max(1, self.requests * 4 // 5)
            self._cut_at = now


class Unlimited:
    """The limiter for hosts without a configured limit."""

    waited_s = 0.0

    async def acquire(self) -> None:
        return None

    def block_for(self, seconds: float) -> None:
        return None
