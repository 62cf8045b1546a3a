"""JSON-RPC 2.0 over the shared `Http` (so the same per-host limiter, retries with backoff,
failure streak and request counting apply to a Polygon node as to every other upstream).

    classify(error) -> UpstreamError     what a JSON-RPC error object means (pure)
    JsonRpc(http, url)                   call, batch, block_number, get_logs

Nodes answer errors with HTTP 200 and an `error` object, and every provider words its limits
its own way, so the classification reads the message: a refusal for the size of a getLogs
(block-range or result cap) is `RangeTooLarge`, never retried as is (the caller splits the
range, logs.py); rate limits and node hiccups are transient (retried; an HTTP 429's
Retry-After is honoured by Http, a "retry in 10s" in the message too); anything else is
permanent. A body that is not the answer asked for (not JSON, no result, another id) is
transient: proxies in front of nodes garble answers under load.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from polyrank.errors import (
    InvalidArgument,
    PermanentUpstreamError,
    RangeTooLarge,
    TransientUpstreamError,
    UpstreamDataError,
    UpstreamError,
)
from polyrank.upstream.chain.abi import ChainLog, parse_log, quantity
from polyrank.upstream.http import Http
from polyrank.upstream.retry import FailureStreak, backoff_delay

DEFAULT_BATCH_SIZE = 100

# --------------------------------------------------------------------------- classification

#: a getLogs refused for its size: block-range caps and result caps, as providers word them
_SIZE = re.compile("|".join((
    r"more than [\d,]+ (?:results|logs)",              # Infura, geth-likes
    r"\b(?:log|logs|response) (?:response )?size",     # Alchemy, 1RPC, "response size is too big"
    r"too many (?:logs|results|blocks)",
    r"exceeds? (?:the )?max(?:imum)? (?:results|logs)",  # Erigon
    r"range (?:is )?too (?:large|big|wide)",           # Ankr, BlockPI, many
    r"block range (?:limit )?exceed",                  # Chainstack, "block range exceeds 10000"
    r"max(?:imum)? (?:block )?range",                  # NodeReal, bor: "exceed maximum block range"
    r"limited to (?:a |an )?[\d,]+k? (?:blocks? )?range",  # QuickNode
    r"ranges? over [\d,]+ blocks",                     # dRPC
    r"up to an? [\d,]+k? block range",                 # Alchemy's free tier
    r"reduc\w* (?:your|the) (?:block )?range",         # Cloudflare: "consider reducing ..."
    r"block range (?:greater|larger|bigger) than",
    r"this block range",                               # "try with / should work: [0x.., 0x..]"
)))
#: rate limits: retried, with backoff
_RATE = re.compile("|".join((
    r"rate[- ]?limit", r"request rate", r"rate exceeded", r"limit exceeded", r"limit reached",
    r"too many requests?", r"exceeded its", r"capacity", r"throughput", r"quota",
    r"request count exceeded", r"per second", r"credits",
)))
#: node hiccups: retried
_TRANSIENT = re.compile("|".join((
    r"timed? ?out", r"deadline exceeded", r"header not found", r"unknown block",
    r"internal error", r"unavailable", r"bad gateway", r"gateway", r"upstream",
    r"connection", r"reset by peer", r"try again", r"busy", r"overload", r"syncing",
    r"not synced", r"no healthy", r"temporar",
)))
_RATE_CODES = frozenset({429, -32090, -32007, -32029})
_TRANSIENT_CODES = frozenset({-32603})  # internal error (Infura uses -32002 for a refusal)
_HINT = re.compile(r"\[\s*(0x[0-9a-f]+|\d+)\s*,\s*(0x[0-9a-f]+|\d+)\s*\]")
_RETRY_IN = re.compile(r"(?:retry|try again) (?:in|after) "
                       r"(\d+(?:\.\d+)?(?= ?sec)"
                       r"|(?:\d+(?:\.\d+)?h)?(?:\d+(?:\.\d+)?m(?!s))?(?:\d+(?:\.\d+)?(?:ms|s))?)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)?")


def classify(error: object, *, url: str | None = None) -> UpstreamError:
    """The exception a JSON-RPC `error` object stands for (the caller raises it)."""
    if isinstance(error, dict):
        code, message, data = error.get("code"), error.get("message"), error.get("data")
    else:
        code, message, data = None, error, None
    text = str(message if message is not None else "")
    if isinstance(data, str) and data and data not in text:
        text = f"{text} ({data})"
    where = f" from {url}" if url else ""
    shown = f"JSON-RPC error {code}{where}: {text}" if code is not None \
        else f"JSON-RPC error{where}: {text}"
    lower = text.lower()
    if _SIZE.search(lower):
        return RangeTooLarge(shown, url=url, hint=_hint(lower))
    if code in _RATE_CODES or _RATE.search(lower):
        return TransientUpstreamError(shown, url=url, retry_after=_retry_after(lower))
    if code in _TRANSIENT_CODES or _TRANSIENT.search(lower):
        return TransientUpstreamError(shown, url=url)
    return PermanentUpstreamError(shown, url=url)


def _hint(lower: str) -> tuple[int, int] | None:
    match = _HINT.search(lower)
    if not match:
        return None
    first, last = (int(x, 16) if x.startswith("0x") else int(x) for x in match.groups())
    return (first, last) if first <= last else None


def _retry_after(lower: str) -> float | None:
    """Ankr words its rate limit "retry in 10m0s" (a Go duration); others "retry after 2
    seconds"."""
    match = _RETRY_IN.search(lower)
    if not match or not match.group(1):
        return None
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "": 1.0}
    return sum(float(n) * scale[unit] for n, unit in _DURATION.findall(match.group(1)))


# --------------------------------------------------------------------------- the client

_TOPIC = re.compile(r"^0x[0-9a-fA-F]{64}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
Topic = str | Sequence[str] | None


class JsonRpc:
    """One node endpoint. `requests` counts the HTTP requests it got an answer to (a JSON
    body, error or not); Http's own stats count every attempt."""

    def __init__(self, http: Http, url: str, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise InvalidArgument("batch_size", f"must be >= 1, got {batch_size}")
        self.http, self.url, self.batch_size = http, url, batch_size
        self.requests = 0
        self._ids = itertools.count(1)

    def _request(self, method: str, params: list) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}

    async def call(self, method: str, params: list, *, streak: FailureStreak) -> Any:
        """One call; its result, or the classified error raised."""
        return await self._call(method, params, streak, None)

    async def _call(self, method: str, params: list, streak: FailureStreak,
                    expect: Callable[[Any], str | None] | None) -> Any:
        """`expect(result)` names what is wrong with a result's shape (None: fine); a wrong
        shape is retried like any garbled answer."""
        request = self._request(method, params)

        def check(body: Any) -> Any:
            self.requests += 1
            if not isinstance(body, dict):
                raise self._garbled(f"the answer to {method} is not an object")
            if body.get("error") is not None:
                raise classify(body["error"], url=self.url)
            if body.get("id") != request["id"]:
                raise self._garbled(f"the answer to {method} id {request['id']} carries id "
                                    f"{body.get('id')!r}")
            if "result" not in body:
                raise self._garbled(f"the answer to {method} has no result")
            problem = expect(body["result"]) if expect else None
            if problem:
                raise self._garbled(f"the result of {method} {problem}")
            return body["result"]

        return await self.http.post_json(self.url, request, streak=streak, check=check)

    def _garbled(self, message: str) -> TransientUpstreamError:
        return TransientUpstreamError(f"{self.url}: {message}", url=self.url)

    async def batch(self, calls: Sequence[tuple[str, list]], *,
                    streak: FailureStreak) -> list[Any]:
        """Many calls, `batch_size` to a JSON-RPC batch array; results in the order of
        `calls`, matched by id. An entry answered with a transient error (or not answered)
        is asked again in a later batch, after a backoff, up to the retry policy's count;
        one with a permanent error raises it."""
        results: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        policy = self.http.policy
        for round_ in itertools.count(1):
            failed: list[tuple[int, UpstreamError]] = []
            for start in range(0, len(pending), self.batch_size):
                chunk = pending[start:start + self.batch_size]
                requests = [self._request(*calls[i]) for i in chunk]
                by_id = {r["id"]: r for r in requests}
                answers = await self.http.post_json(
                    self.url, requests, streak=streak,
                    check=lambda body, by_id=by_id: self._batch_answers(body, by_id))
                for i, request in zip(chunk, requests, strict=True):
                    answer = answers.get(request["id"])
                    if answer is None:
                        failed.append((i, self._garbled(
                            f"no answer to {request['method']} in a batch")))
                    elif answer.get("error") is not None:
                        exc = classify(answer["error"], url=self.url)
                        if not isinstance(exc, TransientUpstreamError):
                            raise exc
                        failed.append((i, exc))
                    elif "result" not in answer:
                        failed.append((i, self._garbled(
                            f"the answer to {request['method']} has no result")))
                    else:
                        results[i] = answer["result"]
            if not failed:
                return results
            first = failed[0][1]
            if round_ > policy.retries:
                raise TransientUpstreamError(
                    f"{first} ({len(failed)} of a batch still failing after {round_} rounds)",
                    url=self.url, retry_after=first.retry_after)
            pause = streak.failure()
            waits = [e.retry_after for _, e in failed if e.retry_after]
            delay = backoff_delay(policy, round_, max(waits) if waits else None, self.http.rng)
            await self.http.sleep(max(delay, pause))
            pending = [i for i, _ in failed]
        raise AssertionError("unreachable")  # pragma: no cover

    def _batch_answers(self, body: Any, by_id: dict[int, dict]) -> dict[int, dict]:
        self.requests += 1
        if isinstance(body, dict) and body.get("error") is not None:
            raise classify(body["error"], url=self.url)  # the whole batch refused
        if not isinstance(body, list):
            raise self._garbled("the answer to a batch is not a list")
        answers: dict[int, dict] = {}
        for entry in body:
            ident = entry.get("id") if isinstance(entry, dict) else None
            if ident not in by_id or ident in answers:
                raise self._garbled(f"a batch answer carries an unknown or repeated id "
                                    f"{ident!r}")
            answers[ident] = entry
        return answers

    async def block_number(self, *, streak: FailureStreak) -> int:
        """The node's latest block number."""
        raw = await self._call("eth_blockNumber", [], streak, _not_quantity)
        return quantity(raw, "result", "eth_blockNumber")

    async def get_logs(self, addresses: Sequence[str], topics: Sequence[Topic],
                       from_block: int, to_block: int, *,
                       streak: FailureStreak) -> list[ChainLog]:
        """The logs of `addresses` matching `topics` (per position: None = any, a hex word,
        or a list of words = any of them) in [from_block, to_block], in (block, log index)
        order. A log outside what was asked for is a node bug: UpstreamDataError."""
        wanted = _addresses(addresses)
        filters = _topic_filters(topics)
        if isinstance(from_block, bool) or not 0 <= from_block <= to_block:
            raise InvalidArgument("from_block", f"need 0 <= from_block <= to_block, got "
                                                f"{from_block}..{to_block}")
        params = {"address": wanted[0] if len(wanted) == 1 else wanted,
                  "topics": [f if f is None or isinstance(f, str) else list(f)
                             for f in filters],
                  "fromBlock": hex(from_block), "toBlock": hex(to_block)}
        raw = await self._call("eth_getLogs", [params], streak,
                               lambda r: None if isinstance(r, list) else "is not a list")
        logs = [parse_log(obj) for obj in raw]
        for log in logs:
            _check_matches(log, wanted, filters, from_block, to_block)
        return sorted(logs, key=lambda log: (log.block, log.log_index))


def _not_quantity(result: Any) -> str | None:
    return None if isinstance(result, str) and result.startswith("0x") else "is not a quantity"


def _addresses(addresses: Sequence[str]) -> list[str]:
    if isinstance(addresses, str):
        addresses = [addresses]
    if not addresses or not all(isinstance(a, str) and _ADDRESS.match(a) for a in addresses):
        raise InvalidArgument("addresses", f"need one or more 0x + 40 hex addresses, got "
                                           f"{addresses!r}")
    return list(dict.fromkeys(a.lower() for a in addresses))


def _topic_filters(topics: Sequence[Topic]) -> list[str | tuple[str, ...] | None]:
    """Lower-cased, validated, trailing wildcards dropped."""
    out: list[str | tuple[str, ...] | None] = []
    for entry in topics:
        words = [entry] if isinstance(entry, str) else entry
        if words is not None and (not words or not all(
                isinstance(w, str) and _TOPIC.match(w) for w in words)):
            raise InvalidArgument("topics", f"a topic filter is None, a 0x + 64 hex word or "
                                            f"a non-empty list of them, got {entry!r}")
        if entry is None:
            out.append(None)
        elif isinstance(entry, str):
            out.append(entry.lower())
        else:
            out.append(tuple(w.lower() for w in entry))
    while out and out[-1] is None:
        out.pop()
    if len(out) > 4:
        raise InvalidArgument("topics", f"a log has at most 4 topics, got {len(out)} filters")
    return out


def _check_matches(log: ChainLog, addresses: list[str],
                   filters: list[str | tuple[str, ...] | None], from_block: int,
                   to_block: int) -> None:
    what = f"eth_getLogs answer: log {log.tx_hash}#{log.log_index}"
    if not from_block <= log.block <= to_block:
        raise UpstreamDataError(f"{what}: block {log.block} is outside the range asked "
                                f"{from_block}..{to_block}")
    if log.address not in addresses:
        raise UpstreamDataError(f"{what}: emitted by {log.address}, not an address asked for")
    for position, wanted in enumerate(filters):
        if wanted is None:
            continue
        actual = log.topics[position] if position < len(log.topics) else None
        if actual not in ((wanted,) if isinstance(wanted, str) else wanted):
            raise UpstreamDataError(f"{what}: topic {position} {actual} does not match the "
                                    "filter")
