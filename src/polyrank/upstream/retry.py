"""Retry policy: which failures to retry, how long to wait, when a worker pauses. Pure logic
plus a small stateful streak counter; the sleeping is injected, so tests never wait."""

from __future__ import annotations

import random
from dataclasses import dataclass

DEFAULT_RETRIES = 3
DEFAULT_BASE_DELAY_S = 2.0
DEFAULT_MAX_DELAY_S = 120.0
DEFAULT_JITTER_S = 1.0
DEFAULT_PAUSE_AFTER_FAILURES = 5
DEFAULT_PAUSE_S = 30.0

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    """Retries after the first attempt of a request (so 3 means up to 4 attempts)."""
    base_delay_s: float = DEFAULT_BASE_DELAY_S
    """First backoff; doubles each retry (2 s -> 4 s -> 8 s)."""
    max_delay_s: float = DEFAULT_MAX_DELAY_S
    """Cap on one wait, Retry-After included."""
    jitter_s: float = DEFAULT_JITTER_S
    """Uniform random extra wait in [0, jitter_s), so workers do not retry in lockstep."""
    pause_after_failures: int = DEFAULT_PAUSE_AFTER_FAILURES
    """Consecutive failed attempts after which a worker pauses."""
    pause_s: float = DEFAULT_PAUSE_S
    """How long that pause lasts."""


def backoff_delay(policy: RetryPolicy, retry: int, retry_after: float | None,
                  rng: random.Random) -> float:
    """Seconds to wait before retry number `retry` (1-based): exponential backoff plus jitter,
    and never less than the server's Retry-After."""
    delay = policy.base_delay_s * (2 ** (retry - 1)) + rng.uniform(0.0, policy.jitter_s)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, policy.max_delay_s)


def is_transient_status(status: int) -> bool:
    return status in TRANSIENT_STATUSES


class FailureStreak:
    """Counts one worker's consecutive failed attempts; says when it should pause."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.count = 0
        self.pauses = 0

    def success(self) -> None:
        self.count = 0

    def failure(self) -> float:
        """Record a failure; return the pause to take now (0 if none)."""
        self.count += 1
        if self.count >= self.policy.pause_after_failures:
            self.count = 0
            self.pauses += 1
            return self.policy.pause_s
        return 0.0
