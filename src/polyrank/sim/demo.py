"""The offline demo: world -> replay server (mild faults) -> catalogue sync -> ingest with
10 workers -> enrich -> metrics -> the omega leaderboard, with the web page and API served from
the start (they show the loading progress, then the boards). Everything runs on this machine;
the client code is the same that talks to the real hosts.

The demo world ends before the V2 migration (2026-04-28), so the Goldsky orderbook subgraph
holds its whole history and the metrics are complete (V2 history is not loaded yet)."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from polyrank import Polyrank
from polyrank.pipeline import PipelineReport
from polyrank.progress import NullProgress, Progress
from polyrank.results.boards import Leaderboard
from polyrank.settings import Settings

log = logging.getLogger(__name__)

DEMO_START, DEMO_END = "2025-03-01", "2026-04-20"
DEMO_WALLETS, DEMO_SEED, DEMO_WORKERS, DEMO_PORT = 2000, 7, 10, 8000
DEMO_FAULTS = dict(fault_seed=1, error_rate=0.03, timeout_rate=0.02, malformed_rate=0.01,
                   drop_rate=0.01, latency_ms=5.0)


@dataclass
class DemoResult:
    world_dir: Path
    replay_url: str
    report: PipelineReport
    leaderboard: Leaderboard
    fills_in_store: int
    api_url: str | None = None


def run_demo(settings: Settings, world_dir: Path, *, wallets: int, seed: int,
             markets: int | None = None, progress: Progress | None = None,
             port: int | None = None, on_serving=None, on_ready=None) -> DemoResult:
    """Run the demo; with a `port` the page and API are served from the start and, once the
    leaderboard is ready (`on_ready`), until interrupted."""
    from polyrank.sim.replay import FaultConfig, ReplayServer
    from polyrank.sim.world import WorldParams, generate_world

    progress = progress or NullProgress()
    if not (world_dir / "world.json").exists():
        log.info("generating a world of %d wallets into %s", wallets, world_dir)
        generate_world(world_dir, WorldParams(seed=seed, wallets=wallets, markets=markets,
                                              start=DEMO_START, end=DEMO_END), progress)
    else:
        log.info("reusing the world in %s", world_dir)
    with ReplayServer(world_dir, faults=FaultConfig(**DEMO_FAULTS)) as server:
        settings = replace(settings, goldsky_url=server.url, gamma_url=server.url,
                           data_api_url=server.url)
        log.info("replay server on %s (mild faults on)", server.url)
        with Polyrank.open(settings=settings, progress=progress) as pr, (
                nullcontext() if port is None else pr.serve(port=port)) as api:
            if api and on_serving:
                on_serving(api.url)
            report = pr.run_pipeline(world_dir / "wallets.txt", workers=DEMO_WORKERS,
                                     goldsky_limit=None, command="polyrank-sim demo")
            result = DemoResult(world_dir, server.url, report, pr.leaderboard(limit=10),
                                pr.fills_loaded(), api.url if api else None)
            try:  # once the board is out, Ctrl-C is the normal way to stop the demo
                if on_ready:
                    on_ready(result)
                if api:
                    api.wait()
            except KeyboardInterrupt:
                log.info("demo stopped (Ctrl-C)")
    return result
