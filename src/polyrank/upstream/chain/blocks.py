"""Block timestamps. A log carries its block number, not its time, and Polygon's block times are
irregular (about 2 s, with stalls and faster stretches), so times are read from headers:
in JSON-RPC batches, never one request per log, and cached (the store keeps what was read:
`new`). `block_at` turns a time into a block for eth_getLogs ranges by interpolation over
headers, a batch of probes per round, so it costs a handful of requests, not a bisection's
two dozen."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable, Mapping
from typing import Any

from polyrank.errors import InvalidArgument, TransientUpstreamError, UpstreamDataError
from polyrank.upstream.chain.abi import quantity
from polyrank.upstream.chain.rpc import JsonRpc
from polyrank.upstream.retry import FailureStreak

FINAL_WINDOW = 16  # a bracket this narrow is read whole: one request, then exact
LADDER = 4  # probes around the interpolated guess at distances 1, 4, 16, ...
GRID = 12  # and evenly spaced ones: a stall (no block for an hour) misleads interpolation


class BlockClock:
    """Block number <-> time over one node; `new` holds the headers read since construction
    (block -> timestamp), for the caller to persist."""

    def __init__(self, rpc: JsonRpc, known: Mapping[int, int] | None = None) -> None:
        self.rpc = rpc
        self.cache: dict[int, int] = dict(known or {})
        self._blocks = sorted(self.cache)  # the cached blocks, for bracketing a time
        self.new: dict[int, int] = {}
        self._reading: dict[int, asyncio.Future] = {}  # block -> the read under way

    def _remember(self, block: int, timestamp: int) -> None:
        if block not in self.cache:
            bisect.insort(self._blocks, block)
        self.cache[block] = timestamp
        self.new[block] = timestamp

    async def head(self, *, streak: FailureStreak) -> tuple[int, int]:
        """(number, timestamp) of the node's latest block."""
        raw = await self.rpc.call("eth_getBlockByNumber", ["latest", False], streak=streak)
        return self._latest(raw)

    async def finalized(self, *, streak: FailureStreak) -> tuple[int, int]:
        """(number, timestamp) of the node's finalized block: how far a load reads, so that
        no log is stored from a block a reorganisation could still drop."""
        raw = await self.rpc.call("eth_getBlockByNumber", ["finalized", False], streak=streak)
        number, timestamp = _header(raw, "finalized")
        self._remember(number, timestamp)
        return number, timestamp

    def take_new(self) -> dict[int, int]:
        """The headers read since the last call (for the caller to persist)."""
        new, self.new = self.new, {}
        return new

    def _latest(self, raw: Any) -> tuple[int, int]:
        number, timestamp = _header(raw, "latest")
        self._remember(number, timestamp)
        return number, timestamp

    async def _head_and_genesis(self, streak: FailureStreak) -> tuple[int, int]:
        """head(), reading block 0 in the same request."""
        latest, genesis = await self.rpc.batch(
            [("eth_getBlockByNumber", ["latest", False]), ("eth_getBlockByNumber", ["0x0", False])],
            streak=streak)
        number, timestamp = _header(genesis, "0")
        if number != 0:
            raise UpstreamDataError(f"eth_getBlockByNumber 0: the node answered block {number}",
                                    url=self.rpc.url)
        self._remember(0, timestamp)
        return self._latest(latest)

    async def timestamps(self, blocks: Iterable[int], *,
                         streak: FailureStreak) -> dict[int, int]:
        """block -> timestamp for each of `blocks`; the ones not cached are read in batches."""
        wanted = set(blocks)
        if any(isinstance(b, bool) or not isinstance(b, int) or b < 0 for b in wanted):
            raise InvalidArgument("blocks", "block numbers are ints >= 0")
        # headers another task is reading already are awaited, not read twice (the workers
        # of a run share one clock, and a run's jobs meet in the same blocks)
        others = {self._reading[b] for b in wanted if b in self._reading}
        missing = sorted(wanted - self.cache.keys() - self._reading.keys())
        if missing:
            mine = asyncio.get_running_loop().create_future()
            self._reading.update(dict.fromkeys(missing, mine))
            try:
                await self._read(missing, streak)
                mine.set_result(None)
            except BaseException as exc:
                mine.set_exception(exc)
                mine.exception()  # retrieved here: the waiting tasks re-read on their own
                raise
            finally:
                for block in missing:
                    self._reading.pop(block, None)
        if others:
            await asyncio.wait(others)
            # a read that failed elsewhere is tried again here (or fails here too)
            await self.timestamps(wanted - self.cache.keys(), streak=streak)
        return {b: self.cache[b] for b in wanted}

    async def _read(self, blocks: list[int], streak: FailureStreak) -> None:
        headers = await self.rpc.batch(
            [("eth_getBlockByNumber", [hex(b), False]) for b in blocks], streak=streak)
        for block, raw in zip(blocks, headers, strict=True):
            if raw is None:
                raise TransientUpstreamError(
                    f"{self.rpc.url}: the node has no block {block} (behind the others, "
                    "or the block is ahead of the chain)", url=self.rpc.url)
            number, timestamp = _header(raw, str(block))
            if number != block:
                raise UpstreamDataError(f"eth_getBlockByNumber {block}: the node "
                                        f"answered block {number}", url=self.rpc.url)
            self._remember(block, timestamp)

    async def block_at(self, ts: int, *, streak: FailureStreak) -> int:
        """The first block whose timestamp is >= ts; head + 1 when none is yet."""
        if isinstance(ts, bool) or not isinstance(ts, int):
            raise InvalidArgument("ts", f"a unix time in seconds, got {ts!r}")
        lo, hi = self._bracket(ts)
        if lo is None and 0 not in self.cache:
            head, head_ts = await self._head_and_genesis(streak)
        else:
            head, head_ts = await self.head(streak=streak)
        if head_ts < ts:
            return head + 1
        if hi is None or hi > head:
            hi = head
        if lo is None:
            if (await self.timestamps([0], streak=streak))[0] >= ts:
                return 0
            lo = 0
        while hi - lo > 1:
            found = await self.timestamps(self._probes(ts, lo, hi), streak=streak)
            for block, timestamp in found.items():
                if timestamp < ts:
                    lo = max(lo, block)
                else:
                    hi = min(hi, block)
            if lo >= hi:
                raise UpstreamDataError(f"block timestamps are not increasing around block "
                                        f"{hi} (time {ts})", url=self.rpc.url)
        return hi

    def _bracket(self, ts: int) -> tuple[int | None, int | None]:
        """The cached blocks around `ts`: the last one before it, the first one at or after."""
        i = bisect.bisect_left(self._blocks, ts, key=self.cache.__getitem__)
        lo = self._blocks[i - 1] if i > 0 else None
        hi = self._blocks[i] if i < len(self._blocks) else None
        return lo, hi

    def _probes(self, ts: int, lo: int, hi: int) -> list[int]:
        """Blocks to read next, strictly inside (lo, hi) where time(lo) < ts <= time(hi): the
        interpolated guess, a ladder around it (so the next bracket is a few times the
        guess's error), and an even grid (so a bracket shrinks GRID + 1 times whatever the
        chain did); or the whole bracket once it is narrow."""
        if hi - lo - 1 <= FINAL_WINDOW:
            return list(range(lo + 1, hi))
        t_lo, t_hi = self.cache[lo], self.cache[hi]
        guess = lo + (ts - t_lo) * (hi - lo) // max(1, t_hi - t_lo)
        guess = min(max(guess, lo + 1), hi - 1)
        probes = {lo + (hi - lo) * k // (GRID + 1) for k in range(1, GRID + 1)}
        probes.add(guess)
        step = 1
        while step < hi - lo:
            probes.update((guess - step, guess + step))
            step *= LADDER
        return sorted(p for p in probes if lo < p < hi)


def _header(raw: Any, asked: str) -> tuple[int, int]:
    what = f"eth_getBlockByNumber {asked}"
    if not isinstance(raw, dict):
        raise UpstreamDataError(f"{what}: expected a block object, got {type(raw).__name__}")
    return quantity(raw.get("number"), "number", what), quantity(raw.get("timestamp"),
                                                                 "timestamp", what)
