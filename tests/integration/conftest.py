"""Fixtures shared by integration tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from polyrank.enrich.catalogue import sync_catalogue
from polyrank.enrich.trades import enrich
from polyrank.metrics.run import compute_metrics
from polyrank.replay import ReplayServer
from polyrank.store import Store
from polyrank.world import WorldParams, generate_world
from tests.ingest_support import FAST_RETRY, run_ingest, settings_for


@pytest.fixture(scope="session")
def loaded(tmp_path_factory) -> tuple[Path, str]:
    """A pre-migration world loaded through the replay (catalogue + ingest), enriched and
    computed: the store holds the world's complete history (the Goldsky orderbook subgraph
    serves every fill before 2026-04-28)."""
    root = tmp_path_factory.mktemp("metrics-world")
    world = root / "world"
    # 400 markets: enough closed bets per category for the planted specialists to qualify
    generate_world(world, WorldParams(seed=5, wallets=600, markets=400, fills=120_000,
                                      start="2025-03-01", end="2026-04-20"))
    wallets = (world / "wallets.txt").read_text().split()
    with ReplayServer(world) as server:
        settings = settings_for(server.url, f"chdb://{root / 'store'}", root / "rt")
        with Store.open(settings.store_dsn) as store:
            asyncio.run(sync_catalogue(settings, store, policy=FAST_RETRY))
        report = run_ingest(settings, wallets, workers=4)
        assert report.failed == {}
    with Store.open(settings.store_dsn) as store:
        enriched = enrich(store)
        assert enriched.unresolved_fills == 0
        compute_metrics(store)
    return world, settings.store_dsn
