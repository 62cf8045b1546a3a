"""The tape sweep (docs/architecture.md, "Refresh"): with a chain source, a refresh reads
every fill and activity log since one cursor — all wallets' at once, no wallet in the filter —
and routes the rows to the wallets it keeps, so a refresh costs what happened since the last
one, not a request per wallet.

The sweep covers wallets loaded completely before with the chain as their V2 source, from
the earliest of their cursors (less the overlap) to the run's head block; the others (new
wallets, failed ones, wallets still on the Data API) are loaded one job at a time as usual.
Rows are written range by range as the scan advances (a fill or activity read twice is
recognised by id), and the swept wallets' cursors move to the head only once the whole range
is stored: a sweep killed half way is read again from the old cursors, doubling nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from polyrank.ingest.chain import ChainReader, OnRange
from polyrank.ingest.writer import Writer
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
    decode_activity,
    decode_fill,
    fill_version,
)
from polyrank.upstream.records import Fill
from polyrank.upstream.retry import FailureStreak


@dataclass
class SweepReport:
    wallets: int = 0  # wallets the sweep brought up to date
    from_block: int = 0
    to_block: int = 0
    logs: int = 0  # logs read (every wallet's)
    fills_fetched: int = 0  # of them, fills of swept wallets
    fills_new: int = 0
    activities_fetched: int = 0
    activities_new: int = 0
    internal: int = 0  # ConditionalTokens logs of the adapter's or an exchange's own legs
    per_wallet: Counter = field(default_factory=Counter)  # wallet -> rows read


def sweepable(since: Mapping[str, int], sources: Mapping[str, str], *, chain_v1: bool
              ) -> set[str]:
    """The wallets a sweep can bring up to date: a complete load before (a cursor) whose V2
    era came from the chain, with the cursor inside the chain's era (after the migration,
    unless the chain has the V1 era too: before it the subgraphs' rows have other ids)."""
    return {w for w, start in since.items() if sources.get(w) == "chain"
            and (chain_v1 or start >= V2_MIGRATION_TS)}


async def sweep(chain: ChainReader, writer: Writer, wallets: Collection[str], since: int,
                to_block: int, streak: FailureStreak, *, activities: bool = True,
                on_range: OnRange | None = None) -> SweepReport:
    """Read every exchange fill and activity log from `since` through `to_block`, keep the
    rows of `wallets`, write them range by range, then move the wallets' cursors."""
    keep = {w.lower() for w in wallets}
    start = await chain.clock.block_at(since, streak=streak)
    report = SweepReport(len(keep), start, to_block)
    if start <= to_block:
        kinds = [("sweep:fills", (*EXCHANGES_V2, *EXCHANGES_V1),
                  [[ORDER_FILLED_V2, ORDER_FILLED_V1]])]
        if activities:
            kinds.append(("sweep:activities", ACTIVITY_CONTRACTS, [list(ACTIVITY_TOPICS)]))
        for key, addresses, topics in kinds:
            async for first, last, logs in chain.scanner.scan(addresses, topics, start,
                                                                to_block, streak=streak,
                                                                key=key):
                report.logs += len(logs)
                await _route(chain, writer, keep, logs, streak, report)
                if on_range is not None:
                    on_range(first, last)
    writer.mark_swept(sorted(keep), report.per_wallet)
    return report


async def _route(chain: ChainReader, writer: Writer, keep: set[str], logs: list[ChainLog],
                 streak: FailureStreak, report: SweepReport) -> None:
    """Decode the logs, keep those of `keep` (timestamps from their blocks) and write them."""
    fills: list[tuple[int, Fill, int]] = []  # (block, fill, exchange version)
    acts: list[tuple[int, WalletActivity]] = []
    for log in logs:
        if log.topics and log.topics[0] in (ORDER_FILLED_V1, ORDER_FILLED_V2):
            fill = decode_fill(log, 0)  # the time is read below, for the kept rows only
            if fill.maker in keep:
                fills.append((log.block, fill, fill_version(log)))
            continue
        act = decode_activity(log, 0)
        if act is None:
            report.internal += 1
        elif act.wallet in keep:
            acts.append((log.block, act))
    times = await chain.clock.timestamps({b for b, *_ in (*fills, *acts)}, streak=streak)
    new_fills, new_acts = writer.write_swept(
        [(replace(f, timestamp=times[b]), v) for b, f, v in fills],
        [replace(a, timestamp=times[b]) for b, a in acts])
    report.fills_fetched += len(fills)
    report.fills_new += new_fills
    report.activities_fetched += len(acts)
    report.activities_new += new_acts
    report.per_wallet.update(f.maker for _, f, _ in fills)
    report.per_wallet.update(a.wallet for _, a in acts)
