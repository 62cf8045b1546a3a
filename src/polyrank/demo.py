"""The offline demo: world -> replay server (mild faults) -> catalogue sync -> ingest with
10 workers -> a look at the store. Everything runs on this machine; the client code is the
same that talks to the real hosts."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from polyrank.enrich.catalogue import CatalogueReport, sync_catalogue
from polyrank.ingest.options import IngestOptions
from polyrank.ingest.run import Ingest, IngestReport
from polyrank.ingest.wallets import read_wallet_list
from polyrank.progress import NullProgress, Progress
from polyrank.settings import Settings
from polyrank.store import Store

log = logging.getLogger(__name__)

DEMO_FAULTS = dict(fault_seed=1, error_rate=0.03, timeout_rate=0.02, malformed_rate=0.01,
                   drop_rate=0.01, latency_ms=5.0)


@dataclass
class DemoResult:
    world_dir: Path
    replay_url: str
    catalogue: CatalogueReport
    ingest: IngestReport
    top_wallets: list[tuple]
    fills_in_store: int


def run_demo(settings: Settings, world_dir: Path, *, wallets: int, seed: int,
             progress: Progress | None = None, serve_forever: bool = False,
             on_ready=None) -> DemoResult:
    from polyrank.replay import FaultConfig, ReplayServer
    from polyrank.world import WorldParams, generate_world

    progress = progress or NullProgress()
    if not (world_dir / "world.json").exists():
        log.info("generating a world of %d wallets into %s", wallets, world_dir)
        generate_world(world_dir, WorldParams(seed=seed, wallets=wallets), progress)
    else:
        log.info("reusing the world in %s", world_dir)
    with ReplayServer(world_dir, faults=FaultConfig(**DEMO_FAULTS)) as server:
        settings = replace(settings, goldsky_url=server.url, gamma_url=server.url,
                           data_api_url=server.url)
        log.info("replay server on %s (mild faults on)", server.url)
        listed = read_wallet_list(world_dir / "wallets.txt")
        with Store.open(settings.store_dsn) as store:
            catalogue = asyncio.run(sync_catalogue(settings, store, progress=progress))
            job = Ingest(settings, store, IngestOptions(workers=10, goldsky_limit=None),
                         progress=progress)
            report = asyncio.run(job.run(listed.wallets, command="polyrank demo"))
            top = store.rows(
                "SELECT wallet_address, count() AS fills, "
                "round(sum(toFloat64(usdc_value)), 2) AS volume_usdc, "
                "uniqExact(condition_id) AS markets "
                "FROM trades_raw GROUP BY wallet_address ORDER BY volume_usdc DESC LIMIT 10")
            fills = store.scalar("SELECT count() FROM fills")
        result = DemoResult(world_dir, server.url, catalogue, report, top, fills)
        if on_ready:
            on_ready(result)
        if serve_forever:
            import threading

            threading.Event().wait()
    return result
