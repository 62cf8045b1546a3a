"""How far the upstream reaches now: the time up to which what the sources serve is complete.
A wallet loaded in full now is complete up to it (its cursor), and a catalogue sync records it
(the next incremental sync starts from it). Never the wall clock: a source lags, and a replay
serves an earlier time.

The orderbook subgraph says its head (`_meta`), but it indexes the V1 exchanges only and
Goldsky no longer maintains it (docs/protocols.md §1.10): once it has indexed past the V2
migration it has nothing more to add, and its head may stop moving. From then on the clock is
the Data API's: the time of the newest trade it lists (`/trades`, newest first, one row)."""

from __future__ import annotations

from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.goldsky import Goldsky
from polyrank.upstream.retry import FailureStreak


async def upstream_head(goldsky: Goldsky, data_api: DataApi | None,
                        streak: FailureStreak) -> int | None:
    """The upstream's present (unix seconds), or None when no source says it. Raises the
    sources' UpstreamError."""
    subgraph = await goldsky.head(streak)
    if data_api is None:
        return subgraph
    newest = await data_api.recent_trades(0, streak=streak, limit=1)
    data = newest[0].timestamp if newest else None
    if subgraph is not None and subgraph < V2_MIGRATION_TS:
        # before the migration the subgraph's fills count: complete only up to its head
        return subgraph if data is None else min(subgraph, data)
    return data if data is not None else subgraph
