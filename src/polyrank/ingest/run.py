"""One ingest run: plan -> concurrent fetchers (shared limiters, retries) -> one writer ->
checkpoint per wallet. Each wallet's history comes from two sources: the orderbook subgraph
(fills before the V2 migration, wallets batched) and then the Data API (fills from the
migration on, per wallet); the wallet is checkpointed once both are written. Kill it at any
moment and run it again: it resumes, and the store ends up identical to an uninterrupted run
(fills are keyed by id, wallets are marked done only after their rows are written)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from polyrank.errors import UpstreamError
from polyrank.ingest.clients import RunClients, open_clients
from polyrank.ingest.fetch import Fetch
from polyrank.ingest.monitor import Monitor, WorkerState
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.plan import (
    Batcher,
    Job,
    batch_jobs,
    cursors,
    plan_wallets,
    reads_wanted,
    sized_groups,
)
from polyrank.ingest.sweep import SweepReport, sweep, sweepable
from polyrank.ingest.writer import Committed, WalletOutcome, WalletState, Writer
from polyrank.progress import NullProgress, Progress, Task
from polyrank.settings import (
    V2_MIGRATION_TS,
    Settings,
)
from polyrank.stages import set_stage
from polyrank.store import Store
from polyrank.upstream.goldsky import token_of
from polyrank.upstream.http import count_requests
from polyrank.upstream.limiter import Sleep
from polyrank.upstream.retry import FailureStreak

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    run_id: str
    wallets_total: int
    already_done: int
    done: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)
    fills_fetched: int = 0
    fills_new: int = 0
    fills_duplicate: int = 0
    fills_v2: int = 0  # of fills_fetched: from the Data API (after the V2 migration)
    fills_without_fee: int = 0  # V2 fills stored with fee 0: the Data API carries no fee
    data_api_requests: int = 0  # requests that returned a Data API page
    fill_pages: int = 0  # requests that returned a page of the orderbook subgraph's fills
    read_parts: int = 0  # parts split off sized batches' reads (read concurrently)
    rpc_requests: int = 0  # JSON-RPC requests answered (the chain source)
    swept: int = 0  # wallets brought up to date by one sweep of the chain's tape
    replaced: int = 0  # wallets whose V2 era moved from the Data API to the chain (rows gone)
    activities_fetched: int = 0  # splits, merges, redemptions, conversions (both eras)
    activities_new: int = 0  # of them, not stored before
    activities_skipped: int = 0  # Data API rows of types that change no position
    unresolved_tokens: int = 0
    seconds: float = 0.0
    stage_s: dict[str, float] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)

    @property
    def fills_per_request(self) -> float:
        return self.fills_fetched / max(1, self.http.get("ok", 0))


class Ingest:
    def __init__(self, settings: Settings, store: Store, options: IngestOptions, *,
                 progress: Progress | None = None, sleep: Sleep = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self.settings, self.store, self.options = settings, store, options
        self.progress = progress or NullProgress()
        self.sleep, self.rng = sleep, rng or random.Random()
        self.run_id = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.writer = Writer(store, self.run_id)
        # per-wallet lines always go to the worker logs; to the log too unless bars show them
        self.line_level = logging.INFO if getattr(self.progress, "wants_lines", False) \
            else logging.DEBUG

    async def run(self, wallets: tuple[str, ...], *, command: str = "") -> IngestReport:
        started, started_at = time.monotonic(), datetime.now(UTC)
        opts = self.options
        state = self.writer.wallet_state(wallets)
        plan = plan_wallets(wallets, {w: s.status for w, s in state.items()},
                            refresh=opts.refresh or opts.incremental)
        since = cursors({w: s.loaded_to for w, s in state.items()}, opts.since,
                        opts.overlap_s) if opts.incremental else {}
        if self.settings.rpc_url:
            # a V2 era loaded from the Data API is read again from the chain, whole
            switching = {w for w, s in state.items() if s.v2_source == "data_api"}
            self.writer.replace_data_api = switching
            for wallet in switching & since.keys():
                since[wallet] = min(since[wallet], max(opts.since, V2_MIGRATION_TS))
        # (before the first request: the upstream's head opens its limit's first window)
        expected = self._expected(plan.todo, state, since)
        self._record_run(command, len(wallets), "running", started_at)
        set_stage(self.store, "ingest")
        if plan.retrying_failed:
            log.info("retrying %d previously failed wallet(s) first", plan.retrying_failed)
        log.info("ingest %s: %d wallets, %d already done, %d to load (%d from their cursor) "
                 "with %d workers", self.run_id, len(wallets), len(plan.already_done),
                 len(plan.todo), len(since), opts.workers)
        monitor = Monitor(self.settings.runtime_dir, self.run_id, self.options.workers,
                          len(plan.todo))
        try:
            async with open_clients(self.settings, self.options, self.writer, sleep=self.sleep,
                                    rng=self.rng) as clients:
                # how far the upstream reaches as the load begins: each wallet loaded in
                # full now is complete up to it (its cursor for the next refresh); the
                # request counts as worker 0's, the first to start
                with count_requests(monitor.workers[0]):
                    self.writer.head, head_block = await clients.head()
                run = _Run(self, monitor, clients, {w: s.attempts for w, s in state.items()},
                           head_block)
                self.writer.previous = {w: s.loaded_to for w, s in state.items()}
                todo, sweep_report = plan.todo, None
                if clients.chain is not None and opts.incremental and opts.sweep \
                        and not opts.max_trades:
                    # wallets already on the chain: one sweep of the tape since their cursors
                    swept = sweepable({w: since[w] for w in todo if w in since},
                                      {w: s.v2_source for w, s in state.items()},
                                      chain_v1=opts.chain_v1)
                    if swept:
                        with count_requests(monitor.workers[0]):
                            sweep_report = await run.sweep(swept, min(since[w] for w in swept))
                        todo = tuple(w for w in todo if w not in swept)
                await run.load(todo, since, set(plan.todo[:plan.retrying_failed]), expected)
        finally:
            monitor.close()
        report = run.report(len(wallets), len(plan.already_done),
                            time.monotonic() - started, sweep_report)
        status = "finished" if not report.failed else "finished_with_failures"
        self._record_run(command, len(wallets), status, started_at)
        set_stage(self.store, "ingested")
        monitor.stage = "ingested"
        monitor.publish(running=False, extra=run.extra())
        return report

    def _expected(self, todo: Sequence[str], state: dict[str, WalletState],
                  since: dict[str, int]) -> dict[str, float]:
        """What the store knows of the wallets' rows on the orderbook subgraph, to size the
        batches (`Writer.expected_rows`); nothing when the batches are not sized."""
        opts = self.options
        if not opts.sized:
            return {}
        loaded = {w: since.get(w, opts.since) for w in todo
                  if w in state and state[w].loaded_to > 0}
        fresh = [w for w in todo if w not in loaded]
        expected = self.writer.expected_rows(loaded, fresh, opts.since, V2_MIGRATION_TS)
        log.info("batches sized to %d pages of %d rows: %d of %d wallets with expected rows "
                 "(%d from their stored fills)", opts.batch_pages, opts.page_size,
                 len(expected), len(todo), len(loaded))
        return expected

    def _record_run(self, command: str, wallets: int, status: str, started_at: datetime
                    ) -> None:
        finished = None if status == "running" else datetime.now(UTC)
        self.store.insert("ingest_runs", [(self.run_id, command, self.options.workers, wallets,
                                           status, started_at, finished)],
                          ("run_id", "command", "workers", "wallets", "status", "started_at",
                           "finished_at"))


class _Run:
    """The state of one ingest run, shared by its workers: the monitor (which holds the run's
    only counters, published as they change and read once for the report), the upstream
    clients, the wallets' attempts so far and the time spent per stage."""

    def __init__(self, ingest: Ingest, monitor: Monitor, clients: RunClients,
                 attempts: dict[str, int], head_block: int) -> None:
        self.run_id, self.options, self.writer = ingest.run_id, ingest.options, ingest.writer
        self.progress, self.line_level = ingest.progress, ingest.line_level
        self.monitor, self.attempts = monitor, attempts
        self.http, self.goldsky = clients.http, clients.goldsky
        self.data_api, self.resolver = clients.data_api, clients.resolver
        self.chain, self.head_block = clients.chain, head_block
        self.fetch = Fetch(clients.goldsky, clients.data_api, clients.activity, clients.chain,
                           ingest.options, head_block, learn=self._learn,
                           wants_read=self._wants_read)
        # the jobs; sized batches' wallets not yet in one; the workers waiting for a job
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self.batcher = Batcher(ingest.options.sizing)
        self._idle = 0
        self.stage_s: defaultdict[str, float] = defaultdict(float)
        self._write_lock = asyncio.Lock()

    def report(self, wallets_total: int, already_done: int, seconds: float,
               swept: SweepReport | None = None) -> IngestReport:
        totals, monitor = self.monitor.totals, self.monitor
        parse_s = self.goldsky.parse_s + self.data_api.parse_s
        stage_s = {**self.stage_s, "decode": parse_s, "resolve": self.resolver.stats.seconds}
        stage_s["fetch"] = self.stage_s.get("fetch", 0.0) - parse_s
        return IngestReport(
            self.run_id, wallets_total, already_done, done=totals.wallets_done,
            failed=dict(monitor.failed), truncated=list(monitor.truncated),
            fills_fetched=totals.fills_fetched, fills_new=totals.fills_new,
            fills_duplicate=totals.fills_duplicate, fills_v2=totals.fills_v2,
            fills_without_fee=totals.fills_without_fee,
            data_api_requests=self.data_api.requests, fill_pages=self.goldsky.pages,
            read_parts=self.fetch.parts,
            rpc_requests=self.chain.rpc.requests if self.chain is not None else 0,
            swept=swept.wallets if swept is not None else 0, replaced=self.writer.replaced,
            activities_fetched=totals.activities_fetched, activities_new=totals.activities_new,
            activities_skipped=totals.activities_skipped,
            unresolved_tokens=len(self.resolver.missing), seconds=seconds, stage_s=stage_s,
            http=self.http.stats.as_dict())

    async def sweep(self, wallets: set[str], since: int) -> SweepReport:
        """Bring `wallets` up to date with one sweep of the chain's tape from `since`
        (`polyrank.ingest.sweep`), counted as worker 0's work."""
        assert self.chain is not None
        state = self.monitor.workers[0]
        state.state, state.current = "sweeping", [f"{len(wallets)} wallets"]
        started = time.perf_counter()

        with self.progress.task("sweep blocks", total=None) as bar:
            def step(first: int, last: int) -> None:
                state.block, state.block_to = last, self.head_block
                self.monitor.checkpoint(0)
                bar.update(note=f"block {last} of {self.head_block}")

            report = await sweep(self.chain, self.writer, wallets, since, self.head_block,
                                 FailureStreak(self.options.retry),
                                 activities=self.options.activities, on_range=step)
        self.stage_s["sweep"] += time.perf_counter() - started
        counts = state.counts
        counts.wallets_done += report.wallets
        counts.fills_fetched += report.fills_fetched
        counts.fills_new += report.fills_new
        counts.fills_duplicate += report.fills_fetched - report.fills_new
        counts.fills_v2 += report.fills_fetched
        counts.activities_fetched += report.activities_fetched
        counts.activities_new += report.activities_new
        state.state, state.current = "idle", []
        self.monitor.checkpoint(0)
        log.info("sweep: %d wallets up to date from block %d to %d: %d logs read, %d fills "
                 "(%d new) and %d activities (%d new) theirs", report.wallets,
                 report.from_block, report.to_block, report.logs, report.fills_fetched,
                 report.fills_new, report.activities_fetched, report.activities_new)
        return report

    # -- the concurrent part ---------------------------------------------------------------
    async def load(self, todo: tuple[str, ...], since: dict[str, int],
                   failed: set[str] | None = None,
                   expected: dict[str, float] | None = None) -> None:
        """Load `todo`, each wallet from its `since` (default: the options' `since`): in
        batches sized from `expected` rows and what the run learns (`Batcher`), or fixed ones
        (`batch_pages` None), or one wallet per job (`max_trades`, `batch_wallets` 1)."""
        opts, queue = self.options, self._queue
        if opts.sized:
            self.batcher.add(sized_groups(todo, failed or set(), since, opts.since),
                             expected or {})
            self._refill()
        else:
            for job in batch_jobs(todo, opts.batch_wallets if not opts.max_trades else 1,
                                  since, opts.since):
                queue.put_nowait(job)
        with self.progress.task("wallets", total=len(todo)) as total_bar:
            workers = [asyncio.create_task(self._worker(i, queue, total_bar))
                       for i in range(opts.workers)]
            publisher = asyncio.create_task(self._publish_loop())
            try:
                await queue.join()
            finally:
                for task in (*workers, publisher):
                    task.cancel()
                await asyncio.gather(*workers, publisher, return_exceptions=True)

    async def _worker(self, index: int, queue: asyncio.Queue[Job], total_bar: Task) -> None:
        streak = FailureStreak(self.options.retry)
        state = self.monitor.workers[index]
        # the worker's own requests (retries included) count on its state as they are sent
        with self.progress.task(f"worker {index}", total=None) as bar, count_requests(state):
            while True:
                self._idle += 1
                try:
                    job = await queue.get()
                finally:
                    self._idle -= 1
                try:
                    state.state, state.current = "fetching", list(job.wallets)
                    self._log_start(index, job)
                    self.monitor.checkpoint(index)
                    outcomes = await self._fetch_job(job, queue, streak, state)
                    if outcomes:
                        state.state = "committing"
                        committed, errors, note = await self._commit(outcomes, streak)
                        self._account(index, committed, errors, note)
                        total_bar.advance(len(committed))
                        bar.advance(len(committed))
                        bar.update(note=f"worker {index} {committed[-1].wallet[:10]}…")
                    state.state, state.current = "idle", []
                    self.monitor.checkpoint(index)
                finally:
                    # (before task_done: the queue is never empty while wallets still wait)
                    self._refill(force=job.unknown)
                    queue.task_done()

    def _learn(self, wallets: int, rows: float) -> None:
        """A batch of unknown wallets measured: the wallets still waiting can be sized."""
        self.batcher.learn(wallets, rows)
        log.debug("learned: %.1f rows per unknown wallet", self.batcher.mean or 0.0)
        self._refill()

    def _wants_read(self) -> bool:
        """Would one more concurrent read of the subgraph keep its limit busier? Yes when a
        worker waits for a job that no queued job will give it, and fewer parts read than the
        limit's rate times a round trip (`reads_wanted`)."""
        opts = self.options
        if not self._idle or not self._queue.empty():
            return False
        wanted = reads_wanted(opts.goldsky_limit, self.http.round_trip(self.goldsky.url),
                              opts.workers)
        return self.fetch.reading < wanted

    def _refill(self, *, force: bool = False) -> None:
        """Queue the batches the batcher can decide now (`force`: a batch of unknown wallets
        ended, whatever was learned from it)."""
        for job in self.batcher.take(force=force):
            self._queue.put_nowait(job)

    async def _fetch_job(self, job: Job, queue: asyncio.Queue[Job], streak: FailureStreak,
                         state: WorkerState) -> list[WalletOutcome]:
        started = time.perf_counter()
        try:
            return await self.fetch.job(job, queue, streak, state)
        except UpstreamError as exc:
            if len(job.wallets) > 1:
                log.warning("batch of %d wallets failed (%s): retrying each alone",
                            len(job.wallets), exc)
                for wallet in job.wallets:
                    queue.put_nowait(Job((wallet,), solo=True, since=job.since))
                return []
            log.error("wallet %s failed: %s", job.wallets[0], exc)
            return [WalletOutcome(job.wallets[0], [], error=str(exc))]
        finally:
            self.stage_s["fetch"] += time.perf_counter() - started

    async def _commit(self, outcomes: list[WalletOutcome], streak: FailureStreak
                      ) -> tuple[list[Committed], dict[str, str], tuple[int, int, int]]:
        """Write the job; returns what was committed, the failed wallets' errors and (tokens,
        newly resolved, unresolved) of the job."""
        tokens = {token_of(f): o.wallet for o in outcomes if not o.failed
                  for f in (*o.fills, *o.v2)}
        try:
            resolution = await self.resolver.resolve(tokens, streak, self.fetch.tokens_ahead())
            new, unresolved = resolution.new, resolution.unresolved
            token_markets = resolution.markets
        except UpstreamError as exc:  # the fills are kept; the tokens wait for enrichment
            log.warning("token look-up failed (%s): %d token(s) left unresolved", exc,
                        len(tokens))
            new, unresolved = [], {t for t in tokens if t not in self.resolver.known}
            token_markets = {}
        pairs = [(t, tokens[t]) for t in sorted(unresolved)]
        async with self._write_lock:
            started = time.perf_counter()
            committed = await asyncio.to_thread(self.writer.commit, outcomes, new, pairs,
                                                self.attempts, token_markets)
            if self.chain is not None:
                await asyncio.to_thread(self.writer.save_blocks, self.chain.clock.take_new())
            self.stage_s["insert"] += time.perf_counter() - started
        errors = {o.wallet: o.error for o in outcomes if o.failed}
        return committed, errors, (len(tokens), len(new), len(unresolved))

    # -- accounting, logs, status ----------------------------------------------------------
    def _account(self, worker: int, committed: list[Committed], errors: dict[str, str],
                 note: tuple[int, int, int]) -> None:
        monitor = self.monitor
        n_tokens, n_new_tokens, n_unresolved = note
        for c in committed:
            monitor.record(worker, c, errors.get(c.wallet, ""))
            pos, total = monitor.position, monitor.total
            pct = 100.0 * pos / total if total else 100.0
            what = "FAILED: " + errors.get(c.wallet, "") if c.failed else (
                f"fetched {c.fetched} fills ({c.v2_fetched} V2, {c.v2_without_fee} of them "
                f"without fee), "
                f"new {c.new}, duplicates {c.duplicate}, inserted {c.new}; activities "
                f"{c.activities_fetched} (new {c.activities_new}, skipped other types "
                f"{c.activities_skipped})" + (" (truncated)" if c.truncated else ""))
            line = f"[{pos}/{total}] {pct:.1f}% - wallet {c.wallet}: {what}"
            monitor.log(worker, line)
            log.log(self.line_level, "worker %d %s", worker, line)
        stats = self.resolver.stats
        rate = stats.looked_up / stats.seconds if stats.seconds else 0.0
        monitor.log(worker, f"tokens: {n_tokens} in batch, {n_new_tokens} newly resolved, "
                            f"{n_unresolved} unresolved; look-ups so far {stats.looked_up} "
                            f"at {rate:.0f} tokens/s")

    def _log_start(self, worker: int, job: Job) -> None:
        pos, total = self.monitor.position, self.monitor.total
        pct = 100.0 * pos / total if total else 100.0
        if len(job.wallets) == 1:
            line = f"[{pos + 1}/{total}] {pct:.1f}% - Processing wallet: {job.wallets[0]}"
        else:
            line = (f"[{pos + 1}/{total}] {pct:.1f}% - Processing {len(job.wallets)} wallets "
                    f"together: {job.wallets[0]} … {job.wallets[-1]}")
            if job.sweep is not None:  # a part split off a sized batch's read
                line += f" (their ids after {job.after[:15]})"
        self.monitor.log(worker, line)
        log.debug("worker %d %s", worker, line)

    def extra(self) -> dict[str, Any]:
        return {"http": self.http.stats.as_dict(),
                "unresolved_tokens": len(self.resolver.missing)}

    async def _publish_loop(self) -> None:
        while True:
            self.monitor.publish(extra=self.extra())
            await asyncio.sleep(self.options.publish_every_s)
