"""Covering a block range with eth_getLogs calls the node accepts. Nodes cap a call's block
range (Alchemy 2k on some plans, QuickNode 10k, ...) or its result count (Infura 10,000 logs),
and the density of logs varies by orders of magnitude along the chain, so no fixed span fits:
the scanner asks a span, splits it when refused (at the node's suggested range when it names
one, else in halves), grows it back after a few accepted calls, and remembers per `key` the
span last accepted, so the next scan of the same kind (the next batch of wallets) starts
there instead of rediscovering it.

Growing past a width the node refused in this scan (the `ceiling`) waits: a hard block-range
cap would otherwise cost a refused call every few accepted ones. The wait doubles each time
the node refuses that width again, and ends when it accepts it (a result cap met in a dense
stretch lifts once the logs thin out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from polyrank.errors import InvalidArgument, PermanentUpstreamError, RangeTooLarge
from polyrank.upstream.chain.abi import ChainLog
from polyrank.upstream.chain.rpc import JsonRpc, Topic
from polyrank.upstream.retry import FailureStreak

GROW_AFTER = 3  # accepted calls in a row after which the span doubles
PATIENCE = 2  # growth chances let pass before a width refused in this scan is tried again


class LogScanner:
    """Adaptive eth_getLogs over one node. `spans`: key -> the span last accepted."""

    def __init__(self, rpc: JsonRpc, *, max_span: int | None = None) -> None:
        if max_span is not None and max_span < 1:
            raise InvalidArgument("max_span", f"must be >= 1, got {max_span}")
        self.rpc, self.max_span = rpc, max_span
        self.spans: dict[str, int] = {}

    async def scan(self, addresses: Sequence[str], topics: Sequence[Topic], from_block: int,
                   to_block: int, *, streak: FailureStreak,
                   key: str = "") -> AsyncIterator[tuple[int, int, list[ChainLog]]]:
        """(range_from, range_to, logs) in block order, the ranges covering [from_block,
        to_block] exactly once. A single block the node still refuses raises
        PermanentUpstreamError: no split can help, the filter must be narrowed."""
        if isinstance(from_block, bool) or from_block < 0:
            raise InvalidArgument("from_block", f"must be >= 0, got {from_block}")
        span = self.spans.get(key) or self.max_span or (to_block - from_block + 1)
        span = self._capped(span)
        accepted = held = 0
        ceiling: int | None = None  # the narrowest width refused since one as wide passed
        patience, probing = PATIENCE, False
        start = from_block
        while start <= to_block:
            end = min(to_block, start + span - 1)
            width = end - start + 1
            try:
                logs = await self.rpc.get_logs(addresses, topics, start, end, streak=streak)
            except RangeTooLarge as exc:
                if width == 1:
                    raise PermanentUpstreamError(
                        f"block {start} alone is refused by the node for its size, for this "
                        f"filter ({exc}): no smaller range exists; narrow the filter (fewer "
                        "addresses or topics)", url=exc.url) from exc
                if probing:
                    patience *= 2
                ceiling = width if ceiling is None else min(ceiling, width)
                span, accepted, probing = self._smaller(start, end, exc.hint), 0, False
                continue
            if ceiling is not None and width >= ceiling:
                ceiling, patience = None, PATIENCE
            probing = False
            if width == span or key not in self.spans:  # a range cut short by to_block
                self.spans[key] = width                 # proves no more than its width
            yield start, end, logs
            start = end + 1
            accepted += 1
            if accepted < GROW_AFTER:
                continue
            accepted, grown = 0, self._capped(span * 2)
            if ceiling is not None and grown >= ceiling:
                if held < patience:
                    held += 1
                    continue
                held, probing = 0, True
            span = grown

    def _smaller(self, start: int, end: int, hint: tuple[int, int] | None) -> int:
        """The node's suggestion when it is a range starting here and shorter than the one
        refused; else half of it."""
        if hint is not None and hint[0] == start and start <= hint[1] < end:
            return hint[1] - start + 1
        return max(1, (end - start + 1) // 2)

    def _capped(self, span: int) -> int:
        return max(1, min(span, self.max_span) if self.max_span else span)
