"""The only module that sends HTTP requests upstream: rate limited per host, retried with
backoff on transient failures, classified into the errors.py tree."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp

from polyrank.errors import (
    PermanentUpstreamError,
    RangeTooLarge,
    TransientUpstreamError,
    UpstreamError,
)
from polyrank.upstream.limiter import RateLimiter, Sleep, Unlimited
from polyrank.upstream.retry import FailureStreak, RetryPolicy, backoff_delay, is_transient_status

log = logging.getLogger(__name__)

# GraphQL error messages that mean "try again later", not "your query is wrong"
TRANSIENT_GRAPHQL = ("query timed out", "timeout", "too many requests", "service unavailable",
                     "bad indexers", "indexer", "upstream")

Params = Mapping[str, Any] | Sequence[tuple[str, Any]]
#: Classifies a parsed JSON answer: returns what the caller gets, or raises (a
#: TransientUpstreamError is retried like a 5xx; any other UpstreamError is raised as is).
Check = Callable[[Any], Any]


class RequestTally(Protocol):
    requests: int


_tally: ContextVar[RequestTally | None] = ContextVar("polyrank_request_tally", default=None)


@contextmanager
def count_requests(tally: RequestTally) -> Iterator[RequestTally]:
    """Count every request (retries included) that this task sends while inside, on `tally`
    as well as on the Http's stats: an ingest worker's own requests. Tasks started inside
    inherit it."""
    token = _tally.set(tally)
    try:
        yield tally
    finally:
        _tally.reset(token)


@dataclass
class HttpStats:
    requests: int = 0
    ok: int = 0
    retries: int = 0
    pauses: int = 0
    failures: Counter = field(default_factory=Counter)  # kind -> count

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "ok": self.ok, "retries": self.retries,
                "pauses": self.pauses, "failures": dict(self.failures)}


class Http:
    """Shared by all workers of a run. Each worker passes its own FailureStreak."""

    def __init__(self, session: aiohttp.ClientSession, *, policy: RetryPolicy,
                 limiters: Mapping[str, RateLimiter] | None = None, timeout_s: float = 30.0,
                 sleep: Sleep = asyncio.sleep, rng: random.Random | None = None) -> None:
        self.session, self.policy = session, policy
        self.limiters = dict(limiters or {})
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.stats = HttpStats()
        self._round_trip: dict[str, float] = {}  # host -> recent answers' seconds (EWMA)

    def round_trip(self, url: str) -> float | None:
        """How long the host's recent answers took (a moving average; no limiter wait, no
        backoff), or None before its first."""
        return self._round_trip.get(urlsplit(url).netloc)

    def _timed(self, url: str, seconds: float) -> None:
        host = urlsplit(url).netloc
        last = self._round_trip.get(host)
        self._round_trip[host] = seconds if last is None else 0.8 * last + 0.2 * seconds

    def limiter_for(self, url: str) -> RateLimiter | Unlimited:
        return self.limiters.get(urlsplit(url).netloc) or Unlimited()

    async def get_json(self, url: str, params: Params | None = None, *,
                       streak: FailureStreak | None = None, exact: bool = False) -> Any:
        """GET a JSON body. `exact`: JSON numbers with a fraction become `Decimal`, never
        float (the Data API sends share and USDC amounts as JSON numbers)."""
        return await self._with_retries("GET", url, params=params, payload=None, streak=streak,
                                        exact=exact)

    async def graphql(self, url: str, query: str, variables: Mapping[str, Any] | None = None,
                      *, streak: FailureStreak | None = None) -> dict[str, Any]:
        payload = {"query": query, "variables": dict(variables or {})}
        body = await self._with_retries("POST", url, params=None, payload=payload,
                                        streak=streak, graphql=True)
        return body["data"]

    async def post_json(self, url: str, payload: Any, *, streak: FailureStreak | None = None,
                        check: Check | None = None) -> Any:
        """POST a JSON body, read a JSON answer (JSON-RPC, upstream/chain/rpc.py). Protocols
        that report errors in a 200 body say which are worth retrying through `check`."""
        return await self._with_retries("POST", url, params=None, payload=payload,
                                        streak=streak, check=check)

    async def _with_retries(self, method: str, url: str, *, params: Params | None,
                            payload: Any, streak: FailureStreak | None,
                            graphql: bool = False, exact: bool = False,
                            check: Check | None = None) -> Any:
        streak = streak or FailureStreak(self.policy)
        limiter = self.limiter_for(url)
        loop = asyncio.get_running_loop()
        last: UpstreamError | None = None
        for attempt in range(self.policy.retries + 1):
            await limiter.acquire()
            self.stats.requests += 1
            if (tally := _tally.get()) is not None:
                tally.requests += 1
            try:
                sent = loop.time()
                body = await self._once(method, url, params, payload)
                self._timed(url, loop.time() - sent)
                result = _decode(body, url, graphql, exact, check)
            except TransientUpstreamError as exc:
                last = exc
                self.stats.failures[_kind(exc)] += 1
                if exc.status == 429:
                    limiter.block_for(exc.retry_after or 0.0)
                pause = streak.failure()
                if pause:
                    self.stats.pauses += 1
                    log.warning("%d consecutive failures (the last: %s): pausing %.0f s",
                                self.policy.pause_after_failures, exc, pause)
                if attempt == self.policy.retries:
                    break
                self.stats.retries += 1
                delay = backoff_delay(self.policy, attempt + 1, exc.retry_after, self.rng)
                log.debug("retry %d of %s in %.1f s: %s", attempt + 1, url, delay, exc)
                await self.sleep(max(delay, pause))
                continue
            except UpstreamError as exc:  # permanent, or a `check`'s verdict (RangeTooLarge, ...)
                self.stats.failures[_kind(exc)] += 1
                raise
            streak.success()
            self.stats.ok += 1
            return result
        assert last is not None
        raise TransientUpstreamError(
            f"{last} (gave up after {self.policy.retries + 1} attempts)", url=url,
            status=last.status, retry_after=last.retry_after) from last

    async def _once(self, method: str, url: str, params: Params | None, payload: Any) -> bytes:
        try:
            async with self.session.request(method, url, params=params, json=payload,
                                            timeout=self.timeout) as resp:
                body = await resp.read()
                if resp.status == 200:
                    return body
                text = body[:200].decode("utf-8", "replace").strip()
                if is_transient_status(resp.status):
                    raise TransientUpstreamError(
                        f"HTTP {resp.status} from {url}", url=url, status=resp.status,
                        retry_after=_retry_after(resp.headers.get("Retry-After")))
                raise PermanentUpstreamError(f"HTTP {resp.status} from {url}: {text}",
                                             url=url, status=resp.status)
        except (TimeoutError, aiohttp.ClientPayloadError, aiohttp.ClientConnectionError,
                aiohttp.ClientResponseError) as exc:
            name = type(exc).__name__
            raise TransientUpstreamError(f"{name} from {url}: {exc}", url=url) from exc


def _decode(body: bytes, url: str, graphql: bool, exact: bool = False,
            check: Check | None = None) -> Any:
    try:
        parsed = json.loads(body, parse_float=Decimal) if exact else json.loads(body)
    except ValueError:
        head = body[:80].decode("utf-8", "replace")
        raise TransientUpstreamError(f"malformed JSON from {url}: {head!r}", url=url) from None
    if check is not None:
        return check(parsed)
    if not graphql:
        if isinstance(parsed, dict) and "error" in parsed and len(parsed) == 1:
            raise PermanentUpstreamError(f"{url}: {parsed['error']}", url=url)
        return parsed
    if not isinstance(parsed, dict):
        raise TransientUpstreamError(f"GraphQL answer from {url} is not an object", url=url)
    errors = parsed.get("errors")
    if errors:
        messages = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e)
                             for e in errors)
        if any(word in messages.lower() for word in TRANSIENT_GRAPHQL):
            raise TransientUpstreamError(f"GraphQL: {messages}", url=url)
        raise PermanentUpstreamError(f"GraphQL: {messages}", url=url)
    if not isinstance(parsed.get("data"), dict):
        raise TransientUpstreamError(f"GraphQL answer from {url} has no data", url=url)
    return parsed


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _kind(exc: UpstreamError) -> str:
    if isinstance(exc, RangeTooLarge):
        return "range_too_large"
    if exc.status:
        return f"http_{exc.status}"
    text = str(exc).lower()
    for kind in ("timed out", "malformed", "payload", "disconnected", "connect", "timeout"):
        if kind in text:
            return kind.replace(" ", "_")
    return "permanent" if isinstance(exc, PermanentUpstreamError) else "other"
