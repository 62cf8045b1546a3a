"""The whole job in order: catalogue sync -> ingest -> enrich -> metrics. When the ingest has
finished all its workers, enrichment and metrics follow automatically (unless auto=False), so
new wallets always get their P&L (the original never ran that step in its automatic chain)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from polyrank.enrich.catalogue import CatalogueReport, sync_catalogue
from polyrank.enrich.trades import EnrichReport, enrich
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.metrics.config import MetricsConfig
from polyrank.metrics.run import MetricsReport, compute_metrics
from polyrank.progress import NullProgress, Progress
from polyrank.settings import Settings
from polyrank.store import Store

log = logging.getLogger(__name__)


@dataclass
class PipelineReport:
    catalogue: CatalogueReport | None
    ingest: IngestReport
    enrich: EnrichReport | None = None
    metrics: MetricsReport | None = None


def run_pipeline(settings: Settings, store: Store, wallets: tuple[str, ...],
                 options: IngestOptions, *, progress: Progress | None = None,
                 sync: bool = True, auto: bool = True, command: str = "",
                 config: MetricsConfig | None = None, as_of: int | None = None
                 ) -> PipelineReport:
    progress = progress or NullProgress()
    catalogue = None
    if sync:
        catalogue = asyncio.run(sync_catalogue(settings, store, progress=progress,
                                               policy=options.retry))
    ingest = asyncio.run(Ingest(settings, store, options, progress=progress)
                         .run(wallets, command=command))
    report = PipelineReport(catalogue, ingest)
    if not auto:
        log.info("ingest done; enrich and metrics not started (--no-auto)")
        return report
    if ingest.failed:
        log.warning("%d wallet(s) failed to load; metrics are computed without them "
                    "(rerun the same command to retry them first)", len(ingest.failed))
    report.enrich = enrich(store)
    report.metrics = compute_metrics(store, config, as_of=as_of)
    return report
