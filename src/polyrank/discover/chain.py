"""The chain's trade tape as a source of wallets (docs/protocols.md §7): every maker of
every `OrderFilled` log of the four exchanges in the period — both eras, from any Polygon
JSON-RPC provider, independent of the subgraphs and of the Data API's offset cap.

Swept a UTC day at a time like the subgraph's tape: a day is the block range from the first
block at or after its start to the last block before its end, read with the provider's
accepted spans (`LogScanner`), and written in one insert with its marker row once the day is
over (the finalized head is past its end); days already marked are skipped, except the
period's last. A log has no time, only a block: each maker's first and last blocks of the
day are then read (batched headers), never every log's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from polyrank.discover.registry import DAY, Seen, SourceReport, day_rows, done_days, insert
from polyrank.progress import Progress
from polyrank.store import Store
from polyrank.upstream.chain.abi import (
    EXCHANGES_V1,
    EXCHANGES_V2,
    ORDER_FILLED_V1,
    ORDER_FILLED_V2,
    decode_fill,
)
from polyrank.upstream.chain.blocks import BlockClock
from polyrank.upstream.chain.logs import LogScanner
from polyrank.upstream.chain.rpc import JsonRpc
from polyrank.upstream.retry import FailureStreak

SOURCE = "chain"


@dataclass
class _Maker:
    """A maker's fills of one day, by block (timestamps come after, for two blocks only)."""

    fills: int = 0
    volume_micro: int = 0
    first: int = 0
    last: int = 0

    def note(self, block: int, usdc_micro: int) -> None:
        self.first = block if not self.fills else min(self.first, block)
        self.last = max(self.last, block)
        self.fills += 1
        self.volume_micro += usdc_micro


async def day_makers(scanner: LogScanner, clock: BlockClock, first: int, last: int,
                     streak: FailureStreak) -> dict[str, Seen]:
    """address -> what the exchanges' logs of blocks [first, last] show of it as a maker."""
    found: dict[str, _Maker] = {}
    async for _, _, logs in scanner.scan((*EXCHANGES_V2, *EXCHANGES_V1),
                                         [[ORDER_FILLED_V2, ORDER_FILLED_V1]], first, last,
                                         streak=streak, key="tape"):
        for log in logs:
            fill = decode_fill(log, 0)  # the time is read below, per maker
            usdc = (fill.maker_amount_filled if fill.maker_asset_id == "0"
                    else fill.taker_amount_filled)
            found.setdefault(fill.maker, _Maker()).note(log.block, usdc)
    times = await clock.timestamps({b for m in found.values() for b in (m.first, m.last)},
                                   streak=streak)
    return {who: Seen(m.fills, m.volume_micro, times[m.first], times[m.last])
            for who, m in found.items()}


async def sweep_chain(rpc: JsonRpc, store: Store, days: Sequence[int], streak: FailureStreak,
                      progress: Progress, *, max_span: int | None = None) -> SourceReport:
    """Every maker on the chain, one UTC day of blocks at a time."""
    report = SourceReport(SOURCE, days=len(days))
    done = done_days(store, SOURCE, days)
    todo = [d for d in days if d not in done or d == days[-1]]
    report.days_already = len(days) - len(todo)
    clock, scanner = BlockClock(rpc), LogScanner(rpc, max_span=max_span)
    head_block, head_ts = await clock.finalized(streak=streak)
    todo = [d for d in todo if d <= head_ts]  # days after the head have nothing yet
    report.days = report.days_already + len(todo)
    wallets: set[str] = set()
    requests = rpc.requests
    with progress.task("discover: chain days", total=len(todo)) as bar:
        for day in todo:
            first = await clock.block_at(day, streak=streak)
            last = min(await clock.block_at(day + DAY, streak=streak) - 1, head_block)
            seen = await day_makers(scanner, clock, first, last, streak) if first <= last \
                else {}
            insert(store, day_rows(SOURCE, day, seen, marked=day + DAY <= head_ts))
            report.rows += sum(s.fills for s in seen.values())
            wallets.update(seen)
            bar.advance(1)
    report.requests, report.wallets = rpc.requests - requests, len(wallets)
    return report
