"""`polyrank refresh`: bring a store up to date in one idempotent, resumable step.

1. discover new wallets (when asked: the tape's days not swept yet);
2. sync only what can have changed in the catalogue (open events, events closed since,
   new ones) — `sync_catalogue(incremental=True)`;
3. load every known wallet (loaded before, or in the registry) from its own cursor: what
   the upstream held when its last complete load began, less an overlap — new wallets
   whole;
4. when anything that the metrics read changed: enrich only the new fills (the catalogue's
   columns reach every fill through `trade_tokens`, rebuilt) and compute a new metrics run,
   which computes only the wallets whose figures can have changed and carries the others
   over (metrics/incremental.py; on a new UTC day every wallet, for its risk figures, with
   most of what it read carried over). When nothing changed,
   nothing is computed and the readable run stays.

Every step is resumable on its own, so a refresh killed anywhere and run again ends with the
same store as one that was never interrupted. `refresh_every` repeats it on a schedule; a
failed round is reported and the next round tries again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from polyrank.discover.run import DiscoverOptions, DiscoverReport, discover
from polyrank.enrich.catalogue import CatalogueReport, sync_catalogue
from polyrank.enrich.trades import EnrichReport, enrich
from polyrank.errors import InvalidArgument, PolyrankError
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import MetricsReport, compute_metrics, up_to_date
from polyrank.progress import NullProgress, Progress, Published
from polyrank.settings import Settings
from polyrank.stages import set_stage
from polyrank.store import Store, load_sql

log = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    """What one refresh did; `enrich` and `metrics` are None when nothing had changed."""

    wallets: int
    catalogue: CatalogueReport
    ingest: IngestReport
    discover: DiscoverReport | None = None
    enrich: EnrichReport | None = None
    metrics: MetricsReport | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """A new metrics run was computed."""
        return self.metrics is not None


def known_wallets(store: Store) -> tuple[str, ...]:
    """The wallets a refresh brings up to date: every wallet loaded before, and the
    registry's."""
    return tuple(r[0] for r in store.rows(load_sql("polyrank.ingest.sql", "known_wallets.sql")))


async def refresh_async(settings: Settings, store: Store, options: IngestOptions, *,
                        discover_options: DiscoverOptions | None = None,
                        full_catalogue: bool = False, config: MetricsConfig | None = None,
                        progress: Progress | None = None, command: str = "") -> RefreshReport:
    progress = progress or NullProgress()
    started = time.monotonic()
    found = None
    if discover_options is not None:
        found = await discover(settings, store, discover_options, progress=progress,
                               policy=options.retry)
    wallets = known_wallets(store)
    if not wallets:
        raise InvalidArgument("wallets", "nothing to refresh: the store has loaded no wallet "
                                         "and its registry is empty (run `polyrank discover` "
                                         "or `polyrank pipeline` first)")
    catalogue = await sync_catalogue(settings, store, progress=progress, policy=options.retry,
                                     incremental=not full_catalogue)
    ingest = await Ingest(settings, store, replace(options, incremental=True),
                          progress=progress).run(wallets, command=command)
    report = RefreshReport(len(wallets), catalogue, ingest, found)
    if ingest.failed:
        log.warning("%d wallet(s) failed to load: the metrics are computed without their "
                    "new rows (the next refresh tries them again)", len(ingest.failed))
    if await asyncio.to_thread(up_to_date, store, config):
        set_stage(store, "ready")
        log.info("refresh: nothing new since the readable metrics run; nothing computed")
    else:
        # rows deleted (a V2 era moved from the Data API to the chain) leave the appended
        # enriched fills: rebuilt whole then
        # (both publish their steps for `polyrank status` in another process)
        job = Published(progress, settings.runtime_dir)
        report.enrich = await asyncio.to_thread(enrich, store, progress=job,
                                                incremental=not ingest.replaced)
        report.metrics = await asyncio.to_thread(compute_metrics, store, config,
                                                 slice_rows=settings.metrics_slice_rows,
                                                 carry=True, progress=job)
    report.seconds = time.monotonic() - started
    return report


@dataclass(frozen=True)
class Round:
    """One round of `refresh_every`: its number, its report, or the error that failed it."""

    number: int
    report: RefreshReport | None = None
    error: str = ""


async def refresh_every(every_s: float, run: Callable[[], object], *, rounds: int | None = None,
                        on_round: Callable[[Round], None] | None = None,
                        sleep=asyncio.sleep) -> list[Round]:
    """Run `run` (an awaitable factory: one refresh) every `every_s` seconds, counted from
    each round's start, `rounds` times (None: until cancelled). A round that fails is
    reported (`on_round`) and the next one tries again; the store keeps its last complete
    metrics run in the meantime."""
    if every_s <= 0:
        raise InvalidArgument("every", f"the interval must be positive, not {every_s}")
    done: list[Round] = []
    number = 0
    while rounds is None or number < rounds:
        number += 1
        started = time.monotonic()
        try:
            result = Round(number, report=await run())
        except Exception as exc:  # any failure ends the round, never the loop
            if not isinstance(exc, PolyrankError):
                log.exception("refresh round %d failed", number)
            log.error("refresh round %d failed: %s (the next round tries again)", number, exc)
            result = Round(number, error=f"{type(exc).__name__}: {exc}")
        done.append(result)
        if on_round is not None:
            on_round(result)
        if rounds is not None and number >= rounds:
            break
        await sleep(max(0.0, every_s - (time.monotonic() - started)))
    return done
