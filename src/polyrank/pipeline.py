"""The whole job in order: catalogue sync -> ingest -> enrich -> metrics. When the ingest has
finished all its workers, enrichment and metrics follow automatically (unless auto=False), so
newly loaded wallets always get their P&L."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from polyrank.blocking import run_sync
from polyrank.enrich.catalogue import CatalogueReport, sync_catalogue
from polyrank.enrich.trades import EnrichReport, enrich
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import MetricsReport, compute_metrics
from polyrank.progress import NullProgress, Progress, Published
from polyrank.settings import Settings
from polyrank.store import Store

log = logging.getLogger(__name__)


@dataclass
class PipelineReport:
    """What each stage did; `enrich` and `metrics` are None when they did not run."""

    catalogue: CatalogueReport | None
    ingest: IngestReport
    enrich: EnrichReport | None = None
    metrics: MetricsReport | None = None


async def run_pipeline_async(settings: Settings, store: Store, wallets: tuple[str, ...],
                             options: IngestOptions, *, progress: Progress | None = None,
                             sync: bool = True, auto: bool = True, command: str = "",
                             config: MetricsConfig | None = None, as_of: int | None = None
                             ) -> PipelineReport:
    """The pipeline in the running event loop; the store's statements of enrich and metrics
    run on a worker thread so the loop stays responsive."""
    progress = progress or NullProgress()
    catalogue = None
    if sync:
        catalogue = await sync_catalogue(settings, store, progress=progress,
                                         policy=options.retry)
    ingest = await Ingest(settings, store, options, progress=progress).run(wallets,
                                                                          command=command)
    report = PipelineReport(catalogue, ingest)
    if not auto:
        log.info("ingest done; enrich and metrics not started (auto off)")
        return report
    if ingest.failed:
        log.warning("%d wallet(s) failed to load; metrics are computed without them "
                    "(run the pipeline again to retry them first)", len(ingest.failed))
    # (both publish their steps for `polyrank status` in another process)
    job = Published(progress, settings.runtime_dir)
    report.enrich = await asyncio.to_thread(enrich, store, progress=job)
    # (carrying: a run again over a store that has one computes only what changed, and a run
    # computed whole writes its equity curves down, so a refresh after it keeps them)
    report.metrics = await asyncio.to_thread(compute_metrics, store, config, as_of=as_of,
                                             slice_rows=settings.metrics_slice_rows,
                                             carry=True, progress=job)
    return report


def run_pipeline(settings: Settings, store: Store, wallets: tuple[str, ...],
                 options: IngestOptions, **kwargs) -> PipelineReport:
    """run_pipeline_async from sync code (also inside a running event loop)."""
    return run_sync(run_pipeline_async(settings, store, wallets, options, **kwargs))
