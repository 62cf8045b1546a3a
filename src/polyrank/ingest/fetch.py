"""What one ingest job reads, and from which upstream (docs/architecture.md, "Loading"): the
orderbook subgraph's fills (a sized batch by `maker_in`, its ids split into parts read
concurrently when the host's limit wants more reads; a fixed batch with its heavy wallets split
off and paged alone; or `--max-trades`' most recent), the activity subgraph's V1-era
activities, and the V2 era from the chain (`rpc_url`) or the Data API. A failure raises the
upstream's error: `_Run` decides what it fails (a batch is retried wallet by wallet, a wallet
fails whole)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from polyrank.errors import UpstreamError
from polyrank.ingest.chain import ChainReader
from polyrank.ingest.monitor import WorkerState
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.plan import Job, heavy_wallets, span, split_point
from polyrank.ingest.v2 import SOURCE as V2_SOURCE
from polyrank.ingest.v2 import fetch_recent_v2, fetch_v2, without_known
from polyrank.ingest.writer import WalletOutcome
from polyrank.settings import V2_MIGRATION_TS
from polyrank.upstream.activity_subgraph import ActivitySubgraph
from polyrank.upstream.chain.abi import SOURCE as CHAIN_SOURCE
from polyrank.upstream.data_api import DataApi
from polyrank.upstream.goldsky import Goldsky, token_of
from polyrank.upstream.records import Fill
from polyrank.upstream.retry import FailureStreak

log = logging.getLogger(__name__)

#: Told what a batch of unknown wallets holds: (wallets, their rows, measured or estimated)
Learn = Callable[[int, float], None]


@dataclass(eq=False)
class Sweep:
    """One sized batch's read of the orderbook subgraph, in parts over ranges of ids (each
    part a job, read concurrently): the rows every part found, the share of the id space read
    so far and how many parts still run. The part that ends last carries the job on; a part
    that fails fails the read (the others stop at their next page)."""

    wallets: frozenset[str]
    rows: list[Fill] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)  # the rows' tokens
    read: float = 0.0
    running: int = 1
    error: UpstreamError | None = None

    def rows_left(self, after: str, until: str) -> float | None:
        """The rows expected in the ids (`after`, `until`], at the density read so far."""
        width = span(after, until)
        return None if width is None or self.read <= 0 else len(self.rows) / self.read * width


class Fetch:
    """The reads of a run's jobs, over its clients; `head_block` is the chain's block every
    wallet of the run is read up to (0 without a chain); `learn` hears what the first page of
    each batch of unknown wallets says of them; `wants_read` says whether the run would use
    one more concurrent read of the subgraph (a part split off a sized batch's)."""

    def __init__(self, goldsky: Goldsky, data_api: DataApi, activity: ActivitySubgraph,
                 chain: ChainReader | None, options: IngestOptions, head_block: int, *,
                 learn: Learn | None = None,
                 wants_read: Callable[[], bool] | None = None) -> None:
        self.goldsky, self.data_api, self.activity = goldsky, data_api, activity
        self.chain, self.options, self.head_block = chain, options, head_block
        self.learn, self.wants_read = learn, wants_read
        self.reading = 0  # parts of sized batches reading now
        self.parts = 0  # parts split off sized batches' reads
        self._sweeps: set[Sweep] = set()  # sized batches' reads not ended yet

    def tokens_ahead(self) -> set[str]:
        """The tokens of the rows the sized batches' reads hold (not committed yet)."""
        return set().union(*(sweep.tokens for sweep in self._sweeps))

    async def job(self, job: Job, queue: asyncio.Queue[Job], streak: FailureStreak,
                  state: WorkerState) -> list[WalletOutcome]:
        """Every source of the job's wallets; heavy wallets of a batch are queued alone."""
        if self.chain is not None and self.options.chain_v1:
            outcomes = [WalletOutcome(w, [], v1_source=CHAIN_SOURCE) for w in job.wallets]
        elif job.solo:
            outcomes = [await self._fetch_solo(job, streak)]
        elif job.expected:
            read = await self._fetch_part(job, queue, streak)
            if read is None:
                return []  # the read's other parts still run: the last one carries it on
            outcomes = read
        else:
            outcomes = await self._fetch_batch(job, queue, streak)
        await self._add_v1_activities(outcomes, job.since, streak)
        if self.chain is not None and not self.options.max_trades:
            await self._add_chain(outcomes, job.since, streak, state)
            return outcomes
        # the Data API is asked per wallet: the job's wallets at once (the connection pool
        # and the host's limiter bound how many are in flight)
        await asyncio.gather(*(self._add_v2(o, job.since, streak) for o in outcomes))
        return outcomes

    async def _fetch_solo(self, job: Job, streak: FailureStreak) -> WalletOutcome:
        wallet = job.wallets[0]
        if self.options.max_trades:
            return await self._recent(wallet, self.options.max_trades, job.since, streak)
        rest = await self._page_by_id([wallet], job.since, streak, after=job.after)
        return WalletOutcome(wallet, [*job.carry, *rest])

    async def _recent(self, wallet: str, limit: int, since: int,
                            streak: FailureStreak) -> WalletOutcome:
        """--max-trades: the wallet's `limit` most recent fills over both sources. V2 fills
        are the newest, so the Data API is read first (newest first, stopping early); the
        subgraph is asked only for what is left of the limit. Activities (splits, merges,
        redemptions, conversions) are skipped in this mode: TRADE rows only."""
        v2 = []
        if self.options.data_api:
            try:
                v2 = await fetch_recent_v2(self.data_api, wallet, limit, since, streak)
            except UpstreamError as exc:
                log.error("wallet %s failed: Data API: %s", wallet, exc)
                return WalletOutcome(wallet, [], error=f"Data API: {exc}")
            if len(v2) > limit:
                return WalletOutcome(wallet, [], True, v2=v2[:limit], v2_source=V2_SOURCE)
        fills, truncated = await self.goldsky.fetch_recent(wallet, limit - len(v2), since,
                                                           streak)
        return WalletOutcome(wallet, fills, truncated, v2=without_known(v2, fills),
                             v2_source=V2_SOURCE if self.options.data_api else "")

    async def _add_v1_activities(self, outcomes: list[WalletOutcome], start: int,
                                 streak: FailureStreak) -> None:
        """The wallets' splits, merges and redemptions before the V2 migration, from the
        activity subgraph, in one batched listing (like their fills). A failure fails the
        job like a fill page's: a batch is retried wallet by wallet, a wallet fails whole.
        Not read with `max_trades` (a capped history has no complete positions anyway)."""
        wanted = [o for o in outcomes if not o.failed]
        if (self.options.max_trades or not self.options.activities or not wanted
                or start >= V2_MIGRATION_TS or (self.chain and self.options.chain_v1)):
            return
        found = await self.activity.fetch([o.wallet for o in wanted], start, V2_MIGRATION_TS,
                                          streak)
        by_wallet: dict[str, list] = defaultdict(list)
        for act in found:
            by_wallet[act.wallet].append(act)
        for outcome in wanted:
            outcome.activities = [*by_wallet[outcome.wallet], *outcome.activities]

    async def _add_v2(self, outcome: WalletOutcome, since: int, streak: FailureStreak
                      ) -> None:
        """The second source: the wallet's fills and position-changing activities from the V2
        migration on. A failure here fails the wallet (nothing of it is written), never the
        batch it came with."""
        if not self.options.data_api or outcome.failed or outcome.v2_source:
            return
        try:
            history = await fetch_v2(self.data_api, outcome.wallet, since, streak,
                                     v1=outcome.fills,
                                     activities=self.options.activities)
            outcome.v2 = history.fills
            outcome.activities = [*outcome.activities, *history.activities]
            outcome.activities_skipped = history.skipped
            outcome.v2_source = V2_SOURCE
        except UpstreamError as exc:
            log.error("wallet %s failed: Data API: %s", outcome.wallet, exc)
            outcome.error = f"Data API: {exc}"

    async def _add_chain(self, outcomes: list[WalletOutcome], since: int,
                         streak: FailureStreak, state: WorkerState) -> None:
        """The chain source: the job's wallets' V2-era fills (with fees) and activities (and,
        with `chain_v1`, the V1 era's too) in one scan per kind, up to the run's head block.
        A failure fails the job like a subgraph page's: a batch is retried wallet by wallet,
        a wallet fails whole."""
        wanted = [o for o in outcomes if not o.failed]
        if not wanted or self.chain is None:
            return

        def advance(first: int, last: int) -> None:
            state.block, state.block_to = last, self.head_block

        history = await self.chain.read([o.wallet for o in wanted], since, self.head_block,
                                        streak, activities=self.options.activities,
                                        on_range=advance)
        for outcome in wanted:
            found = history.wallets[outcome.wallet]
            outcome.fills = [*outcome.fills, *found.v1]
            outcome.v2, outcome.v2_source = found.v2, CHAIN_SOURCE
            outcome.activities = [*outcome.activities, *found.activities]

    async def _page_by_id(self, makers: list[str], since: int, streak: FailureStreak,
                          after: str = "") -> list[Fill]:
        wanted, rows = set(makers), []
        while True:
            page = await self.goldsky.fills_after(makers, after, since, streak)
            rows.extend(f for f in page.fills if f.maker in wanted)
            if not page.full:
                return rows
            after = page.fills[-1].id

    async def _fetch_batch(self, job: Job, queue: asyncio.Queue[Job],
                           streak: FailureStreak) -> list[WalletOutcome]:
        makers = list(job.wallets)
        page = await self.goldsky.fills_after(makers, "", job.since, streak)
        rows = [f for f in page.fills if f.maker in job.wallets]
        if page.full:
            heavy = heavy_wallets((f.maker for f in page.fills), job.wallets,
                                  self.options.heavy_rows)
            last = page.fills[-1].id  # every row of the batch up to `last` is in this page
            for wallet in heavy:
                carry = tuple(f for f in rows if f.maker == wallet)
                queue.put_nowait(Job((wallet,), solo=True, after=last, carry=carry,
                                     since=job.since))
            makers = [m for m in makers if m not in heavy]
            rows = [f for f in rows if f.maker not in heavy]
            if makers:
                rows += await self._page_by_id(makers, job.since, streak, after=last)
        by_wallet: dict[str, list[Fill]] = {m: [] for m in makers}
        for fill in rows:
            by_wallet[fill.maker].append(fill)
        return [WalletOutcome(w, fills) for w, fills in by_wallet.items()]

    async def _fetch_part(self, job: Job, queue: asyncio.Queue[Job], streak: FailureStreak
                          ) -> list[WalletOutcome] | None:
        """One part of a sized batch's read (the first part starts the `Sweep`): its ids
        (`job.after`, `job.until`] page by page, split again when the run wants another read.
        Returns the batch's outcomes if it was the last part to end, else None; the last part
        raises the read's error, if any part met one."""
        sweep = job.sweep or Sweep(frozenset(job.wallets))
        self._sweeps.add(sweep)
        makers, after, until = list(job.wallets), job.after, job.until
        self.reading += 1
        try:
            while sweep.error is None:
                page = await self.goldsky.fills_after(makers, after, job.since, streak, until)
                found = [f for f in page.fills if f.maker in sweep.wallets]
                sweep.rows.extend(found)
                sweep.tokens.update(token_of(f) for f in found)
                width = span(after, page.fills[-1].id if page.full else until)
                sweep.read += width or 0.0
                if job.unknown and not after and self.learn:  # the batch's first page
                    self.learn(len(makers), len(found) / width if page.full and width
                               else len(found))
                if not page.full:
                    break
                after = page.fills[-1].id
                until = self._split(job, sweep, after, until, queue)
        except UpstreamError as exc:
            sweep.error = sweep.error or exc
        finally:
            self.reading -= 1
        sweep.running -= 1
        if sweep.running:
            return None
        self._sweeps.discard(sweep)
        if sweep.error is not None:
            raise sweep.error
        by_wallet: dict[str, list[Fill]] = {w: [] for w in job.wallets}
        for fill in sweep.rows:
            by_wallet[fill.maker].append(fill)
        return [WalletOutcome(w, fills) for w, fills in by_wallet.items()]

    def _split(self, job: Job, sweep: Sweep, after: str, until: str,
               queue: asyncio.Queue[Job]) -> str:
        """Where this part now stops: half its ids left go to a new part (queued) when the
        run wants another read and enough rows are left for two."""
        if self.wants_read is None or not self.wants_read():
            return until
        rows_left = sweep.rows_left(after, until)
        mid = split_point(after, until, rows_left or 0.0, self.options.page_size)
        if mid is None:
            return until
        sweep.running += 1
        self.parts += 1
        queue.put_nowait(replace(job, after=mid, until=until, sweep=sweep, unknown=False))
        return mid
