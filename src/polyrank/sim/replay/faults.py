"""Fault injection for the replay server: rate limits and the failures seen in the wild.

Every decision comes from `fault_seed` and the request's sequence number, so a run that sends
the same requests in the same order meets the same faults. Kinds are drawn independently in a
fixed order (drop, 5xx, timeout, malformed, truncated): the first that fires wins, so when
several are on, the later ones fire slightly less often than configured.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from polyrank.errors import ConfigError

FAULT_KINDS = ("rate_limited", "dropped", "http_5xx", "query_timeout", "malformed", "truncated")

CLOUDFLARE_522 = """<!DOCTYPE html>
<html lang="en-US">
<head><title>{host} | 522: Connection timed out</title></head>
<body>
<div id="cf-wrapper"><h1><span class="cf-error-type">Error</span>
<span class="cf-error-code">522</span></h1>
<h2 class="cf-subheadline">Connection timed out</h2>
<p>The initial connection between Cloudflare's network and the origin web server timed out.</p>
<p>Cloudflare Ray ID: <strong>{ray}</strong></p></div>
</body>
</html>
"""
GATEWAY_HTML = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""
MALFORMED_BODIES = (
    b'{"data": {"orderFilledEvents": [{"id": "0x',
    b"<html><body>upstream connect error or disconnect/reset before headers</body></html>",
    b'{"data": null, "errors": [}',
    b"\x00\x01\x02 not json",
    b"",
)


def _help(text: str) -> dict:
    return {"help": text}


@dataclass(frozen=True, kw_only=True)
class FaultConfig:
    """What the replay server does wrong, on purpose. All defaults are off."""

    fault_seed: int = field(default=0, metadata=_help(
        "Seed for every fault decision: the same seed and request order give the same faults."))
    rate_limit: int = field(default=0, metadata=_help(
        "Allow at most N requests per client per --rate-window seconds, then answer HTTP 429 "
        "with a Retry-After header (0 = no limit). Rejected requests do not count."))
    rate_window_s: float = field(default=10.0, metadata=_help(
        "Length in seconds of the sliding rate-limit window."))
    error_rate: float = field(default=0.0, metadata=_help(
        "Probability of answering 502, 503 or 522 (a Cloudflare-like HTML page) instead of "
        "serving the request."))
    timeout_rate: float = field(default=0.0, metadata=_help(
        'Probability that a Goldsky request answers {"errors":[{"message":"Query timed out"}]} '
        'and a JSON-RPC request {"error":{"code":-32000,"message":"request timed out"}} '
        "(every call of a batch), with HTTP 200."))
    latency_ms: float = field(default=0.0, metadata=_help(
        "Delay added to every request, in milliseconds."))
    latency_jitter_ms: float = field(default=0.0, metadata=_help(
        "Extra uniform random delay of 0..N milliseconds per request (seeded)."))
    malformed_rate: float = field(default=0.0, metadata=_help(
        "Probability of HTTP 200 with a body that is not valid JSON."))
    truncate_rate: float = field(default=0.0, metadata=_help(
        "Probability of sending a Content-Length larger than the body actually sent, then "
        "closing the connection."))
    drop_rate: float = field(default=0.0, metadata=_help(
        "Probability of closing the connection without any response."))

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate", "malformed_rate", "truncate_rate",
                     "drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"fault option {name} must be within [0, 1], got {value}")
        for name in ("rate_limit", "latency_ms", "latency_jitter_ms"):
            if getattr(self, name) < 0:
                raise ConfigError(f"fault option {name} must be >= 0")
        if self.rate_window_s <= 0:
            raise ConfigError("fault option rate_window_s must be > 0")

    @property
    def any_enabled(self) -> bool:
        return bool(self.rate_limit or self.error_rate or self.timeout_rate or self.latency_ms
                    or self.latency_jitter_ms or self.malformed_rate or self.truncate_rate
                    or self.drop_rate)


def fault_help() -> dict[str, str]:
    """Field name -> help text, for the CLI's --help."""
    return {f.name: f.metadata.get("help", "") for f in fields(FaultConfig)}


@dataclass(frozen=True)
class FaultPlan:
    """What to do with one request."""

    delay_s: float = 0.0
    kind: str | None = None  # one of FAULT_KINDS (not rate_limited), or None
    status: int | None = None  # for http_5xx
    variant: int = 0  # which malformed body / how much to truncate


def plan_fault(config: FaultConfig, seq: int, *, goldsky: bool, rpc: bool = False) -> FaultPlan:
    """The fault plan of the `seq`-th request (pure: depends only on config and seq). Only
    Goldsky and JSON-RPC requests time out."""
    if not config.any_enabled:
        return FaultPlan()
    rng = random.Random(f"{config.fault_seed}:{seq}")
    delay = config.latency_ms / 1000.0 + rng.random() * config.latency_jitter_ms / 1000.0
    draws = [rng.random() for _ in range(6)]
    variant = int(draws[5] * 1_000_000)
    if draws[0] < config.drop_rate:
        return FaultPlan(delay, "dropped")
    if draws[1] < config.error_rate:
        return FaultPlan(delay, "http_5xx", status=(502, 503, 522)[variant % 3])
    if (goldsky or rpc) and draws[2] < config.timeout_rate:
        return FaultPlan(delay, "query_timeout")
    if draws[3] < config.malformed_rate:
        return FaultPlan(delay, "malformed", variant=variant)
    if draws[4] < config.truncate_rate:
        return FaultPlan(delay, "truncated", variant=variant)
    return FaultPlan(delay)


class RateLimiter:
    """Sliding-window limiter per client key, with an injectable clock (no sleeping)."""

    def __init__(self, limit: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str) -> float | None:
        """None if the request may pass (and is counted), else seconds until it may."""
        if self.limit <= 0:
            return None
        now = self.clock()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return None
        return max(hits[0] + self.window_s - now, 0.0)

    def reset(self) -> None:
        self._hits.clear()


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def gateway_body(status: int, host: str, seq: int) -> tuple[str, str]:
    """(content type, body) of a Cloudflare-style gateway failure page."""
    if status == 522:
        return "text/html", CLOUDFLARE_522.format(host=host, ray=f"{seq:016x}")
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}.get(status, "Error")
    return "text/html", GATEWAY_HTML.format(status=status, reason=reason)
