"""The chain source (docs/protocols.md §7): a job's wallets' fills and activities from
Polygon logs, with the V2 fees the Data API lacks.

A job's wallets are read together: one OR list in the maker topic of the exchanges'
`OrderFilled` (topic 2) and one in the stakeholder / redeemer topic of the ConditionalTokens
and NegRiskAdapter events (topic 1), so two scans cover them all, each split into block
ranges the provider accepts (`LogScanner`, which learns the provider's caps). Every log's
time comes from its block's header (`BlockClock`: read in batches, cached in the store).

Which era: from the V2 migration on by default (the subgraphs keep the V1 era, at a thousand
fills a request), from the beginning with `chain_v1`. The end is the run's head: the
provider's *finalized* block as the run began, so that no log is stored from a block a
reorganisation could still drop, and every wallet of the run is complete up to the same
block (its cursor is that block's time)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from polyrank.errors import UpstreamDataError
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity import WalletActivity
from polyrank.upstream.chain.abi import (
    ACTIVITY_CONTRACTS,
    ACTIVITY_TOPICS,
    EXCHANGES_V1,
    EXCHANGES_V2,
    ORDER_FILLED_V1,
    ORDER_FILLED_V2,
    ChainLog,
    address_topic,
    decode_activity,
    decode_fill,
    fill_version,
)
from polyrank.upstream.chain.blocks import BlockClock
from polyrank.upstream.chain.logs import LogScanner
from polyrank.upstream.chain.rpc import JsonRpc
from polyrank.upstream.records import Fill
from polyrank.upstream.retry import FailureStreak

#: (range_from, range_to) of a scan as it advances: progress by block
OnRange = Callable[[int, int], None]


@dataclass
class WalletChain:
    """One wallet's rows read from the chain."""

    v1: list[Fill] = field(default_factory=list)  # from the V1 exchanges (with `chain_v1`)
    v2: list[Fill] = field(default_factory=list)
    activities: list[WalletActivity] = field(default_factory=list)


@dataclass
class ChainHistory:
    wallets: dict[str, WalletChain]
    internal: int = 0  # ConditionalTokens logs of the adapter's or an exchange's own legs


class ChainReader:
    """Reads wallets' histories and the head from one JSON-RPC endpoint."""

    def __init__(self, rpc: JsonRpc, *, max_span: int | None = None, v1: bool = False,
                 known_blocks: dict[int, int] | None = None) -> None:
        self.rpc, self.v1 = rpc, v1
        self.clock = BlockClock(rpc, known_blocks)
        self.scanner = LogScanner(rpc, max_span=max_span)

    def first_ts(self, since: int) -> int:
        """Where the chain part of a history starts (the subgraphs have what is before)."""
        return since if self.v1 else max(since, V2_MIGRATION_TS)

    async def head(self, streak: FailureStreak) -> tuple[int, int]:
        """(number, timestamp) of the provider's finalized block."""
        return await self.clock.finalized(streak=streak)

    async def read(self, wallets: Sequence[str], since: int, to_block: int,
                   streak: FailureStreak, *, activities: bool = True,
                   on_range: OnRange | None = None) -> ChainHistory:
        """Every fill (maker == wallet) and activity of `wallets` from `since` (unix seconds,
        raised to the migration unless `chain_v1`) through block `to_block`."""
        wanted = [w.lower() for w in wallets]
        out = ChainHistory({w: WalletChain() for w in wanted})
        start = await self.clock.block_at(self.first_ts(since), streak=streak)
        if start > to_block:
            return out
        who = [address_topic(w) for w in wanted]
        exchanges = (*EXCHANGES_V2, *EXCHANGES_V1) if self.v1 else EXCHANGES_V2
        fill_topics = [ORDER_FILLED_V2, ORDER_FILLED_V1] if self.v1 else [ORDER_FILLED_V2]
        fills = await self._scan(exchanges, [fill_topics, None, who], start, to_block, streak,
                                 "fills", on_range)
        acts = await self._scan(ACTIVITY_CONTRACTS, [list(ACTIVITY_TOPICS), who], start,
                                to_block, streak, "activities", on_range) if activities else []
        times = await self.clock.timestamps({log.block for log in (*fills, *acts)},
                                            streak=streak)
        for log in fills:
            fill = decode_fill(log, times[log.block])
            mine = _owner(out, fill.maker, log)
            (mine.v2 if fill_version(log) == 2 else mine.v1).append(fill)
        for log in acts:
            act = decode_activity(log, times[log.block])
            if act is None:
                out.internal += 1
                continue
            _owner(out, act.wallet, log).activities.append(act)
        return out

    async def _scan(self, addresses: Sequence[str], topics: list, start: int, end: int,
                    streak: FailureStreak, key: str, on_range: OnRange | None
                    ) -> list[ChainLog]:
        found: list[ChainLog] = []
        async for first, last, logs in self.scanner.scan(addresses, topics, start, end,
                                                          streak=streak, key=key):
            found.extend(logs)
            if on_range is not None:
                on_range(first, last)
        return found


def _owner(history: ChainHistory, wallet: str, log: ChainLog) -> WalletChain:
    """The wallet a log belongs to; a log for a wallet not asked for is the provider's fault
    (the filter names every wallet), not something to store."""
    try:
        return history.wallets[wallet]
    except KeyError:
        raise UpstreamDataError(f"log {log.tx_hash}#{log.log_index} belongs to {wallet}, "
                                "which the filter did not ask for") from None
