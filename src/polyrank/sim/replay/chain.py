"""Polygon JSON-RPC over the world's logs (docs/replay.md, "Chain (JSON-RPC)").

    POST /rpc  {"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": [{...}]}
               or a batch: a JSON array of such objects, answered by an array

Methods: eth_chainId, net_version, eth_blockNumber, eth_getBlockByNumber, eth_getLogs. Errors
come as JSON-RPC error objects with HTTP 200, worded as geth / the big providers word them, so
that a client's handling of a real provider's answers is what the tests exercise. The head is
the block of the replay clock's T (or of the world's as_of_ts): later blocks and logs do not
exist yet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from polyrank.sim.replay.loader import WorldFiles
from polyrank.sim.replay.logs import LogIndex

CHAIN_ID = 137  # Polygon PoS
DEFAULT_MAX_RESULTS = 10_000  # Infura's cap on the logs of one eth_getLogs
DEFAULT_MAX_BATCH = 1_000  # geth's default BatchRequestLimit
RPC_PATH = "/rpc"
#: the parsed body, kept on the request by the middleware (which names the route after it)
PAYLOAD_KEY = web.RequestKey("replay_rpc_payload", object)
HEAD_TAGS = ("latest", "pending", "safe", "finalized")  # all the head: the replay never reorgs
_HEX = re.compile(r"0[xX][0-9a-fA-F]*\Z")
_INVALID = object()  # a body that is not JSON
EMPTY_TRIE = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


@dataclass(frozen=True)
class ChainLimits:
    """A provider's eth_getLogs / batch limits (docs/replay.md, "Chain (JSON-RPC)")."""

    #: most blocks one eth_getLogs may span (toBlock - fromBlock + 1); None: no cap
    max_block_range: int | None = None
    #: most logs one eth_getLogs may answer
    max_results: int = DEFAULT_MAX_RESULTS
    #: most entries in one batch
    max_batch: int = DEFAULT_MAX_BATCH


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def error_object(rid: Any, code: int, message: str) -> dict:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}


def _bad_arg(n: int, message: str) -> RpcError:
    return RpcError(-32602, f"invalid argument {n}: {message}")


def parse_body(raw: bytes) -> Any:
    """The decoded request body, or _INVALID."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _INVALID


def route_key(payload: Any, known: set[str]) -> str:
    """The stats key of an RPC HTTP request: rpc:<method>, rpc:batch, or rpc:other."""
    if isinstance(payload, list):
        return "rpc:batch"
    method = payload.get("method") if isinstance(payload, dict) else None
    return f"rpc:{method}" if method in known else "rpc:other"


def error_answer(payload: Any, code: int, message: str) -> Any:
    """The same error for every call of a request (a batch fails whole): an array for a
    batch, else one object."""
    if isinstance(payload, list) and payload:
        return [error_object(r.get("id") if isinstance(r, dict) else None, code, message)
                for r in payload]
    return error_object(payload.get("id") if isinstance(payload, dict) else None, code, message)


# --------------------------------------------------------------------------- argument parsing


def _json_type(value: Any) -> str:
    """The JSON type of a decoded value, as Go's decoder names it in its errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "null")


def _quantity(value: Any, n: int) -> int:
    """A hex quantity as geth reads it (hexutil: 0x prefix, no leading zeros)."""
    if not isinstance(value, str):
        raise _bad_arg(n, f"json: cannot unmarshal {_json_type(value)} into Go value of "
                          "type string")
    if not value.startswith(("0x", "0X")):
        raise _bad_arg(n, "hex string without 0x prefix")
    if not _HEX.match(value):
        raise _bad_arg(n, "invalid hex string")
    digits = value[2:]
    if not digits:
        raise _bad_arg(n, 'hex string "0x"')
    if len(digits) > 1 and digits[0] == "0":
        raise _bad_arg(n, "hex number with leading zero digits")
    if len(digits) > 16:
        raise _bad_arg(n, "hex number > 64 bits")
    return int(digits, 16)


def _hex_bytes(value: Any, n: int, size: int, go_type: str) -> str:
    """A fixed-size hex value (an address, a hash), lowercased."""
    if not isinstance(value, str):
        raise _bad_arg(n, f"json: cannot unmarshal {_json_type(value)} into Go value of type "
                          f"{go_type}")
    if not value.startswith(("0x", "0X")):
        raise _bad_arg(n, f"json: cannot unmarshal hex string without 0x prefix into Go value "
                          f"of type {go_type}")
    if not _HEX.match(value):
        raise _bad_arg(n, "invalid hex string")
    if len(value) != 2 + 2 * size:
        raise _bad_arg(n, f"hex string has length {len(value) - 2}, want {2 * size} for "
                          f"{go_type}")
    return "0x" + value[2:].lower()


def _addresses(value: Any) -> list[str] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    return [_hex_bytes(v, 0, 20, "common.Address") for v in values] or None


def _topics(value: Any) -> list[list[str] | None]:
    """The topics filter: a list of null / one hash / a list of hashes (OR), at most 4."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _bad_arg(0, "invalid topic(s)")
    if len(value) > 4:
        raise _bad_arg(0, "exceed max topics")
    out: list[list[str] | None] = []
    for entry in value:
        if entry is None:
            out.append(None)
        elif isinstance(entry, str):
            out.append([_hex_bytes(entry, 0, 32, "common.Hash")])
        elif isinstance(entry, list) and all(isinstance(e, str) for e in entry):
            out.append([_hex_bytes(e, 0, 32, "common.Hash") for e in entry] or None)
        else:
            raise _bad_arg(0, "invalid topic(s)")
    return out


def _or_latest(value: Any) -> Any:
    return "latest" if value is None else value


# --------------------------------------------------------------------------- the service


class ChainRpc:
    """The JSON-RPC service: the world's logs (logs.py) and its block clock (loader.Chain)."""

    def __init__(self, world: WorldFiles, limits: ChainLimits | None = None,
                 now: Callable[[], int | None] | None = None) -> None:
        self.chain = world.chain
        self.limits = limits or ChainLimits()
        self.now = now or (lambda: None)  # the replay clock: blocks after T do not exist yet
        self.logs = LogIndex(world)
        self.methods: dict[str, Callable[[list], Any]] = {
            "eth_chainId": lambda p: hex(CHAIN_ID),
            "net_version": lambda p: str(CHAIN_ID),
            "eth_blockNumber": lambda p: hex(self.head()),
            "eth_getBlockByNumber": self.get_block_by_number,
            "eth_getLogs": self.get_logs,
        }

    def head(self) -> int:
        """The head block: the block of the clock's T, else of the world's as_of_ts."""
        t = self.now()
        ts = self.chain.head_ts if t is None else min(int(t), self.chain.head_ts)
        return self.chain.block_at(ts)

    # ------------------------------------------------------------------ dispatch

    def answer(self, payload: Any) -> tuple[Any, list[str]]:
        """(response body, methods of the calls answered) of a decoded request body."""
        if payload is _INVALID:
            return error_object(None, -32700, "parse error"), []
        if isinstance(payload, list):
            if not payload:
                return error_object(None, -32600, "empty batch"), []
            if len(payload) > self.limits.max_batch:
                first = next((r.get("id") for r in payload if isinstance(r, dict)), None)
                return [error_object(first, -32600, "batch too large")], []
            answers = [self.call(r) for r in payload]
            return [a for a, _ in answers], [m for _, m in answers if m]
        body, method = self.call(payload)
        return body, [method] if method else []

    def call(self, req: Any) -> tuple[dict, str | None]:
        """One call's response object and its method (None when not a valid call)."""
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            rid = req.get("id") if isinstance(req, dict) else None
            return error_object(rid, -32600, "invalid request"), None
        rid, method = req.get("id"), req["method"]
        fn = self.methods.get(method)
        if fn is None:
            return error_object(rid, -32601,
                                f"the method {method} does not exist/is not available"), None
        params = req.get("params")
        params = [] if params is None else params
        if not isinstance(params, list):
            return error_object(rid, -32602, "non-array args"), method
        try:
            result = fn(params)
        except RpcError as e:
            return error_object(rid, e.code, e.message), method
        return {"jsonrpc": "2.0", "id": rid, "result": result}, method

    # ------------------------------------------------------------------ blocks

    def _block_number(self, value: Any, n: int, head: int) -> tuple[int, bool]:
        """(number, given explicitly) of a block tag or hex number."""
        if value in HEAD_TAGS:
            return head, False
        if value == "earliest":
            return 0, False
        return _quantity(value, n), True

    def get_block_by_number(self, params: list) -> dict | None:
        if not params:
            raise _bad_arg(0, "missing value for required argument 0")
        if len(params) < 2:
            raise RpcError(-32602, "missing value for required argument 1")
        head = self.head()
        number, _ = self._block_number(params[0], 0, head)
        full = params[1]
        if not isinstance(full, bool):
            raise _bad_arg(1, f"json: cannot unmarshal {_json_type(full)} into Go value of "
                              "type bool")
        if number > head:
            return None
        lo, hi = self.logs.span(number, number)
        txs = self.logs.tx_hashes(lo, hi)
        block_hash = self.chain.hash_of(number)
        if full:  # the replay knows no transaction bodies: where they sit, nothing else
            txs = [{"blockHash": block_hash, "blockNumber": hex(number), "hash": h,
                    "transactionIndex": hex(i)} for i, h in enumerate(txs)]
        return {
            "number": hex(number), "hash": block_hash,
            "parentHash": self.chain.hash_of(number - 1),
            "timestamp": hex(self.chain.ts_of(number)),
            "nonce": "0x0000000000000000", "sha3Uncles": EMPTY_UNCLES,
            "logsBloom": "0x" + "00" * 256, "transactionsRoot": EMPTY_TRIE,
            "stateRoot": EMPTY_TRIE, "receiptsRoot": EMPTY_TRIE,
            "miner": "0x" + "00" * 20, "difficulty": "0x1", "totalDifficulty": hex(number + 1),
            "extraData": "0x", "size": hex(600 + 120 * len(txs)), "gasLimit": hex(30_000_000),
            "gasUsed": hex(150_000 * len(txs)), "baseFeePerGas": hex(30_000_000_000),
            "mixHash": "0x" + "00" * 32, "uncles": [], "transactions": txs,
        }

    # ------------------------------------------------------------------ logs

    def get_logs(self, params: list) -> list[dict]:
        if not params:
            raise RpcError(-32602, "missing value for required argument 0")
        crit = params[0]
        if not isinstance(crit, dict):
            raise _bad_arg(0, "json: cannot unmarshal non-object into Go value of type "
                              "filters.FilterCriteria")
        if crit.get("blockHash") is not None:
            raise _bad_arg(0, "blockHash filters are not served by the replay: use "
                              "fromBlock/toBlock")
        addresses = _addresses(crit.get("address"))
        topics = _topics(crit.get("topics"))
        head = self.head()
        lo, lo_given = self._block_number(_or_latest(crit.get("fromBlock")), 0, head)
        hi, hi_given = self._block_number(_or_latest(crit.get("toBlock")), 0, head)
        if lo_given and hi_given and lo > hi:
            raise RpcError(-32602, "invalid block range params")
        cap = self.limits.max_block_range
        if cap is not None and hi - lo + 1 > cap:
            raise RpcError(-32005, "block range is too large")
        hi = min(hi, head)
        if lo > hi:
            return []
        rows = self.logs.select(lo, hi, addresses, topics)
        most = self.limits.max_results
        if len(rows) > most:
            # the largest prefix of the range that fits (Infura's hint, uppercase hex digits)
            fits = max(lo, int(self.logs.block[rows[most]]) - 1)
            raise RpcError(-32005, f"query returned more than {most} results. Try with this "
                                   f"block range [0x{lo:X}, 0x{fits:X}].")
        return self.logs.render(rows)


def routes(rpc: ChainRpc, on_methods: Callable[[list[str]], None] = lambda m: None
           ) -> list[web.RouteDef]:
    async def handle(request: web.Request) -> web.Response:
        payload = request.get(PAYLOAD_KEY)
        if payload is None:
            payload = parse_body(await request.read())
        body, methods = rpc.answer(payload)
        on_methods(methods)
        return web.Response(text=json.dumps(body, separators=(",", ":")),
                            content_type="application/json")

    return [web.post(RPC_PATH, handle, name="rpc")]
