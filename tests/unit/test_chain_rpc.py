"""The chain's JSON-RPC client (upstream/chain/rpc.py, logs.py, blocks.py) against a real aiohttp
JSON-RPC node on loopback written here: batches, JSON-RPC errors, 429 with Retry-After,
garbled bodies, block-range and result caps with and without a suggested range, and an
irregular chain of a million block times. Waits go to an injected sleep: nothing sleeps."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter, deque
from contextlib import asynccontextmanager
from itertools import accumulate, pairwise

import aiohttp
import pytest
from aiohttp import web

from polyrank.errors import (
    InvalidArgument,
    PermanentUpstreamError,
    RangeTooLarge,
    TransientUpstreamError,
    UpstreamDataError,
)
from polyrank.upstream.chain.abi import EXCHANGES_V2, ORDER_FILLED_V2, address_topic
from polyrank.upstream.chain.blocks import BlockClock
from polyrank.upstream.chain.logs import LogScanner
from polyrank.upstream.chain.rpc import JsonRpc, classify
from polyrank.upstream.http import Http, count_requests
from polyrank.upstream.retry import FailureStreak, RetryPolicy

EXCHANGE = EXCHANGES_V2[0]
WALLETS = [f"0x{i:040x}" for i in range(1, 5)]
POLICY = RetryPolicy(jitter_s=0.0)

# --------------------------------------------------------------------------- the fake node


class Node:
    """A JSON-RPC node: block headers from `times` (block -> unix time), logs from `logs`,
    optional caps on a getLogs' block range and result count (`hint`: the refusal names a
    range that would work, as Infura and Alchemy do). `script` holds raw answers served,
    one per HTTP request, before any real one; `entry_errors` maps a method to error objects
    answered to its next calls."""

    def __init__(self, times: list[int] | None = None, logs: list[dict] | None = None, *,
                 range_cap: int | None = None, result_cap: int | None = None,
                 hint: bool = False) -> None:
        self.times = times or [1_600_000_000 + 2 * b for b in range(1000)]
        self.logs = logs or []
        self.range_cap, self.result_cap, self.hint = range_cap, result_cap, hint
        self.script: deque[tuple[int, dict, bytes]] = deque()
        self.entry_errors: dict[str, deque[dict]] = {}
        self.http_requests = 0
        self.calls: Counter[str] = Counter()
        self.batch_sizes: list[int] = []
        self.filters: list[dict] = []
        self.refused: list[tuple[int, int]] = []
        self.answered: list[tuple[int, int]] = []

    def fail_next(self, status: int = 200, body: object = b"", **headers: str) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.append((status, headers, raw))

    async def handle(self, request: web.Request) -> web.Response:
        self.http_requests += 1
        body = await request.read()
        if self.script:
            status, headers, raw = self.script.popleft()
            return web.Response(status=status, body=raw, headers=headers,
                                content_type="application/json")
        payload = json.loads(body)
        if isinstance(payload, list):
            self.batch_sizes.append(len(payload))
            answers = [self.answer(entry) for entry in payload]
            random.Random(len(payload)).shuffle(answers)  # a batch's answers come in any order
            return web.json_response(answers)
        return web.json_response(self.answer(payload))

    def answer(self, req: dict) -> dict:
        method, params = req["method"], req["params"]
        self.calls[method] += 1
        out = {"jsonrpc": "2.0", "id": req["id"]}
        if self.entry_errors.get(method):
            return out | {"error": self.entry_errors[method].popleft()}
        if method == "eth_blockNumber":
            return out | {"result": hex(len(self.times) - 1)}
        if method == "eth_getBlockByNumber":
            block = len(self.times) - 1 if params[0] == "latest" else int(params[0], 16)
            if block >= len(self.times):
                return out | {"result": None}
            return out | {"result": {"number": hex(block), "timestamp": hex(self.times[block]),
                                     "hash": "0x" + f"{block:064x}", "transactions": []}}
        if method == "eth_getLogs":
            return out | self.get_logs(params[0])
        return out | {"error": {"code": -32601, "message": f"the method {method} does not "
                                                           "exist/is not available"}}

    def get_logs(self, f: dict) -> dict:
        self.filters.append(f)
        first, last = int(f["fromBlock"], 16), int(f["toBlock"], 16)
        if self.range_cap and last - first + 1 > self.range_cap:
            self.refused.append((first, last))
            if self.hint:  # Alchemy
                end = first + self.range_cap - 1
                return {"error": {"code": -32602, "message": (
                    "Log response size exceeded. You can make eth_getLogs requests with up to a "
                    f"{self.range_cap} block range and no limit on the response size. Based "
                    f"on your parameters, this block range should work: [{hex(first)}, "
                    f"{hex(end)}]")}}
            return {"error": {"code": -32614, "message": "eth_getLogs is limited to a "
                                                         f"{self.range_cap:,} range"}}
        found = [log for log in self.logs if first <= int(log["blockNumber"], 16) <= last
                 and self.matches(log, f)]
        if self.result_cap and len(found) > self.result_cap:
            self.refused.append((first, last))
            if self.hint:  # Infura: the longest range from `first` within the cap
                end = int(found[self.result_cap]["blockNumber"], 16) - 1
                return {"error": {"code": -32005, "message": (
                    f"query returned more than {self.result_cap} results. Try with this block "
                    f"range [{hex(first)}, {hex(max(first, end))}].")}}
            return {"error": {"code": -32000, "message": "Log response size exceeded."}}
        self.answered.append((first, last))
        return {"result": found}

    @staticmethod
    def matches(log: dict, f: dict) -> bool:
        addresses = f["address"] if isinstance(f["address"], list) else [f["address"]]
        if log["address"] not in addresses:
            return False
        for position, wanted in enumerate(f.get("topics", [])):
            if wanted is None:
                continue
            options = wanted if isinstance(wanted, list) else [wanted]
            if position >= len(log["topics"]) or log["topics"][position] not in options:
                return False
        return True


@asynccontextmanager
async def serving(node: Node):
    app = web.Application()
    app.router.add_post("/", node.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


def run(node: Node, body, *, policy: RetryPolicy = POLICY, batch_size: int = 100):
    """`body(rpc, streak)` against the node; (its result or the exception, the waits, the
    Http)."""
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def main():
        async with serving(node) as url, aiohttp.ClientSession() as session:
            http = Http(session, policy=policy, sleep=fake_sleep, rng=random.Random(0))
            rpc = JsonRpc(http, url, batch_size=batch_size)
            try:
                return await body(rpc, FailureStreak(policy)), http
            except Exception as exc:
                return exc, http

    result, http = asyncio.run(main())
    return result, waits, http


def log_at(block: int, index: int, maker: str = WALLETS[0]) -> dict:
    return {"address": EXCHANGE, "topics": [ORDER_FILLED_V2, "0x" + f"{block:032x}{index:032x}",
                                            address_topic(maker), address_topic(EXCHANGE)],
            "data": "0x", "blockNumber": hex(block), "transactionHash": "0x" + f"{block:064x}",
            "logIndex": hex(index), "removed": False}


# --------------------------------------------------------------------------- classification

RANGE = [  # (error, hint)
    ({"code": -32005, "message": "query returned more than 10000 results. Try with this block "
                                 "range [0x1E8480, 0x1E8F2C]."}, (0x1E8480, 0x1E8F2C)),
    ({"code": -32602, "message": "Log response size exceeded. You can make eth_getLogs requests "
      "with up to a 2K block range and no limit on the response size, or you can request any "
      "block range with a cap of 10K logs in the response. Based on your parameters, this "
      "block range should work: [0x2d8e7a0, 0x2d8f1c3]"}, (0x2D8E7A0, 0x2D8F1C3)),
    ({"code": -32600, "message": "Under the Free tier plan, you can make eth_getLogs requests "
      "with up to a 10 block range. Based on your parameters, this block range should work: "
      "[0x4c4b40, 0x4c4b49]. Upgrade to PAYG for expanded block range."}, (0x4C4B40, 0x4C4B49)),
    ({"code": -32614, "message": "eth_getLogs is limited to a 10,000 range"}, None),
    ({"code": -32602, "message": "eth_getLogs and eth_newFilter are limited to a 10,000 blocks "
                                 "range"}, None),
    ({"code": -32600, "message": "block range is too large"}, None),
    ({"code": -32000, "message": "Block range is too large"}, None),
    ({"code": -32000, "message": "exceed maximum block range: 50000"}, None),
    ({"code": 35, "message": "ranges over 10000 blocks are not supported on freetier"}, None),
    ({"code": -32000, "message": "Block range limit exceeded. Max range is 100 blocks"}, None),
    ({"code": -32000, "message": "query exceeds max results 20000"}, None),
    ({"code": -32000, "message": "Query timeout exceeded. Consider reducing your block range."},
     None),
    ({"code": -32000, "message": "response size should not greater than 10000000 bytes"}, None),
    ({"code": -32602, "message": "requested too many blocks from 0 to 20000, maximum is set to "
                                 "2048"}, None),
    ({"code": -32005, "message": "Log response size exceeded."}, None),
    ({"code": -32000, "message": "query returned more than 10000 results",
      "data": "try with this block range [1000, 1999]"}, (1000, 1999)),
]
RATE = [  # (error, retry_after)
    ({"code": 429, "message": "Your app has exceeded its compute units per second capacity. If "
      "you have retries enabled, you can safely ignore this message. If not, check out "
      "https://docs.alchemy.com/reference/throughput"}, None),
    ({"code": -32005, "message": "daily request count exceeded, request rate limited"}, None),
    ({"code": -32005, "message": "project ID request rate exceeded"}, None),
    ({"code": -32005, "message": "limit exceeded"}, None),
    ({"code": -32090, "message": "Too many requests, reason: call rate limit exhausted, retry in "
                                 "10m0s"}, 600.0),
    ({"code": -32007, "message": "100/second request limit reached - reduce calls per second or "
                                 "upgrade your account at quicknode.com"}, None),
    ({"code": -32000, "message": "rate limit exceeded, retry after 2 seconds"}, 2.0),
    ({"code": -32001, "message": "Too Many Requests"}, None),
    ({"code": -32000, "message": "Monthly capacity limit exceeded."}, None),
    ("rate limited", None),
]
TRANSIENT = [
    {"code": -32000, "message": "request timed out"},
    {"code": -32000, "message": "header not found"},
    {"code": -32603, "message": "Internal error"},
    {"code": -32000, "message": "context deadline exceeded"},
    {"code": -32000, "message": "upstream connect error or disconnect/reset before headers. "
                                "reset reason: connection termination"},
    {"code": -32000, "message": "no healthy upstream"},
    {"code": -32000, "message": "unknown block"},
    {"code": -32000, "message": "service temporarily unavailable"},
    {"code": -32603, "message": "failed"},
]
PERMANENT = [
    {"code": -32601, "message": "the method eth_getLogz does not exist/is not available"},
    {"code": -32602, "message": "invalid argument 0: hex string has leading zero digits after "
                                "0x"},
    {"code": -32000, "message": "invalid block range params"},
    {"code": -32000, "message": "exceed max topics"},
    {"code": -32602, "message": "exceed max addresses or topics per search position"},
    {"code": -32701, "message": "Please specify an address in your request or, to remove "
      "restrictions, order a dedicated full node here: https://www.allnodes.com/pol/host"},
    {"code": -32002, "message": "rejected due to project ID settings"},
    {"code": -32600, "message": "Must be authenticated!"},
    {"code": 3, "message": "execution reverted"},
]


@pytest.mark.parametrize(("error", "hint"), RANGE)
def test_size_refusals_are_range_too_large(error, hint):
    exc = classify(error, url="https://node")
    assert type(exc) is RangeTooLarge and exc.hint == hint and not exc.retryable
    assert error["message"][:20] in str(exc) and "https://node" in str(exc)


@pytest.mark.parametrize(("error", "retry_after"), RATE)
def test_rate_limits_are_transient(error, retry_after):
    exc = classify(error)
    assert type(exc) is TransientUpstreamError and exc.retry_after == retry_after


@pytest.mark.parametrize("error", TRANSIENT)
def test_node_hiccups_are_transient(error):
    assert type(classify(error)) is TransientUpstreamError


@pytest.mark.parametrize("error", PERMANENT)
def test_everything_else_is_permanent(error):
    exc = classify(error)
    assert type(exc) is PermanentUpstreamError and str(error["code"]) in str(exc)


# --------------------------------------------------------------------------- call and batch


def test_call_returns_the_result():
    node = Node()
    result, waits, _ = run(node, lambda rpc, s: rpc.block_number(streak=s))
    assert result == 999 and waits == [] and node.http_requests == 1


def test_a_permanent_error_is_raised_at_once():
    node = Node()
    result, waits, _ = run(node, lambda rpc, s: rpc.call("eth_getLogz", [], streak=s))
    assert isinstance(result, PermanentUpstreamError) and "does not exist" in str(result)
    assert node.http_requests == 1 and waits == []


def test_garbled_answers_and_node_errors_are_retried():
    node = Node()
    node.fail_next(200, b"<html>502 Bad Gateway</html>")  # not JSON
    node.fail_next(200, {"jsonrpc": "2.0", "id": 999, "result": "0x1"})  # another id
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1})  # no result
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000,
                                                              "message": "header not found"}})
    node.fail_next(503, b"")
    policy = RetryPolicy(retries=5, jitter_s=0.0)
    result, waits, http = run(node, lambda rpc, s: rpc.block_number(streak=s), policy=policy)
    assert result == 999 and node.http_requests == 6
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0] and http.stats.retries == 5


def test_a_workers_tally_counts_its_json_rpc_requests_retries_included():
    node = Node()
    node.fail_next(502, b"")
    node.fail_next(200, b"not json")
    tally = type("Tally", (), {"requests": 0})()

    async def body(rpc, streak):
        with count_requests(tally):
            await rpc.block_number(streak=streak)
            await rpc.batch([("eth_blockNumber", [])] * 150, streak=streak)
        return rpc.requests

    answered, _, http = run(node, body)
    assert tally.requests == http.stats.requests == node.http_requests == 5
    assert answered == 3  # the 502 and the non-JSON body are no answer


def test_a_wrong_shaped_result_is_retried():
    node = Node()
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "result": None})
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "result": {"not": "a list"}})
    result, _, _ = run(node, lambda rpc, s: rpc.get_logs([EXCHANGE], [], 0, 10, streak=s))
    assert result == [] and node.http_requests == 3


def test_http_429_retry_after_is_honoured():
    node = Node()
    node.fail_next(429, b"", **{"Retry-After": "7"})
    result, waits, http = run(node, lambda rpc, s: rpc.block_number(streak=s))
    assert result == 999 and waits == [7.0] and http.stats.failures["http_429"] == 1


def test_a_json_rpc_rate_limit_is_retried_after_its_own_delay():
    node = Node()
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "error": RATE[4][0]})
    result, waits, _ = run(node, lambda rpc, s: rpc.block_number(streak=s))
    assert result == 999 and waits == [POLICY.max_delay_s]  # 600 s asked, capped


def test_range_too_large_is_not_retried_by_http():
    node = Node(logs=[log_at(5, 0)], range_cap=10)
    result, waits, http = run(node, lambda rpc, s: rpc.get_logs([EXCHANGE], [], 0, 99,
                                                                streak=s))
    assert isinstance(result, RangeTooLarge) and result.hint is None
    assert node.http_requests == 1 and waits == []
    assert http.stats.failures["range_too_large"] == 1 and http.stats.retries == 0


def test_batch_splits_and_matches_shuffled_answers_by_id():
    node = Node()

    async def body(rpc, streak):
        calls = [("eth_getBlockByNumber", [hex(b), False]) for b in range(250)]
        return await rpc.batch(calls, streak=streak), rpc.requests

    (results, requests), _, _ = run(node, body)
    assert [int(r["number"], 16) for r in results] == list(range(250))
    assert node.batch_sizes == [100, 100, 50] and requests == node.http_requests == 3


def test_batch_entries_with_transient_errors_go_to_a_later_batch():
    node = Node()
    node.entry_errors["eth_blockNumber"] = deque([
        {"code": -32005, "message": "Too many requests, retry in 5s"},
        {"code": -32000, "message": "request timed out"}])

    async def body(rpc, streak):
        calls = [("eth_getBlockByNumber", [hex(b), False]) for b in range(3)]
        calls += [("eth_blockNumber", [])] * 2
        return await rpc.batch(calls, streak=streak)

    results, waits, _ = run(node, body)
    assert results[3:] == ["0x3e7", "0x3e7"] and int(results[2]["number"], 16) == 2
    assert node.batch_sizes == [5, 2] and waits == [5.0]


def test_batch_gives_up_after_the_retry_count():
    node = Node()
    node.entry_errors["eth_blockNumber"] = deque([{"code": -32603, "message": "busy"}] * 10)
    policy = RetryPolicy(retries=2, jitter_s=0.0)
    result, waits, _ = run(node, lambda rpc, s: rpc.batch(
        [("eth_blockNumber", []), ("eth_chainId", [])], streak=s), policy=policy)
    assert isinstance(result, PermanentUpstreamError)  # eth_chainId: unknown to this node
    node.entry_errors["eth_blockNumber"] = deque([{"code": -32603, "message": "busy"}] * 10)
    result, waits, _ = run(node, lambda rpc, s: rpc.batch([("eth_blockNumber", [])] * 2,
                                                          streak=s), policy=policy)
    assert isinstance(result, TransientUpstreamError) and "after 3 rounds" in str(result)
    assert node.batch_sizes[-3:] == [2, 2, 2] and waits == [2.0, 4.0]


def test_garbled_batch_answers_are_retried_whole():
    node = Node()
    node.fail_next(200, {"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32005, "message": "rate limit exceeded"}})
    node.fail_next(200, [{"jsonrpc": "2.0", "id": 12345, "result": "0x1"}])  # unknown id
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "result": "0x1"})  # not a list
    result, waits, _ = run(node, lambda rpc, s: rpc.batch([("eth_blockNumber", [])] * 3,
                                                          streak=s))
    assert result == ["0x3e7"] * 3 and node.http_requests == 4 and len(waits) == 3


def test_get_logs_sends_a_normalised_filter_and_checks_the_answer():
    logs = [log_at(7, 1), log_at(3, 0), log_at(7, 0, WALLETS[1]), log_at(9, 0, WALLETS[2])]
    node = Node(logs=logs)
    wallet_topics = [address_topic(w).upper().replace("0X", "0x") for w in WALLETS[:2]]

    async def body(rpc, streak):
        one = await rpc.get_logs([EXCHANGE.upper().replace("0X", "0x")],
                                 [ORDER_FILLED_V2, None, wallet_topics, None], 0, 8,
                                 streak=streak)
        two = await rpc.get_logs([EXCHANGE, EXCHANGES_V2[1]], [None], 3, 3, streak=streak)
        return one, two

    (one, two), _, _ = run(node, body)
    assert [(log.block, log.log_index) for log in one] == [(3, 0), (7, 0), (7, 1)]
    assert [(log.block, log.log_index) for log in two] == [(3, 0)]
    first, second = node.filters
    assert first == {"address": EXCHANGE, "topics": [ORDER_FILLED_V2, None, [
        address_topic(w) for w in WALLETS[:2]]], "fromBlock": "0x0", "toBlock": "0x8"}
    assert second["address"] == [EXCHANGE, EXCHANGES_V2[1]] and second["topics"] == []


@pytest.mark.parametrize("bad", [
    lambda log: log | {"blockNumber": hex(50)},  # outside the range asked
    lambda log: log | {"address": EXCHANGES_V2[1]},  # another contract
    lambda log: log | {"topics": [ORDER_FILLED_V2]},  # does not match the maker filter
    lambda log: log | {"removed": True},  # reorged out
])
def test_a_log_the_filter_excludes_is_a_data_error(bad):
    node = Node()
    node.fail_next(200, {"jsonrpc": "2.0", "id": 1, "result": [bad(log_at(5, 0))]})
    result, _, _ = run(node, lambda rpc, s: rpc.get_logs(
        [EXCHANGE], [None, None, address_topic(WALLETS[0])], 0, 10, streak=s))
    assert isinstance(result, UpstreamDataError)


@pytest.mark.parametrize(("addresses", "topics", "span"), [
    ([], [], (0, 1)), (["0x12"], [], (0, 1)), ([EXCHANGE], ["0x12"], (0, 1)),
    ([EXCHANGE], [[]], (0, 1)), ([EXCHANGE], [None] * 4 + [ORDER_FILLED_V2], (0, 1)),
    ([EXCHANGE], [], (5, 4)), ([EXCHANGE], [], (-1, 4)),
])
def test_get_logs_refuses_bad_arguments(addresses, topics, span):
    node = Node()
    result, _, _ = run(node, lambda rpc, s: rpc.get_logs(addresses, topics, *span, streak=s))
    assert isinstance(result, InvalidArgument) and node.http_requests == 0


# --------------------------------------------------------------------------- LogScanner


def dense_logs() -> list[dict]:
    """5,000 blocks: sparse, then a dense stretch (2,000 logs in blocks 2000..2099), sparse."""
    rng = random.Random(7)
    logs = [log_at(b, 0) for b in range(0, 5000, 37)]
    logs += [log_at(2000 + rng.randrange(100), i + 1) for i in range(2000)]
    return sorted(logs, key=lambda log: (int(log["blockNumber"], 16), int(log["logIndex"], 16)))


def scan_all(scanner_kw=None, scans=((0, 4999, "fills"),)):
    async def body(rpc, streak):
        scanner = LogScanner(rpc, **(scanner_kw or {}))
        out = []
        for first, last, key in scans:
            out.append([(a, b, logs) async for a, b, logs in scanner.scan(
                [EXCHANGE], [ORDER_FILLED_V2], first, last, streak=streak, key=key)])
        return out, scanner.spans
    return body


def assert_covers_once(ranges, first, last, expected_logs):
    assert ranges[0][0] == first and ranges[-1][1] == last
    assert all(b[0] == a[1] + 1 for a, b in pairwise(ranges))
    got = [(log.block, log.log_index) for _, _, logs in ranges for log in logs]
    assert got == [(int(x["blockNumber"], 16), int(x["logIndex"], 16)) for x in expected_logs]


@pytest.mark.parametrize("hint", [False, True])
def test_scan_covers_a_range_once_under_a_range_cap(hint):
    logs = dense_logs()
    node = Node(logs=logs, range_cap=300, hint=hint)
    result, _, _ = run(node, scan_all())
    (ranges,), spans = result
    assert_covers_once(ranges, 0, 4999, logs)
    assert all(b - a + 1 <= 300 for a, b, _ in ranges)
    # the hint names the cap at once; halving finds it in 5 refusals (5000 -> ... -> 312
    # refused, 156 accepted). Past that, the refused width is tried again rarely, not after
    # every 3 accepted calls (which would be 10 more refusals here)
    assert node.refused[0] == (0, 4999)
    if hint:
        assert len(node.refused) <= 3 and [b - a + 1 for a, b, _ in ranges[:-1]] == [300] * 16
    else:
        assert 5 <= len(node.refused) <= 7 and len(ranges) == 33
    assert spans["fills"] == (300 if hint else 156)


@pytest.mark.parametrize("hint", [False, True])
def test_scan_covers_a_range_once_under_a_result_cap_and_grows_back(hint):
    logs = dense_logs()
    node = Node(logs=logs, result_cap=500, hint=hint)
    result, _, _ = run(node, scan_all())
    (ranges,), _spans = result
    assert_covers_once(ranges, 0, 4999, logs)
    assert all(len(chunk) <= 500 for _, _, chunk in ranges)
    widths = [b - a + 1 for a, b, _ in ranges]
    dense = [w for (a, b, _), w in zip(ranges, widths, strict=True) if a >= 2000 and b < 2100]
    after = [w for (a, _, _), w in zip(ranges, widths, strict=True) if a >= 2100]
    # the dense stretch needs small spans; past it the span doubles back (3 successes each)
    assert dense and max(dense) < 100 and max(after) >= 4 * max(dense)


def test_scan_remembers_the_span_per_key():
    logs = dense_logs()
    node = Node(logs=logs, range_cap=1000)
    scans = ((0, 2499, "fills"), (2500, 4999, "fills"), (0, 4999, "activity"))

    async def body(rpc, streak):
        scanner, out, refused = LogScanner(rpc), [], []
        for first, last, key in scans:
            out.append([(a, b, chunk) async for a, b, chunk in scanner.scan(
                [EXCHANGE], [ORDER_FILLED_V2], first, last, streak=streak, key=key)])
            refused.append(len(node.refused))
        return out, refused, scanner.spans

    ((first, second, other), refused, spans), _, _ = run(node, body)
    assert_covers_once(first + second, 0, 4999, logs)
    assert_covers_once(other, 0, 4999, logs)
    assert refused[0] == 2  # 2500 and 1250 refused, 625 accepted (then 1250: at the end)
    # the second "fills" scan starts at the learnt span, and is refused only when it grows
    assert second[0][1] - second[0][0] + 1 == 625 and refused[1] - refused[0] <= 1
    # another key learns on its own: it starts from the whole range again
    assert node.refused[refused[1]] == (0, 4999)
    # a last range cut short by the end proves only its width: the span kept is the proven one
    assert spans == {"fills": 625, "activity": 625}


def test_scan_honours_max_span_and_an_empty_range():
    node = Node(logs=dense_logs())
    result, _, _ = run(node, scan_all({"max_span": 400}, scans=((0, 999, ""), (10, 9, ""))))
    (ranges, empty), spans = result
    assert [(a, b) for a, b, _ in ranges] == [(0, 399), (400, 799), (800, 999)]
    assert empty == [] and node.refused == [] and spans == {"": 400}


def test_a_single_block_still_too_large_raises_clearly():
    logs = [log_at(5, i) for i in range(4)]
    node = Node(logs=logs, result_cap=3)
    result, _, _ = run(node, scan_all(scans=((0, 20, ""),)))
    assert isinstance(result, PermanentUpstreamError) and not isinstance(result, RangeTooLarge)
    assert "block 5 alone" in str(result) and node.answered == [(0, 4)]


# --------------------------------------------------------------------------- BlockClock


def irregular_chain(n: int = 1_000_000, seed: int = 3) -> list[int]:
    """Block times: 1-3 s, a faster stretch (1 s), a one-hour stall, a slow stretch (5-9 s)."""
    rng = random.Random(seed)
    gaps = rng.choices((1, 2, 2, 2, 3), k=n - 1)
    gaps[200_000:260_000] = [1] * 60_000
    gaps[500_000] = 3600
    gaps[700_000:720_000] = rng.choices(range(5, 10), k=20_000)
    return list(accumulate([1_590_824_836, *gaps]))


CHAIN = irregular_chain()


def first_at(times: list[int], ts: int) -> int:
    import bisect
    return bisect.bisect_left(times, ts)


def test_block_at_is_exact_with_few_requests():
    rng = random.Random(11)
    head_ts = CHAIN[-1]
    targets = [rng.randrange(CHAIN[0], head_ts) for _ in range(12)]
    targets += [CHAIN[0] - 100, CHAIN[0], CHAIN[0] + 1, CHAIN[500_000] + 1000,
                CHAIN[500_001], CHAIN[730_000], head_ts, head_ts + 1, CHAIN[12_345]]
    node = Node(times=CHAIN)

    async def body(rpc, streak):
        out = []
        for ts in targets:
            clock = BlockClock(rpc)  # no cache: each lookup from scratch
            before = rpc.requests
            out.append((await clock.block_at(ts, streak=streak), rpc.requests - before))
        return out

    results, _, _ = run(node, body)
    for ts, (block, requests) in zip(targets, results, strict=True):
        assert block == first_at(CHAIN, ts), ts
        assert requests <= 7, (ts, requests)  # a bisection would take 20 + 1
    assert results[-2][0] == len(CHAIN)  # after the head: head + 1
    assert sum(r for _, r in results) / len(results) <= 5


def test_block_at_uses_and_fills_the_cache():
    node = Node(times=CHAIN)
    target = CHAIN[654_321] - 1  # the first block at or after it: 654321 (or 654320)
    expected = first_at(CHAIN, target)

    async def body(rpc, streak):
        known = {654_000: CHAIN[654_000], 655_000: CHAIN[655_000]}
        clock = BlockClock(rpc, known)
        found = await clock.block_at(target, streak=streak)
        used = rpc.requests
        again = await clock.block_at(target, streak=streak)  # the head, then the cache
        return found, used, again, rpc.requests - used, clock.new

    (found, used, again, second, new), _, _ = run(node, body)
    assert found == again == expected and expected in (654_320, 654_321)
    assert used <= 3 and second == 1  # the known pair brackets it: no search from genesis
    assert all(CHAIN[b] == t for b, t in new.items()) and 654_000 not in new


def test_timestamps_are_batched_and_cached():
    node = Node(times=CHAIN)
    blocks = [b * 997 for b in range(250)]

    async def body(rpc, streak):
        clock = BlockClock(rpc, {0: CHAIN[0], 997: CHAIN[997]})
        first = await clock.timestamps(blocks + blocks[:10], streak=streak)
        after_first = rpc.requests
        second = await clock.timestamps(blocks[::3], streak=streak)
        return first, after_first, second, rpc.requests, clock.new

    (first, after_first, second, total, new), _, _ = run(node, body)
    assert first == {b: CHAIN[b] for b in blocks}
    assert second == {b: CHAIN[b] for b in blocks[::3]}
    assert after_first == total == 3 and node.batch_sizes == [100, 100, 48]
    assert set(new) == set(blocks) - {0, 997}


def test_concurrent_reads_of_the_same_headers_read_them_once():
    """The workers of a run share one clock: two jobs meeting in the same blocks wait for
    one read, never ask the node twice."""
    node = Node(times=CHAIN)
    blocks = [b * 991 for b in range(1, 151)]

    async def body(rpc, streak):
        clock = BlockClock(rpc)
        both = await asyncio.gather(clock.timestamps(blocks, streak=streak),
                                    clock.timestamps([*blocks[50:], 7], streak=streak))
        return both, rpc.requests

    ((first, second), requests), _, _ = run(node, body)
    assert first == {b: CHAIN[b] for b in blocks}
    assert second == {b: CHAIN[b] for b in [*blocks[50:], 7]}
    assert sum(node.batch_sizes) == len(blocks) + 1 and requests == 3


def test_a_block_the_node_does_not_have_is_transient():
    node = Node()
    result, _, _ = run(node, lambda rpc, s: BlockClock(rpc).timestamps([5, 5000], streak=s))
    assert isinstance(result, TransientUpstreamError) and "no block 5000" in str(result)
