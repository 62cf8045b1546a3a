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
    by a varying latency, so a server counting on arrival could otherwise see one too many."""

    def __init__(self, requests: int, per_s: float, *, margin_s: float = 0.25,
                 clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        if requests < 1 or per_s <= 0:
            raise ValueError("a rate limit needs requests >= 1 and per_s > 0")
        self.requests, self.window = requests, per_s + margin_s
        self.clock, self.sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = asyncio.Lock()
        self.waited_s = 0.0

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self.clock()
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
        """The host said "slow down" (429 Retry-After): hold every worker for that long."""
        self._blocked_until = max(self._blocked_until, self.clock() + seconds)


class Unlimited:
    """The limiter for hosts without a configured limit."""

    waited_s = 0.0

    async def acquire(self) -> None:
        return None

    def block_for(self, seconds: float) -> None:
        return None
